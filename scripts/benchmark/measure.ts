/** Timing helpers for the benchmark: run work at a fixed concurrency and summarise latencies. */
import type { CpuSample } from './cpu.js';

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
  /** operations per second over the whole run */
  rate: number;
  /** CPU milliseconds per operation, by process (where the machine's time went) */
  cpuMsPerOp?: CpuSample;
}

/** Measures CPU between two points; set once by the benchmark (scripts/bench.ts). */
export const cpuMeter: { current: { sample(): CpuSample; since(before: CpuSample): CpuSample } | null } = { current: null };

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export function summarise(latencies: number[], seconds: number): Summary {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? 0),
    rate: round(sorted.length / seconds),
  };
}

export const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Runs `work(i)` for i in 0..n-1 with `concurrency` lanes and returns each call's latency (ms)
 * and the wall time (s). `onProgress` hears of every completion.
 */
export async function runConcurrently(
  n: number,
  concurrency: number,
  work: (index: number) => Promise<unknown>,
  onProgress?: (done: number) => void,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let next = 0;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const index = next++;
        const at = performance.now();
        await work(index);
        latencies.push(performance.now() - at);
        onProgress?.(++done);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

export async function measure(
  n: number,
  concurrency: number,
  work: (index: number) => Promise<unknown>,
  onProgress?: (done: number) => void,
): Promise<Summary> {
  const meter = cpuMeter.current;
  const before = meter?.sample();
  const { latencies, seconds } = await runConcurrently(n, concurrency, work, onProgress);
  const summary = summarise(latencies, seconds);
  if (meter && before) {
    const spent = meter.since(before);
    summary.cpuMsPerOp = Object.fromEntries(Object.entries(spent).map(([name, s]) => [name, round((s * 1000) / Math.max(1, n), 1)]));
  }
  return summary;
}

/**
 * Several kinds of operation timed in alternating blocks (a b c c b a, a b c c b a, …), each block
 * at `concurrency` and drained before the next. A machine whose speed drifts during the run (other
 * tenants of the host, a database warming its caches) then slows every kind alike, where timing
 * one after the other would charge the drift to whichever came last. Each kind's latencies, time
 * and CPU are pooled over its blocks; `work(i)` sees i = 0…n-1 across them. With `settle`, each
 * block's time (and so the kind's rate) runs until `settle(kind)` resolves after the block: work
 * left behind by the answers (a started workflow's first task) is then counted where it belongs.
 */
export async function measureAlternating<Kind extends string>(
  n: number,
  concurrency: number,
  blocks: number,
  kinds: Record<Kind, (index: number) => Promise<unknown>>,
  onProgress?: (done: number) => void,
  settle?: (kind: Kind) => Promise<void>,
): Promise<Record<Kind, Summary>> {
  const meter = cpuMeter.current;
  // exactly `blocks` blocks of each kind, the first n % blocks of them one longer
  const sizeOf = (block: number) => Math.floor(n / blocks) + (block < n % blocks ? 1 : 0);
  const names = Object.keys(kinds) as Kind[];
  const pooled = new Map(names.map((name) => [name, { latencies: [] as number[], seconds: 0, cpu: {} as CpuSample, done: 0 }]));
  let done = 0;
  const runBlock = async (name: Kind, block: number) => {
    const pool = pooled.get(name)!;
    const count = sizeOf(block);
    if (count <= 0) return;
    const offset = pool.done;
    const before = meter?.sample();
    const began = performance.now();
    const { latencies } = await runConcurrently(count, concurrency, (i) => kinds[name](offset + i), () => onProgress?.(++done));
    await settle?.(name);
    const seconds = (performance.now() - began) / 1000;
    if (meter && before) for (const [who, s] of Object.entries(meter.since(before))) pool.cpu[who] = (pool.cpu[who] ?? 0) + s;
    pool.latencies.push(...latencies);
    pool.seconds += seconds;
    pool.done += count;
  };
  for (let block = 0; block < blocks; block += 1) {
    for (const name of block % 2 === 0 ? names : [...names].reverse()) await runBlock(name, block);
  }
  const summaryOf = (name: Kind): Summary => {
    const { latencies, seconds, cpu } = pooled.get(name)!;
    const summary = summarise(latencies, seconds);
    if (meter) summary.cpuMsPerOp = Object.fromEntries(Object.entries(cpu).map(([who, s]) => [who, round((s * 1000) / Math.max(1, n), 1)]));
    return summary;
  };
  return Object.fromEntries(names.map((name) => [name, summaryOf(name)])) as Record<Kind, Summary>;
}
