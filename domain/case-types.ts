/**
 * Plain serializable shapes shared by the workflow, its activities and the API. Instants inside
 * the workflow are epoch milliseconds; the read model turns them into timestamps.
 */
import type { Derivation, IsoDate, YearSchedule } from './calendar.js';
import type { CasePlan, StageCode } from './catalog.js';

export type Role = 'window' | 'reviewer' | 'coordinator' | 'admin';
export const ROLES: readonly Role[] = ['window', 'reviewer', 'coordinator', 'admin'];

/** Who did something. `system` is the engine itself (timers, deemed consent). */
export interface Actor {
  sub: string;
  name: string;
  role: Role | 'system';
  department?: string;
}
export const SYSTEM_ACTOR: Actor = { sub: 'system', name: 'system', role: 'system' };

export interface Applicant {
  name: string;
  creditCode: string;
}

export interface Material {
  name: string;
  copies?: number;
  note?: string;
}

export type CaseStatus = 'open' | 'completed' | 'rejected' | 'withdrawn';
export type StageStatus = 'not_started' | 'in_review' | 'approved' | 'rejected' | 'cancelled';
export type TaskStatus =
  | 'blocked'
  | 'pending'
  | 'awaiting_supplement'
  | 'approved'
  | 'rejected'
  | 'cancelled';
export type Awaiting = 'departments' | 'applicant' | null;
export type DecisionKind = 'approve' | 'reject' | 'request_supplement' | 'deemed_consent';

export interface TaskExtension {
  workingDays: number;
  reason: string;
  by: Actor;
  at: number;
}

/** 补正: a request for supplementary materials, told all at once (一次性告知) */
export interface TaskSupplement {
  opinion: string;
  missingMaterials: string[];
  requestedAt: number;
  resubmittedAt: number | null;
  materials: Material[] | null;
}

export interface TaskDecision {
  decision: DecisionKind;
  opinion: string | null;
  conditions: string[];
  by: Actor;
  at: number;
}

export interface ProjectInfo {
  projectCode: string;
  projectName: string;
  projectType: string;
  applicant: Applicant;
  location: string | null;
  totalInvestment: number | null;
  landArea: number | null;
  floorArea: number | null;
}

/** 督办 ladder (SPEC §3): yellow → reminder, red → level 1, N working days past the deadline → level 2. */
export interface EscalationLadder {
  reminderOnYellow: boolean;
  level1OnRed: boolean;
  level2AfterWorkingDays: number;
}

/** Stalled though no deadline has passed. */
export interface StallRules {
  /** a pending task with no event for this many working days is flagged `no_activity` */
  noActivityWorkingDays: number;
  /** a supplement outstanding this long is flagged `applicant_silent` and the window is notified */
  applicantSilentWorkingDays: number;
}

/** Configurable clock rules (SPEC §3); data, not code (db/seed/rules.json, table `settings`). */
export interface ClockRules {
  /** 逾期未补正视为撤回: working days a supplement may be outstanding before the case is withdrawn */
  supplementLimitDays: number;
  /** absent in cases opened before the ladder existed */
  ladder?: EscalationLadder;
  stalled?: StallRules;
}
export const DEFAULT_LADDER: EscalationLadder = { reminderOnYellow: true, level1OnRed: true, level2AfterWorkingDays: 3 };
export const DEFAULT_STALL_RULES: StallRules = { noActivityWorkingDays: 5, applicantSilentWorkingDays: 10 };
export const DEFAULT_CLOCK_RULES: ClockRules = {
  supplementLimitDays: 20,
  ladder: DEFAULT_LADDER,
  stalled: DEFAULT_STALL_RULES,
};

export type EscalationOrigin = 'auto' | 'coordinator';

export interface EscalationRecord {
  escalationId: string;
  taskId: string | null;
  level: number;
  origin: EscalationOrigin;
  reason: string;
  status: 'open' | 'resolved';
  openedAtMs: number;
  /** when the ladder called for it (automatic ones; earlier than openedAtMs when back-dated) */
  dueAtMs: number | null;
  openedBy: Actor;
  resolvedAtMs: number | null;
  resolution: string | null;
  resolvedBy: Actor | null;
}

export type NotificationKind = 'reminder' | 'escalation' | 'applicant_silent' | 'escalation_resolved';

export interface NotificationRecord {
  notificationId: string;
  kind: NotificationKind;
  taskId: string | null;
  audience: 'department' | 'window' | 'coordinator';
  department: string | null;
  message: string;
  data: Record<string, unknown>;
  createdAtMs: number;
}

export interface CaseStartInput {
  caseId: string;
  project: ProjectInfo;
  materials: Material[];
  plan: CasePlan;
  acceptedAtMs: number;
  openedBy: Actor;
  calendar: YearSchedule[];
  timeZone: string;
  rules: ClockRules;
  /** history events after which the workflow continues as new (default in the workflow; tests lower it) */
  historyLimit?: number;
}

/** One running stretch of a task's clock (between acceptance or resubmission and a pause or decision). */
export interface ClockRun {
  fromMs: number;
  workingDays: number;
  startDate: IsoDate;
  dueDate: IsoDate;
  deadlineMs: number;
  yellowFromMs: number;
  derivation: Derivation;
}

/** Which moments of the ladder have fired, keyed by the deadline (or request) they fired for, so a moved deadline re-arms them. */
export interface TaskAlerts {
  reminderFor: number | null;
  level1For: number | null;
  level2For: number | null;
  silentFor: number | null;
}

export interface TaskState {
  taskId: string;
  stage: StageCode;
  itemCode: string;
  itemName: string;
  itemNameEn: string;
  department: string;
  after: string[];
  status: TaskStatus;
  committedDays: number;
  statutoryDays: number;
  warningDays: number;
  deemedConsent: boolean;
  certificate: { zh: string; en: string } | null;
  /** working days used by earlier runs of the clock */
  usedBeforeRun: number;
  run: ClockRun | null;
  extension: TaskExtension | null;
  supplement: TaskSupplement | null;
  decision: TaskDecision | null;
  pendingSinceMs: number | null;
  decidedAtMs: number | null;
  lastEventAtMs: number;
  /** absent in tasks created before the ladder existed */
  alerts?: TaskAlerts;
}

export interface StageState {
  code: StageCode;
  order: number;
  status: StageStatus;
  openedAtMs: number | null;
  closedAtMs: number | null;
  committedDays: number;
  materials: Material[] | null;
}

export interface CertificateRecord {
  number: string;
  name: string;
  itemCode: string;
  taskId: string;
  holder: string;
  projectCode: string;
  issuedAtMs: number;
  verificationCode: string;
}

/** An audit event as the workflow produces it; the activity adds the hash chain. */
export interface CaseEvent {
  seq: number;
  type: string;
  at: number;
  actor: Actor;
  data: Record<string, unknown>;
}

/** What the read model needs to mirror a case after a batch of events. */
export interface CaseSnapshot {
  caseId: string;
  version: number;
  status: CaseStatus;
  currentStage: StageCode;
  awaiting: Awaiting;
  closedAtMs: number | null;
  stages: StageState[];
  tasks: TaskState[];
  certificates: CertificateRecord[];
  escalations?: EscalationRecord[];
  /** notifications raised since the previous snapshot (the outbox rows to insert) */
  notifications?: NotificationRecord[];
}
