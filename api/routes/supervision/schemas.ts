/** 电子监察 shapes: escalations, notifications, the coordinators' board, statistics. */
import { Type } from '@sinclair/typebox';
import { ESCALATION_STATUSES, NOTIFICATION_AUDIENCES, NOTIFICATION_KINDS } from '../../../domain/case-types.js';
import { BOARD_REASONS } from '../../../domain/supervision.js';
import { Cursor, Instant, IsoDate, Light, Limit, listOf, LongText, Nullable, Param, StringEnum } from '../../schemas.js';

export const EscalateBody = Type.Object(
  {
    reason: LongText(),
    taskId: Type.Optional(Param(200)),
    level: Type.Optional(Type.Integer({ minimum: 1, maximum: 3, description: 'default 3 (督办)' })),
  },
  { additionalProperties: false },
);
export const ResolveBody = Type.Object({ resolution: LongText() }, { additionalProperties: false });
export const EscalationParams = Type.Object({ caseId: Param(200), escalationId: Param(200) }, { additionalProperties: false });
export const EscalationListQuery = Type.Object(
  {
    status: Type.Optional(StringEnum(ESCALATION_STATUSES)),
    level: Type.Optional(Type.Integer({ minimum: 1, maximum: 3 })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);

export const NotificationView = Type.Object({
  notificationId: Type.String(),
  kind: StringEnum(NOTIFICATION_KINDS),
  caseId: Type.String(),
  taskId: Type.Optional(Type.String()),
  department: Type.Optional(Type.String()),
  audience: StringEnum(NOTIFICATION_AUDIENCES),
  message: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Instant,
});

const Reason = StringEnum(BOARD_REASONS);
const BoardTask = Type.Object({
  taskId: Type.String(),
  itemCode: Type.String(),
  department: Type.String(),
  light: Light,
  workingDaysOverdue: Type.Integer(),
  reasons: Type.Array(Reason),
});
export const BoardQuery = Type.Object(
  {
    department: Type.Optional(Param(40)),
    light: Type.Optional(StringEnum(['red', 'yellow', 'green', 'paused'] as const)),
    reason: Type.Optional(Reason),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export const BoardView = listOf(
  Type.Object({
    caseId: Type.String(),
    projectCode: Type.String(),
    projectName: Type.String(),
    light: Light,
    workingDaysOverdue: Type.Integer({ description: 'of its worst task: 1 on the first day late, 0 when none is late' }),
    escalationLevel: Type.Integer({ minimum: 0, maximum: 3, description: 'highest open, 0 when none' }),
    reasons: Type.Array(Reason),
    tasks: Type.Array(BoardTask),
  }),
);

const TaskFigures = Type.Object({
  decided: Type.Integer(),
  onTime: Type.Integer(),
  onTimeRate: Nullable(Type.Number()),
  avgUsedWorkingDays: Nullable(Type.Number()),
  avgCommittedWorkingDays: Nullable(Type.Number()),
  avgStatutoryWorkingDays: Nullable(Type.Number()),
  committedCompression: Nullable(Type.Number()),
  actualCompression: Nullable(Type.Number()),
  overdueOpen: Type.Integer(),
});
export const StatsView = Type.Object({
  from: IsoDate,
  to: IsoDate,
  cases: Type.Object({ opened: Type.Integer(), completed: Type.Integer(), rejected: Type.Integer(), withdrawn: Type.Integer() }),
  tasks: TaskFigures,
  byDepartment: Type.Record(Type.String(), TaskFigures),
  byItem: Type.Record(Type.String(), TaskFigures),
  trips: Type.Object(
    {
      stagesEnded: Type.Integer(),
      avgPerStage: Nullable(Type.Number()),
      withinOneShare: Nullable(Type.Number({ description: '最多跑一次: the share of ended stages with at most one trip' })),
    },
    { description: "the applicant's trips to the counter over the stages that ended in the period" },
  ),
  agency: Type.Object(
    {
      projects: Type.Integer({ description: 'key projects designated in the period' }),
      itemsHandled: Type.Integer({ description: 'their tasks that became pending in the period' }),
      itemsCompleted: Type.Integer({ description: 'their tasks approved in the period' }),
      problemsSolved: Type.Integer({ description: 'agency problems solved in the period' }),
      followUps: Type.Integer({ description: 'follow-up visits in the period' }),
    },
    { description: '代办: the coordinators’ key-project work in the period' },
  ),
});
export const StatsQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date', description: 'first day, inclusive (default 1 January of this year)' })),
    to: Type.Optional(Type.String({ format: 'date', description: 'last day, inclusive (default today)' })),
  },
  { additionalProperties: false },
);
