/**
 * Plain serializable shapes shared by the workflow, its activities and the API. Instants inside
 * the workflow are epoch milliseconds; the read model turns them into timestamps.
 */
import type { Derivation, IsoDate, YearSchedule } from './calendar.js';
import { DEFAULT_CASE_BUDGET, type CaseBudget } from './budget.js';
import type { BoardMoments } from './supervision.js';
import type { CasePlan, StageCode } from './catalog.js';

/*
 * Every closed list of values is a constant here, once: the types derive from it, the drizzle
 * schema types its columns with it, and the API's schemas turn it into an enum (validation and
 * OpenAPI), so an unknown filter value is a 400.
 */
export const ROLES = ['window', 'reviewer', 'coordinator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

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
  /** a checklist code (SPEC §6.0 Material codes): the document this material is */
  code?: string;
  copies?: number;
  note?: string;
}

export const CASE_STATUSES = ['open', 'completed', 'rejected', 'withdrawn'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export const STAGE_STATUSES = ['not_started', 'in_review', 'approved', 'rejected', 'cancelled'] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];
export const TASK_STATUSES = ['blocked', 'pending', 'awaiting_supplement', 'approved', 'rejected', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const AWAITING = ['departments', 'applicant'] as const;
export type Awaiting = (typeof AWAITING)[number] | null;
export const DECISION_KINDS = ['approve', 'reject', 'request_supplement', 'deemed_consent'] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

/*
 * Free text (opinions, conditions, reasons, materials) never stays in workflow state: it crosses
 * the workflow boundary once, in its audit event, and the read model keeps it. State holds the
 * structure only, so its size (carried by every continue-as-new) stays bounded whatever users
 * write. The optional text fields below exist only in states carried from before that rule.
 */

export interface TaskExtension {
  workingDays: number;
  by: Actor;
  at: number;
  /** legacy: states carried from before text left workflow state */
  reason?: string;
}

/** 补正: a request for supplementary materials, told all at once (一次性告知) */
export interface TaskSupplement {
  requestedAt: number;
  resubmittedAt: number | null;
  /** legacy */
  opinion?: string;
  /** legacy */
  missingMaterials?: string[];
  /** legacy */
  materials?: Material[] | null;
}

export interface TaskDecision {
  decision: DecisionKind;
  by: Actor;
  at: number;
  /** legacy */
  opinion?: string | null;
  /** legacy */
  conditions?: string[];
}

/** The text of a decision as the read model keeps it (from its audit event). */
export interface DecisionText {
  opinion: string | null;
  conditions: string[];
}

/** The text of a request for supplementary materials (from its audit event). */
export interface SupplementText {
  opinion: string;
  missingMaterials: string[];
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
  /** absent in cases opened before the budget existed (they get the default) */
  budget?: CaseBudget;
  /** 容缺受理: working days a deferred material may follow acceptance (absent: 5) */
  deferralDays?: number;
}
export const DEFAULT_LADDER: EscalationLadder = { reminderOnYellow: true, level1OnRed: true, level2AfterWorkingDays: 3 };
export const DEFAULT_STALL_RULES: StallRules = { noActivityWorkingDays: 5, applicantSilentWorkingDays: 10 };
export const DEFAULT_DEFERRAL_DAYS = 5;
export const DEFAULT_CLOCK_RULES: ClockRules = {
  supplementLimitDays: 20,
  ladder: DEFAULT_LADDER,
  stalled: DEFAULT_STALL_RULES,
  budget: DEFAULT_CASE_BUDGET,
  deferralDays: DEFAULT_DEFERRAL_DAYS,
};

export const ESCALATION_ORIGINS = ['auto', 'coordinator'] as const;
export type EscalationOrigin = (typeof ESCALATION_ORIGINS)[number];
export const ESCALATION_STATUSES = ['open', 'resolved'] as const;
export type EscalationStatus = (typeof ESCALATION_STATUSES)[number];

export interface EscalationRecord {
  escalationId: string;
  taskId: string | null;
  level: number;
  origin: EscalationOrigin;
  status: EscalationStatus;
  openedAtMs: number;
  /** when the ladder called for it (automatic ones; earlier than openedAtMs when back-dated) */
  dueAtMs: number | null;
  openedBy: Actor;
  resolvedAtMs: number | null;
  resolvedBy: Actor | null;
  /** legacy (text lives in the escalation's events and the read model) */
  reason?: string;
  /** legacy */
  resolution?: string | null;
}

export const NOTIFICATION_KINDS = ['reminder', 'escalation', 'applicant_silent', 'escalation_resolved'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
export const NOTIFICATION_AUDIENCES = ['department', 'window', 'coordinator'] as const;
export type NotificationAudience = (typeof NOTIFICATION_AUDIENCES)[number];

export interface NotificationRecord {
  notificationId: string;
  kind: NotificationKind;
  taskId: string | null;
  audience: NotificationAudience;
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
  /** the workflow behaviour the case was started with (workflows/case-workflow.ts); absent in cases from before */
  workflowVersion?: number;
  /** 容缺受理: checklist codes of the stage-1 application to follow (validated by the API) */
  deferredMaterials?: string[];
  /** trips to the counter before the opening: intake notices for this project since its last case closed */
  priorTrips?: number;
  /**
   * The API wrote the opening's rows and audit events with the case row (api/opening.ts), from
   * the same pure code the workflow runs: the workflow's first run does not write them again.
   */
  openingWritten?: true;
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
  /** UTF-8 bytes of text written about this task so far (its budget, SPEC §6.0); absent: 0 */
  textBytes?: number;
  /** requests for supplementary materials so far; absent: 0 */
  supplementRounds?: number;
  /** when the last pending material of its item arrived (a deemed consent waits for it) */
  materialsMetAtMs?: number | null;
}

export interface StageState {
  code: StageCode;
  order: number;
  status: StageStatus;
  openedAtMs: number | null;
  closedAtMs: number | null;
  committedDays: number;
  materials: Material[] | null;
  /** the applicant's trips to the counter for this stage (最多跑一次); absent: 0 */
  trips?: number;
  /** the stage's merged request for supplementary materials while a task of it awaits one */
  supplementNotice?: { number: string; issuedAtMs: number } | null;
  /** the 不予许可决定书 of a rejected stage */
  rejectionLetter?: { number: string } | null;
  /** 出件: when its result was handed out (the recipient's name is in the result_handed_out event) */
  handout?: { atMs: number; by: Actor; channel: HandoutChannel } | null;
}

/** 出件 (SPEC §6.2): what the window hands out once a stage has ended */
export interface StageResult {
  documents: { kind: 'certificate' | 'rejection_letter'; number: string; name: string }[];
  readyAtMs: number | null;
}

export const HANDOUT_CHANNELS = ['counter', 'post', 'electronic'] as const;
export type HandoutChannel = (typeof HANDOUT_CHANNELS)[number];

/** 容缺: a deferred checklist entry still owed (names come from the case's plan) */
export interface PendingMaterialState {
  stage: StageCode;
  itemCode: string;
  code: string;
  copies: number;
  /** due by the end of this working day; overdue from 00:00 the day after */
  dueDate: IsoDate;
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

/** 代办 (SPEC §6.4): the kinds of key project a case can be designated as. */
export const AGENCY_CATEGORIES = ['industrial', 'key', 'investment'] as const;
export type AgencyCategory = (typeof AGENCY_CATEGORIES)[number];

/** What an agent (代办员) records doing for a key project; a `problem` stays open until solved. */
export const AGENCY_ACTIVITY_KINDS = ['site_coordination', 'joint_meeting', 'follow_up', 'problem'] as const;
export type AgencyActivityKind = (typeof AGENCY_ACTIVITY_KINDS)[number];

/** Someone named by a token's `sub` and `name` (an agent, whoever recorded an activity). */
export interface Person {
  sub: string;
  name: string;
}

/** A case designated a key project, with its agent. */
export interface AgencyState {
  category: AgencyCategory;
  agent: Person;
  sinceMs: number;
}

/**
 * One agency activity as the workflow keeps it: no free text (the summary and a problem's
 * resolution travel in the audit events, like every other text).
 */
export interface AgencyActivityRecord {
  activityId: string;
  kind: AgencyActivityKind;
  /** when it happened (given, or when it was recorded) */
  atMs: number;
  recordedAtMs: number;
  by: Person;
  /** departments that took part */
  attendees: string[];
  problem: null | { status: 'open' | 'solved'; solvedAtMs: number | null; solvedBy: Person | null };
}

/** An audit event as the workflow produces it; the activity adds the hash chain. */
export interface CaseEvent {
  seq: number;
  type: string;
  at: number;
  actor: Actor;
  data: Record<string, unknown>;
}

/**
 * One write of a case's read model (the `syncCase` activity's input): a batch of audit events
 * and the rows they changed. A flush too large for one payload is split; every part carries the
 * rows, so whichever lands last leaves them current. Bounded: rows hold no free text (it comes
 * from the events), events are cut into parts well under Temporal's payload limit.
 */
export interface CaseSync {
  caseId: string;
  /** the seq of the last event in `events`: the version the read model reaches */
  version: number;
  /** the hash of the event before `events[0]`, carried by the workflow (absent: read it back) */
  prevHash?: string;
  /** every row of the case (after events were taken back): rows the workflow no longer has go */
  full?: boolean;
  events: CaseEvent[];
  rows: {
    case: {
      status: CaseStatus;
      currentStage: StageCode;
      awaiting: Awaiting;
      closedAtMs: number | null;
      /** what the supervision board sorts and filters on (absent in legacy writes) */
      board?: BoardMoments;
      /** 容缺: what the case still owes, with the checklist names (absent in older writes) */
      pendingMaterials?: (PendingMaterialState & { name: string })[];
      /** when the first pending material becomes overdue (the board's `materials_overdue`) */
      materialsOverdueAt?: number | null;
      /** 代办 (absent in older writes) */
      agency?: AgencyState | null;
    };
    stages: (StageState & { leadDepartment?: string | null; result?: StageResult | null })[];
    tasks: TaskState[];
    certificates: CertificateRecord[];
    escalations: EscalationRecord[];
    /** every agency activity of the case, when this write changed one (absent: unchanged) */
    agencyActivities?: AgencyActivityRecord[];
  };
  notifications: NotificationRecord[];
}

/**
 * A case the engine had to stop: the database refused a write for a reason retrying cannot cure
 * (a data error), or its workflow ended abnormally. Shown on the board until an administrator
 * recovers the case (SPEC §6.0; README "Recovering a case").
 */
export interface CaseFault {
  kind: 'data_error' | 'workflow_closed';
  message: string;
  /** the first audit seq that could not be written (data errors) */
  seq: number | null;
  atMs: number;
}

/** Legacy `syncCase` input, scheduled by workflow code from before CaseSync. */
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
