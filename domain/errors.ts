/**
 * The closed set of error codes clients see, each with when it is thrown, and the one table
 * mapping a code to its HTTP status. Pure: used by the API and (by code) by the workflow.
 */
export const ERROR_STATUS = {
  /** the request's body, parameters or query failed validation */
  VALIDATION_FAILED: 400,
  /** no token, a bad signature, another algorithm than HS256, expired, missing claims, unknown role */
  UNAUTHENTICATED: 401,
  /** the role may not use the route, or a reviewer acts on another department's task */
  FORBIDDEN: 403,
  /** no such case, task, stage, certificate, escalation or route */
  NOT_FOUND: 404,
  /** the project already has an open case */
  CASE_ALREADY_OPEN: 409,
  /** the case is completed, rejected or withdrawn */
  CASE_CLOSED: 409,
  /** a decision on a task that is not pending */
  TASK_NOT_PENDING: 409,
  /** supplementary materials for a task that is not awaiting them */
  TASK_NOT_AWAITING_SUPPLEMENT: 409,
  /** an extension for a task that is decided, blocked or cancelled */
  TASK_NOT_OPEN: 409,
  /** a second extension of one task */
  EXTENSION_ALREADY_GRANTED: 409,
  /** an application for a stage the case is not waiting for */
  STAGE_NOT_AWAITED: 409,
  /** resolving an escalation that is already resolved */
  ESCALATION_ALREADY_RESOLVED: 409,
  /** an Idempotency-Key reused with a different body */
  IDEMPOTENCY_KEY_REUSED: 409,
  /** the same Idempotency-Key is being processed by another request right now */
  IDEMPOTENCY_KEY_IN_USE: 409,
  /** approving a task whose item still waits for a deferred material (容缺) */
  MATERIALS_PENDING: 409,
  /** an intake notice for a set that lacks nothing */
  NOTHING_MISSING: 409,
  /** handing out the result of a stage that has not ended */
  RESULT_NOT_READY: 409,
  /** handing out a result twice */
  RESULT_ALREADY_HANDED_OUT: 409,
  /** solving an agency problem that is already solved */
  PROBLEM_ALREADY_SOLVED: 409,
  /** the case stopped at a write the database refused, or its workflow ended: an administrator must recover it */
  CASE_FAULTED: 409,
  /** the body is larger than 1 MiB */
  PAYLOAD_TOO_LARGE: 413,
  /** the body is not JSON */
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** the request would take the case past its size budget (SPEC §6.0 Case budget) */
  CASE_BUDGET_EXCEEDED: 422,
  /** the application lacks required materials (details.missing, all at once), or defers what it may not */
  MATERIALS_INCOMPLETE: 422,
  /** a delivery of materials the case does not owe */
  MATERIALS_NOT_PENDING: 422,
  /** too many requests for this token or address */
  RATE_LIMITED: 429,
  /** the request's headers are larger than the server accepts */
  HEADERS_TOO_LARGE: 431,
  /** something unexpected; details are in the server log */
  INTERNAL: 500,
  /** Temporal or the database is unreachable */
  DEPENDENCY_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get statusCode(): number {
    return ERROR_STATUS[this.code];
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}
