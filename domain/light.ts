/**
 * 电子监察 lights (SPEC §3 Light), computed against the current time when read, so a read never
 * shows green for a task past its deadline.
 */
import type { TaskStatus } from './case-types.js';

/** Worst first. */
export const LIGHTS = ['red', 'yellow', 'green', 'paused', 'done'] as const;
export type Light = (typeof LIGHTS)[number];
const SEVERITY: readonly Light[] = LIGHTS;

export function worstLight(lights: readonly Light[]): Light {
  let worst: Light = 'done';
  for (const light of lights) if (SEVERITY.indexOf(light) < SEVERITY.indexOf(worst)) worst = light;
  return worst;
}

export interface TaskClock {
  status: TaskStatus | string;
  deadlineMs: number | null;
  yellowFromMs: number | null;
}

export function computeTaskLight(task: TaskClock, nowMs: number): Light {
  switch (task.status) {
    case 'approved':
    case 'rejected':
    case 'cancelled':
      return 'done';
    case 'awaiting_supplement':
    case 'blocked':
      // no clock runs: waiting for the applicant, or for prerequisites
      return 'paused';
    case 'pending':
      if (task.deadlineMs !== null && nowMs > task.deadlineMs) return 'red';
      if (task.yellowFromMs !== null && nowMs >= task.yellowFromMs) return 'yellow';
      return 'green';
    default:
      return 'done';
  }
}

/** A case is `done` once closed and `paused` while it waits for the applicant's next application. */
export function computeCaseLight(status: string, taskLights: readonly Light[]): Light {
  if (status !== 'open') return 'done';
  const light = worstLight(taskLights);
  // between stages every task is done: the case waits for the applicant's next application
  return light === 'done' ? 'paused' : light;
}
