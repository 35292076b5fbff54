/**
 * A case's size budget (SPEC §6.0 *Case budget*): what one case may accumulate, so that no
 * request a user can send makes a workflow payload approach Temporal's limits (2 MB a payload,
 * 50 MB a history). Configurable as data (the `budget` of the clock rules); a case keeps the
 * budget it was opened under. Pure: the workflow's update validators enforce it, and the API
 * refuses a request early when the request alone could never fit.
 */
import { textBytes } from './text.js';

export interface CaseBudget {
  /** escalations open at once */
  openEscalations: number;
  /** escalations over the case's life */
  totalEscalations: number;
  /** requests for supplementary materials per task */
  supplementRounds: number;
  /** UTF-8 bytes of text written about one task (opinions, conditions, missing materials, reasons) */
  taskTextBytes: number;
  /** materials (entries) over the case's life: applications, supplements, deliveries */
  materials: number;
  /** 代办 activities recorded over the case's life */
  agencyActivities: number;
}

export const DEFAULT_CASE_BUDGET: CaseBudget = {
  openEscalations: 20,
  totalEscalations: 100,
  supplementRounds: 10,
  taskTextBytes: 64 * 1024,
  materials: 500,
  agencyActivities: 200,
};

export type BudgetName = keyof CaseBudget;

/** What a refusal says: which budget, its limit, what is used, what the request asked for. */
export interface BudgetExcess {
  budget: BudgetName;
  limit: number;
  used: number;
  requested: number;
}

export function budgetOf(rules: { budget?: Partial<CaseBudget> } | undefined): CaseBudget {
  return { ...DEFAULT_CASE_BUDGET, ...rules?.budget };
}

/** The excess if `used + requested` would pass `limit`, else null. */
export function checkBudget(budget: CaseBudget, name: BudgetName, used: number, requested: number): BudgetExcess | null {
  const limit = budget[name];
  return used + requested > limit ? { budget: name, limit, used, requested } : null;
}

export function describeExcess(excess: BudgetExcess): string {
  return `the case's ${excess.budget} budget is ${excess.limit}; ${excess.used} used, this request needs ${excess.requested}`;
}

/** The text a decision adds to its task's budget. */
export function decisionTextBytes(decision: { opinion?: string; conditions?: string[]; missingMaterials?: string[] }): number {
  return textBytes([decision.opinion ?? '', decision.conditions ?? [], decision.missingMaterials ?? []]);
}
