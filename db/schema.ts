/**
 * The read model and the data the API owns. Workflows are the source of truth for a case's
 * state; these tables are written by idempotent activities (and, for a case's opening row and
 * idempotency records, by the API) so that queries never have to ask Temporal.
 */
import { relations, sql, type SQL } from 'drizzle-orm';
import {
  boolean,
  char,
  check,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { STAGE_CODES, type Catalog } from '../domain/catalog.js';
import type { CaseBudget } from '../domain/budget.js';
import type { HolidayRange } from '../domain/calendar.js';
import {
  AGENCY_ACTIVITY_KINDS,
  AGENCY_CATEGORIES,
  AWAITING,
  CASE_STATUSES,
  ESCALATION_ORIGINS,
  ESCALATION_STATUSES,
  NOTIFICATION_AUDIENCES,
  NOTIFICATION_KINDS,
  STAGE_STATUSES,
  TASK_STATUSES,
  type Actor,
  type Applicant,
  type CaseFault,
  type CaseStartInput,
  type HandoutChannel,
  type PendingMaterialState,
  type Person,
  type StageResult,
  type StallRules,
  type DecisionText,
  type Material,
  type SupplementText,
  type TaskDecision,
  type TaskExtension,
  type TaskSupplement,
} from '../domain/case-types.js';
import type { Derivation } from '../domain/calendar.js';

const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Catalog versions: a case keeps the version it was opened under. */
export const catalogVersions = pgTable('catalog_versions', {
  version: integer('version').primaryKey(),
  data: jsonb('data').$type<Catalog>().notNull(),
  createdAt: instant('created_at').notNull().defaultNow(),
});

/** Published working-day schedules, one row per year (years without a row are provisional). */
export const calendarYears = pgTable('calendar_years', {
  year: integer('year').primaryKey(),
  version: integer('version').notNull(),
  holidays: jsonb('holidays').$type<HolidayRange[]>().notNull(),
  makeUpDays: jsonb('make_up_days').$type<string[]>().notNull(),
  publishedAt: instant('published_at').notNull().defaultNow(),
  publishedBy: jsonb('published_by').$type<Actor | null>(),
});

export const cases = pgTable(
  'cases',
  {
    caseId: text('case_id').primaryKey(),
    projectCode: text('project_code').notNull(),
    projectName: text('project_name').notNull(),
    projectType: text('project_type').notNull(),
    applicant: jsonb('applicant').$type<Applicant>().notNull(),
    location: text('location'),
    totalInvestment: doublePrecision('total_investment'),
    landArea: doublePrecision('land_area'),
    floorArea: doublePrecision('floor_area'),
    materials: jsonb('materials').$type<Material[]>().notNull(),
    status: text('status', { enum: CASE_STATUSES }).notNull(),
    currentStage: text('current_stage', { enum: STAGE_CODES }).notNull(),
    /** null: nobody (a closed case) */
    awaiting: text('awaiting', { enum: AWAITING }),
    catalogVersion: integer('catalog_version').notNull(),
    acceptedAt: instant('accepted_at').notNull(),
    /** the local date of acceptedAt: the day the case counts as opened */
    acceptedOn: date('accepted_on', { mode: 'string' }).notNull(),
    openedBy: jsonb('opened_by').$type<Actor>().notNull(),
    closedAt: instant('closed_at'),
    /** the workflow's start input, kept so a case whose workflow never started can be started later */
    startInput: jsonb('start_input').$type<CaseStartInput>().notNull(),
    /** the budget the case was opened under (SPEC §6.0), kept beside the start input so a decision's read need not unpack the whole plan */
    budget: jsonb('budget')
      .$type<Partial<CaseBudget>>()
      .generatedAlwaysAs((): SQL => sql`start_input -> 'rules' -> 'budget'`),
    /** the case's own stall rules, beside the start input for the same reason: the board reads them for every case of a page */
    stallRules: jsonb('stall_rules')
      .$type<Partial<StallRules>>()
      .generatedAlwaysAs((): SQL => sql`start_input -> 'rules' -> 'stalled'`),
    /** last audit seq written (the opening's, by the API, then the workflow's) */
    version: integer('version').notNull().default(0),
    /** whether the case's workflow is known to have started (the API after its start, or the workflow's first write): until then the sweep starts it (a crash between row and start) */
    workflowRan: boolean('workflow_ran').notNull().default(false),
    /** set while the case is stopped by a fault an administrator must recover (SPEC §6.0) */
    fault: jsonb('fault').$type<CaseFault | null>(),
    /*
     * What the supervision board sorts and filters on, kept by the workflow's writes (moments,
     * not lights: a light changes with the clock, so it is computed when read). All for the
     * current stage's tasks; null when none applies. See domain/supervision.ts.
     */
    /** the earliest deadline of a running task: red once passed */
    boardDeadline: instant('board_deadline'),
    /** the working-day index of that task's due date: red cases sort by it (domain/supervision.ts dueIndex) */
    boardDueIndex: integer('board_due_index'),
    /** the earliest moment a running task turns yellow */
    boardYellowFrom: instant('board_yellow_from'),
    /** the earliest moment a running task has been quiet for the stall rule's working days */
    boardNoActivityAt: instant('board_no_activity_at'),
    /** the earliest moment an applicant has been silent for the stall rule's working days */
    boardApplicantSilentAt: instant('board_applicant_silent_at'),
    /** the earliest moment the case belongs on the board for any reason ('-infinity': escalated or faulted) */
    boardFrom: instant('board_from'),
    /** whether any task's clock runs (green rather than paused when nothing is due) */
    boardRunning: boolean('board_running').notNull().default(false),
    /** departments with an open task in the current stage (the board's department filter) */
    boardDepartments: text('board_departments').array().notNull().default(sql`'{}'::text[]`),
    /** the highest open escalation level, 0 when none */
    escalationLevel: integer('escalation_level').notNull().default(0),
    /** 容缺: deferred materials still owed, with their due dates (SPEC §6.1) */
    pendingMaterials: jsonb('pending_materials').$type<(PendingMaterialState & { name: string })[]>().notNull().default(sql`'[]'::jsonb`),
    /** when the first of them becomes overdue: the board's `materials_overdue` */
    materialsOverdueAt: instant('materials_overdue_at'),
    /** 代办 (SPEC §6.4): the key project's category, agent and designation; null when not one */
    agencyCategory: text('agency_category', { enum: AGENCY_CATEGORIES }),
    agencyAgent: jsonb('agency_agent').$type<Person | null>(),
    agencySince: instant('agency_since'),
    createdAt: instant('created_at').notNull().defaultNow(),
    updatedAt: instant('updated_at').notNull().defaultNow(),
  },
  (t) => [
    // finite and within the API's bounds: the last line of defence against Infinity and NaN
    check('cases_total_investment_finite', sql`${t.totalInvestment} between 0 and 1e15`),
    check('cases_land_area_finite', sql`${t.landArea} between 0 and 1e12`),
    check('cases_floor_area_finite', sql`${t.floorArea} between 0 and 1e12`),
    uniqueIndex('cases_one_open_per_project').on(t.projectCode).where(sql`${t.status} = 'open'`),
    // a project's earlier cases (trips counted since the last one closed)
    index('cases_project_idx').on(t.projectCode, t.closedAt),
    index('cases_agency_idx').on(t.agencySince.desc().nullsFirst(), t.caseId.desc().nullsFirst()).where(sql`${t.agencySince} is not null`),
    // newest first by status; the board moments after the keys let a light filter (red: deadline
    // passed) be checked in the index alone, however far down the page's cases lie
    index('cases_status_created_idx').on(
      t.status,
      t.createdAt.desc().nullsFirst(),
      t.caseId.desc().nullsFirst(),
      t.boardDeadline,
      t.boardYellowFrom,
      t.boardRunning,
    ),
    index('cases_created_idx').on(t.createdAt.desc().nullsFirst(), t.caseId.desc().nullsFirst()),
    // the board: red first by deadline; the rest by level from the moment they are at risk
    index('cases_board_red_idx').on(t.boardDueIndex, t.escalationLevel.desc().nullsFirst(), t.caseId).where(sql`${t.status} = 'open'`),
    index('cases_board_from_idx').on(t.boardFrom).where(sql`${t.status} = 'open'`),
    // the sweep of cases whose workflow never started
    index('cases_unstarted_idx').on(t.createdAt).where(sql`not ${t.workflowRan}`),
  ],
);

export const stages = pgTable(
  'stages',
  {
    caseId: text('case_id').notNull(),
    code: text('code', { enum: STAGE_CODES }).notNull(),
    order: integer('order').notNull(),
    status: text('status', { enum: STAGE_STATUSES }).notNull(),
    openedAt: instant('opened_at'),
    closedAt: instant('closed_at'),
    committedDays: integer('committed_days').notNull(),
    materials: jsonb('materials').$type<Material[]>(),
    /** 一家牵头: the department that leads the stage (its reviewers read every task of it) */
    leadDepartment: text('lead_department'),
    /** the applicant's trips to the counter for this stage (最多跑一次) */
    trips: integer('trips').notNull().default(0),
    /** the merged supplement notice while a task of the stage awaits supplementary materials */
    supplementNotice: jsonb('supplement_notice').$type<{ number: string; issuedAtMs: number } | null>(),
    /** 出件: what the window hands out once the stage has ended */
    result: jsonb('result').$type<StageResult | null>(),
    handout: jsonb('handout').$type<{ atMs: number; by: Actor; channel: HandoutChannel } | null>(),
    /** the recipient's name, from the result_handed_out event */
    handoutRecipient: text('handout_recipient'),
  },
  (t) => [
    primaryKey({ columns: [t.caseId, t.code] }),
    // statistics of trips: stages ended in a period
    index('stages_ended_idx').on(t.closedAt).where(sql`${t.status} in ('approved', 'rejected')`),
  ],
);

/** 一次性告知 at the counter (SPEC §6.1): what an applicant lacked, told at once; counts as a trip. */
export const intakeNotices = pgTable(
  'intake_notices',
  {
    noticeId: text('notice_id').primaryKey(),
    number: text('number').notNull().unique(),
    projectCode: text('project_code').notNull(),
    /** the case it was given for (a later stage's application); null: no case could open */
    caseId: text('case_id'),
    stage: text('stage', { enum: STAGE_CODES }).notNull(),
    missing: jsonb('missing').$type<Record<string, unknown>[]>().notNull(),
    issuedAt: instant('issued_at').notNull(),
    issuedBy: jsonb('issued_by').$type<{ sub: string; name: string }>().notNull(),
  },
  (t) => [index('intake_notices_project_idx').on(t.projectCode, t.issuedAt.desc().nullsFirst(), t.noticeId.desc().nullsFirst())],
);

export const tasks = pgTable(
  'tasks',
  {
    taskId: text('task_id').primaryKey(),
    caseId: text('case_id').notNull(),
    stage: text('stage', { enum: STAGE_CODES }).notNull(),
    itemCode: text('item_code').notNull(),
    itemName: text('item_name').notNull(),
    itemNameEn: text('item_name_en').notNull(),
    department: text('department').notNull(),
    status: text('status', { enum: TASK_STATUSES }).notNull(),
    committedWorkingDays: integer('committed_working_days').notNull(),
    statutoryWorkingDays: integer('statutory_working_days').notNull(),
    warningDays: integer('warning_days').notNull(),
    deemedConsent: boolean('deemed_consent').notNull(),
    startDate: date('start_date', { mode: 'string' }),
    dueDate: date('due_date', { mode: 'string' }),
    deadline: instant('deadline'),
    yellowFrom: instant('yellow_from'),
    derivation: jsonb('derivation').$type<Derivation>(),
    /** working days used before the current clock run (pauses excluded) */
    usedBeforeRun: integer('used_before_run').notNull().default(0),
    usedWorkingDays: integer('used_working_days').notNull().default(0),
    remainingWorkingDays: integer('remaining_working_days').notNull(),
    extension: jsonb('extension').$type<TaskExtension | null>(),
    /** the extension's reason, from its extension_granted event */
    extensionReason: text('extension_reason'),
    supplement: jsonb('supplement').$type<TaskSupplement | null>(),
    /** the latest request's opinion and missing materials, from its supplement_requested event */
    supplementText: jsonb('supplement_text').$type<SupplementText | null>(),
    /** the applicant's latest supplementary materials, written from the supplement_submitted event */
    supplementMaterials: jsonb('supplement_materials').$type<Material[] | null>(),
    decision: jsonb('decision').$type<TaskDecision | null>(),
    /** the latest decision's opinion and conditions, from its event (the workflow keeps no text) */
    decisionText: jsonb('decision_text').$type<DecisionText | null>(),
    pendingSince: instant('pending_since'),
    decidedAt: instant('decided_at'),
    lastEventAt: instant('last_event_at').notNull(),
  },
  (t) => [
    index('tasks_case_idx').on(t.caseId),
    // inboxes: a department's tasks by deadline, with or without a status
    index('tasks_inbox_idx').on(t.department, t.deadline, t.taskId),
    index('tasks_inbox_status_idx').on(t.department, t.status, t.deadline, t.taskId),
    index('tasks_all_by_deadline_idx').on(t.deadline, t.taskId),
    // overdue counts: running tasks by deadline
    index('tasks_running_deadline_idx').on(t.deadline, t.department, t.itemCode).where(sql`${t.status} = 'pending'`),
    // the statistics' overdue count per department and item: a skip scan (PostgreSQL 18) over the
    // pairs, each an index range of deadlines, counted in index order (db/stats.ts)
    index('tasks_running_by_item_idx').on(t.department, t.itemCode, t.deadline).where(sql`${t.status} = 'pending'`),
  ],
);

export const certificates = pgTable(
  'certificates',
  {
    number: text('number').primaryKey(),
    name: text('name').notNull(),
    itemCode: text('item_code').notNull(),
    caseId: text('case_id').notNull(),
    taskId: text('task_id').notNull(),
    projectCode: text('project_code').notNull(),
    holder: text('holder').notNull(),
    issuedAt: instant('issued_at').notNull(),
    verificationCode: text('verification_code').notNull(),
  },
  (t) => [index('certificates_case_idx').on(t.caseId)],
);

/** Append-only audit trail; each case's events form their own hash chain. */
export const auditEvents = pgTable(
  'audit_events',
  {
    caseId: text('case_id').notNull(),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    at: instant('at').notNull(),
    /** the exact canonical JSON (without `hash`) that `hash` is the SHA-256 of */
    canonical: text('canonical').notNull(),
    prevHash: char('prev_hash', { length: 64 }).notNull(),
    hash: char('hash', { length: 64 }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.seq] })],
);

