/**
 * The one place naming Temporal things: workflow-ID builders, activity timeouts and retry
 * policies, connection options. Imported by workflow code too, so it stays free of Node
 * built-ins (file contents are read by the caller and passed in).
 */
import { defineSearchAttributeKey, SearchAttributeType, type ActivityOptions, type LocalActivityOptions } from '@temporalio/common';

/** Workflow IDs are built here and nowhere else. */
export function caseWorkflowId(caseId: string): string {
  return `case-${caseId}`;
}

/** The case a workflow ID names, or null for another workflow. */
export function caseIdOfWorkflowId(workflowId: string): string | null {
  return workflowId.startsWith('case-') ? workflowId.slice('case-'.length) : null;
}

/** A calendar publication's workflow: one per publication, so a repeated PUT starts nothing new. */
export function calendarPublicationWorkflowId(publicationId: string): string {
  return `calendar-publication-${publicationId}`;
}

/** The gRPC statuses of Temporal's answers that the code tells apart (grpc-js `status`). */
export const GRPC_STATUS = { DEADLINE_EXCEEDED: 4, RESOURCE_EXHAUSTED: 8, ABORTED: 10, UNAVAILABLE: 14 } as const;

/** The gRPC status of a Temporal client error (the SDK wraps the call's error as a cause), if any. */
export function grpcCodeOf(error: unknown): number | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Search attribute set when a case starts (register it in the namespace: `ProjectCode` Keyword). */
export const PROJECT_CODE_SEARCH_ATTRIBUTE = defineSearchAttributeKey('ProjectCode', SearchAttributeType.KEYWORD);

/** Read-model writes: short, idempotent, retried until the database is back. */
export const readModelActivityOptions: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/** The calendar publication's reads and progress records: short, retried until the database is back. */
export const calendarActivityOptions: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/** Telling a batch of open cases (hundreds of signals): longer, with a heartbeat to resume from. */
export const calendarTellingOptions: ActivityOptions = {
  ...calendarActivityOptions,
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
};

/**
 * The same writes as local activities, run by the worker inside the workflow task that made
 * them (no second task, no round trip through the server): how a decision is answered in about
 * the time of one Update and one commit. Retried the same way; a long outage backs off on timers.
 */
export const localReadModelActivityOptions: LocalActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/**
 * Most automatic moments fall at local midnight (deadlines end at 24:00): each case wakes up to
 * this much later, the same for a case every time, so a city's caseload does not wake at once.
 */
export const WAKE_UP_SPREAD_MS = 5_000;

export interface TemporalConnectionSettings {
  address: string;
  tlsCertPath: string | undefined;
  tlsKeyPath: string | undefined;
  tlsCaPath: string | undefined;
  tlsServerName: string | undefined;
  apiKey: string | undefined;
}

export interface TemporalConnectionOptions {
  address: string;
  tls?: {
    serverNameOverride?: string;
    serverRootCACertificate?: Uint8Array;
    clientCertPair?: { crt: Uint8Array; key: Uint8Array };
  };
  apiKey?: string;
}

/**
 * Plain gRPC for the local dev server; mTLS (certificate and key) or an API key (which implies
 * TLS) for a production cluster such as Temporal Cloud.
 */
export function buildConnectionOptions(
  settings: TemporalConnectionSettings,
  readFile: (path: string) => Uint8Array,
): TemporalConnectionOptions {
  const { address, tlsCertPath, tlsKeyPath, tlsCaPath, tlsServerName, apiKey } = settings;
  const wantsTls = Boolean(tlsCertPath || tlsKeyPath || tlsCaPath || apiKey);
  if (!wantsTls) return { address };
  if (Boolean(tlsCertPath) !== Boolean(tlsKeyPath)) {
    throw new Error('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together');
  }
  return {
    address,
    tls: {
      ...(tlsServerName ? { serverNameOverride: tlsServerName } : {}),
      ...(tlsCaPath ? { serverRootCACertificate: readFile(tlsCaPath) } : {}),
      ...(tlsCertPath && tlsKeyPath
        ? { clientCertPair: { crt: readFile(tlsCertPath), key: readFile(tlsKeyPath) } }
        : {}),
    },
    ...(apiKey ? { apiKey } : {}),
  };
}
