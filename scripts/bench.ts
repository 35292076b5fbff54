/**
 * Measures a running stack (./scripts/start) over HTTP and prints figures; asserts nothing.
 * Opens BENCH_CASES gov-building cases (default 30), then approves every pending stage-1 task of
 * each, and reports latency percentiles per operation and overall throughput.
 * Usage: ./scripts/bench [cases] [concurrency]   (API at BENCH_URL, default http://127.0.0.1:3000)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadLocalStackConfig } from '../config.js';
import { computeCreditCodeCheck } from '../domain/identifiers.js';

const stack = loadLocalStackConfig();
const base = process.argv[4] ?? `http://127.0.0.1:${stack.port}`;
const cases = Number(process.argv[2] ?? 30);
const concurrency = Number(process.argv[3] ?? 4);
const tokens = JSON.parse(readFileSync(path.join(path.resolve(stack.dataDir), 'tokens.json'), 'utf8')) as Record<string, string>;

const timings = new Map<string, number[]>();

async function timed(operation: string, method: string, url: string, token: string, body?: unknown): Promise<any> {
  const started = performance.now();
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json: unknown = await response.json();
  const list = timings.get(operation) ?? timings.set(operation, []).get(operation)!;
  list.push(performance.now() - started);
  if (!response.ok) throw new Error(`${operation}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

function creditCode(n: number): string {
  const body = `91610100MA${String(n).padStart(7, '0')}`;
  return body + computeCreditCodeCheck(body);
}

async function runOne(n: number): Promise<void> {
  const serial = String((Date.now() * 1000 + n) % 1_000_000).padStart(6, '0');
  const opened = await timed('open case', 'POST', '/v1/cases', tokens.window!, {
    projectCode: `2026-610100-47-01-${serial}`,
    projectName: `压测项目 ${n}`,
    projectType: 'gov-building',
    applicant: { name: '压测建设单位', creditCode: creditCode(n) },
  });
  await timed('read case', 'GET', `/v1/cases/${opened.caseId}`, tokens.coordinator!);
  for (const task of opened.stages[0].tasks as { taskId: string; department: string; status: string }[]) {
    if (task.status !== 'pending') continue;
    await timed('decide task', 'POST', `/v1/cases/${opened.caseId}/tasks/${task.taskId}/decision`, tokens[`reviewer:${task.department}`]!, {
      decision: 'approve',
    });
  }
}

const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < cases) await runOne(next++);
  }),
);
const seconds = (performance.now() - started) / 1000;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
console.log(`${cases} cases, concurrency ${concurrency}, ${seconds.toFixed(1)} s against ${base}`);
for (const [operation, list] of timings) {
  const sorted = [...list].sort((a, b) => a - b);
  console.log(
    `${operation.padEnd(12)} n=${String(sorted.length).padStart(4)}  p50 ${percentile(sorted, 50).toFixed(0)} ms  p95 ${percentile(sorted, 95).toFixed(0)} ms  max ${(sorted.at(-1) ?? 0).toFixed(0)} ms`,
  );
}
const requests = [...timings.values()].reduce((sum, list) => sum + list.length, 0);
console.log(`throughput ${(requests / seconds).toFixed(1)} requests/s, ${(cases / seconds).toFixed(2)} cases/s`);