/** Idempotency-Key records, scoped to the caller's `sub`. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    subject: text('subject').notNull(),
    key: text('key').notNull(),
    requestHash: char('request_hash', { length: 64 }).notNull(),
    /** what the first attempt named (a case ID), so a retry after a failure names the same */
    resourceId: text('resource_id'),
    /** the API process holding the claim (api_instances); a dead owner's claim is taken over at once */
    owner: text('owner'),
    statusCode: integer('status_code'),
    response: jsonb('response'),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.subject, t.key] })],
);

/** 督办: escalations, automatic (the ladder) or by a coordinator; mirrored from the workflow. */
export const escalations = pgTable(
  'escalations',
  {
    escalationId: text('escalation_id').primaryKey(),
    caseId: text('case_id').notNull(),
    taskId: text('task_id'),
    level: integer('level').notNull(),
    origin: text('origin', { enum: ESCALATION_ORIGINS }).notNull(),
    reason: text('reason').notNull(),
    status: text('status', { enum: ESCALATION_STATUSES }).notNull(),
    openedAt: instant('opened_at').notNull(),
    /** for automatic escalations: the moment the ladder called for it (earlier than openedAt when back-dated) */
    dueAt: instant('due_at'),
    openedBy: jsonb('opened_by').$type<Actor>().notNull(),
    resolvedAt: instant('resolved_at'),
    resolution: text('resolution'),
    resolvedBy: jsonb('resolved_by').$type<Actor | null>(),
  },
  (t) => [
    index('escalations_case_idx').on(t.caseId),
    index('escalations_opened_idx').on(t.openedAt.desc().nullsFirst(), t.escalationId.desc().nullsFirst()),
    index('escalations_status_opened_idx').on(t.status, t.openedAt.desc().nullsFirst(), t.escalationId.desc().nullsFirst()),
  ],
);

