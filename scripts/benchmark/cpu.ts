/**
 * CPU seconds spent by the processes of the stack (from /proc, Linux), so each phase of the
 * benchmark can say where the machine's time went: the API, the worker, Temporal, PostgreSQL.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

function statOf(pid: number): { ppid: number; ticks: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name may hold spaces: fields count from the closing parenthesis
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/** CPU seconds of a process and all its descendants (PostgreSQL runs a process per connection). */
export function cpuSecondsOfTree(root: number): number {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = statOf(pid);
    if (!stat) continue;
    ticks.set(pid, stat.ticks);
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  }
  let total = 0;
  const visit = (pid: number) => {
    total += ticks.get(pid) ?? 0;
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return total / TICKS_PER_SECOND;
}

export type CpuSample = Record<string, number>;

/** CPU seconds of one process alone, without its children. */
export function cpuSecondsOf(pid: number): number {
  return (statOf(pid)?.ticks ?? 0) / TICKS_PER_SECOND;
}

/**
 * Samples every named process tree now, and the processes in `alone` without their children
 * (the benchmark's own process, whose children are the stack it measures); `since` gives the
 * seconds each spent since an earlier sample.
 */
export function createCpuMeter(processes: Record<string, number | undefined>, alone: Record<string, number> = {}) {
  const sample = (): CpuSample => ({
    ...Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, pid ? cpuSecondsOfTree(pid) : 0])),
    ...Object.fromEntries(Object.entries(alone).map(([name, pid]) => [name, cpuSecondsOf(pid)])),
  });
  return {
    sample,
    since(before: CpuSample): CpuSample {
      const now = sample();
      return Object.fromEntries(Object.entries(now).map(([name, seconds]) => [name, Math.round((seconds - (before[name] ?? 0)) * 100) / 100]));
    },
  };
}