/** 代办 activities (SPEC §6.4), written from the case workflow's agency events. */
export const agencyActivities = pgTable(
  'agency_activities',
  {
    activityId: text('activity_id').primaryKey(),
    caseId: text('case_id').notNull(),
    kind: text('kind', { enum: AGENCY_ACTIVITY_KINDS }).notNull(),
    /** from agency_activity_recorded */
    summary: text('summary').notNull().default(''),
    at: instant('at').notNull(),
    recordedAt: instant('recorded_at').notNull(),
    recordedBy: jsonb('recorded_by').$type<Person>().notNull(),
    attendees: text('attendees').array().notNull().default(sql`'{}'::text[]`),
    /** a problem's status; null for other kinds */
    problemStatus: text('problem_status', { enum: ['open', 'solved'] as const }),
    /** from agency_problem_solved */
    resolution: text('resolution'),
    solvedAt: instant('solved_at'),
    solvedBy: jsonb('solved_by').$type<Person | null>(),
  },
  (t) => [
    index('agency_activities_case_idx').on(t.caseId, t.at.desc().nullsFirst(), t.activityId.desc().nullsFirst()),
    index('agency_activities_solved_idx').on(t.solvedAt),
    index('agency_activities_kind_at_idx').on(t.kind, t.at),
  ],
);

/**
 * Notification outbox: written in the same transaction as the state change that caused it,
 * delivered to the webhook (when configured) at least once by the worker's deliverer.
 */
export const notifications = pgTable(
  'notifications',
  {
    notificationId: text('notification_id').primaryKey(),
    kind: text('kind', { enum: NOTIFICATION_KINDS }).notNull(),
    caseId: text('case_id').notNull(),
    taskId: text('task_id'),
    /** who it is for: a department's reviewers, the window, or coordinators */
    audience: text('audience', { enum: NOTIFICATION_AUDIENCES }).notNull(),
    department: text('department'),
    message: text('message').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    createdAt: instant('created_at').notNull(),
    deliveredAt: instant('delivered_at'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: instant('next_attempt_at').notNull().defaultNow(),
    lastError: text('last_error'),
  },
  (t) => [
    index('notifications_created_idx').on(t.createdAt.desc().nullsFirst(), t.notificationId.desc().nullsFirst()),
    index('notifications_audience_idx').on(t.audience, t.department, t.createdAt.desc().nullsFirst(), t.notificationId.desc().nullsFirst()),
    index('notifications_undelivered_idx').on(t.nextAttemptAt).where(sql`${t.deliveredAt} is null`),
  ],
);

/** Configuration kept as data (the clock rules and escalation ladder), seeded from db/seed/rules.json. */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: instant('updated_at').notNull().defaultNow(),
});

/**
 * Every calendar publication, append-only in what was published: `calendar_years` holds the
 * version in force, this the history, and the progress of carrying each to the open cases
 * (SPEC §4 *Publication*; a workflow of its own does it, workflows/calendar-publication.ts).
 */
export const calendarPublications = pgTable(
  'calendar_publications',
  {
    year: integer('year').notNull(),
    version: integer('version').notNull(),
    holidays: jsonb('holidays').$type<HolidayRange[]>().notNull(),
    makeUpDays: jsonb('make_up_days').$type<string[]>().notNull(),
    publishedAt: instant('published_at').notNull(),
    publishedBy: jsonb('published_by').$type<Actor | null>(),
    /** `<year>-v<version>`; null for the seeded schedules, which nothing carried */
    publicationId: text('publication_id'),
    /** running | done */
    status: text('status').notNull().default('done'),
    openCasesTotal: integer('open_cases_total').notNull().default(0),
    openCasesUpdated: integer('open_cases_updated').notNull().default(0),
    finishedAt: instant('finished_at'),
  },
  (t) => [primaryKey({ columns: [t.year, t.version] }), uniqueIndex('calendar_publications_id_idx').on(t.publicationId)],
);

/**
 * Statistics kept as the cases go (SPEC §3 Statistics): per local day, department and item, the
 * tasks decided and their sums; `/v1/stats` adds days up instead of scanning every task. Written
 * in the same transaction as the decision's audit event, exactly once.
 */
export const taskStatsDaily = pgTable(
  'task_stats_daily',
  {
    day: date('day', { mode: 'string' }).notNull(),
    department: text('department').notNull(),
    itemCode: text('item_code').notNull(),
    decided: integer('decided').notNull().default(0),
    onTime: integer('on_time').notNull().default(0),
    usedWorkingDays: integer('used_working_days').notNull().default(0),
    committedWorkingDays: integer('committed_working_days').notNull().default(0),
    statutoryWorkingDays: integer('statutory_working_days').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.department, t.itemCode] })],
);

/**
 * One row per decision event (a task approved, rejected or approved by deemed consent), with
 * what it adds to the statistics; triggers keep `task_stats_daily` equal to their sums, so a
 * retracted event (see `auditRetractions`) takes its contribution with it.
 */
export const decidedTasks = pgTable(
  'decided_tasks',
  {
    caseId: text('case_id').notNull(),
    /** the task_decided event's seq */
    seq: integer('seq').notNull(),
    taskId: text('task_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    department: text('department').notNull(),
    itemCode: text('item_code').notNull(),
    onTime: boolean('on_time').notNull(),
    usedWorkingDays: integer('used_working_days').notNull(),
    committedWorkingDays: integer('committed_working_days').notNull(),
    statutoryWorkingDays: integer('statutory_working_days').notNull(),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.seq] })],
);

/** One row per closing event (completed, rejected, withdrawn); triggers keep `case_stats_daily`. */
export const closedCases = pgTable(
  'closed_cases',
  {
    caseId: text('case_id').notNull(),
    seq: integer('seq').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    /** completed | rejected | withdrawn */
    kind: text('kind').notNull(),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.seq] })],
);

/**
 * Audit events taken back: written by a workflow task that Temporal then discarded (a worker
 * died after writing, or the task was retried), so they never happened in the case's history.
 * The chain is rewritten from the first of them; what was taken back is kept here, whole.
 */
export const auditRetractions = pgTable(
  'audit_retractions',
  {
    caseId: text('case_id').notNull(),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    canonical: text('canonical').notNull(),
    hash: char('hash', { length: 64 }).notNull(),
    retractedAt: instant('retracted_at').notNull().defaultNow(),
  },
  (t) => [index('audit_retractions_case_idx').on(t.caseId, t.seq)],
);

/** Cases opened, completed, rejected and withdrawn per local day (by the date of that event). */
export const caseStatsDaily = pgTable('case_stats_daily', {
  day: date('day', { mode: 'string' }).primaryKey(),
  opened: integer('opened').notNull().default(0),
  completed: integer('completed').notNull().default(0),
  rejected: integer('rejected').notNull().default(0),
  withdrawn: integer('withdrawn').notNull().default(0),
});

/**
 * Live API processes, each heartbeating every few seconds: an Idempotency-Key claim whose owner
 * stopped heartbeating belongs to a process that died, and a retry takes it over at once.
 */
export const apiInstances = pgTable('api_instances', {
  instanceId: text('instance_id').primaryKey(),
  startedAt: instant('started_at').notNull().defaultNow(),
  heartbeatAt: instant('heartbeat_at').notNull().defaultNow(),
});

/*
 * How the read model's tables hang together, for queries that load a case with its rows in one
 * statement (db/queries.ts).
 */
export const caseRelations = relations(cases, ({ many }) => ({
  stages: many(stages),
  tasks: many(tasks),
  certificates: many(certificates),
  escalations: many(escalations),
}));
export const stageRelations = relations(stages, ({ one }) => ({ case: one(cases, { fields: [stages.caseId], references: [cases.caseId] }) }));
export const taskRelations = relations(tasks, ({ one }) => ({ case: one(cases, { fields: [tasks.caseId], references: [cases.caseId] }) }));
export const certificateRelations = relations(certificates, ({ one }) => ({
  case: one(cases, { fields: [certificates.caseId], references: [cases.caseId] }),
}));
export const escalationRelations = relations(escalations, ({ one }) => ({
  case: one(cases, { fields: [escalations.caseId], references: [cases.caseId] }),
}));
