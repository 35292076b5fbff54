/**
 * The one place that reads the environment. Parsed once, validated, and exported as a typed
 * object; a missing or malformed variable stops the process with its name.
 */
export interface AppConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string;
  /** connections per process */
  databasePoolSize: number;
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    /** mTLS client certificate and key (PEM files), or an API key, for a production cluster */
    tlsCertPath: string | undefined;
    tlsKeyPath: string | undefined;
    tlsCaPath: string | undefined;
    tlsServerName: string | undefined;
    apiKey: string | undefined;
  };
  authJwtSecret: string;
  /** longest token lifetime accepted (exp − iat), seconds */
  authMaxTokenLifetimeSeconds: number;
  timeZone: string;
  rateLimitPerMinute: number;
  /** cases whose rows each API process keeps between list reads (db/case-cache.ts) */
  caseCacheSize: number;
  notifyWebhookUrl: string | undefined;
  notifyWebhookSecret: string | undefined;
  /** when set, GET /metrics (API) needs `Authorization: Bearer <metricsToken>` */
  metricsToken: string | undefined;
  logLevel: string;
  worker: WorkerSettings;
  console: ConsoleSettings;
}

/**
 * The web console (api/routes/console). Both settings are for the local stack only: ./scripts/start
 * sets them; a production configuration leaves them unset (no Web UI link, no demo sign-in).
 */
export interface ConsoleSettings {
  /** the Temporal Web UI, linked from the case page (TEMPORAL_UI_URL) */
  temporalUiUrl: string | undefined;
  /** the demo tokens ./scripts/start writes, offered as one-click sign-in to loopback callers (CONSOLE_DEMO_TOKENS_FILE) */
  demoTokensFile: string | undefined;
}

/** The worker's capacity, set deliberately (the SDK's defaults size the workflow cache from the heap). */
export interface WorkerSettings {
  /** case workflows kept in memory between their tasks; a miss replays the case's history */
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxConcurrentLocalActivityExecutions: number;
  maxConcurrentActivityTaskExecutions: number;
  /** port of the worker's Prometheus endpoint (Temporal SDK metrics and ours); 0: none */
  metricsPort: number;
  /** stack frames recorded in the workflow sandbox (workflows/no-stack-traces.ts); off by default, they cost CPU */
  workflowStackTraces: boolean;
}

export function loadWorkerSettings(env: Env = process.env): WorkerSettings {
  return {
    maxCachedWorkflows: integer(env, 'WORKER_MAX_CACHED_WORKFLOWS', 1000, 1, 1_000_000),
    maxConcurrentWorkflowTaskExecutions: integer(env, 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 40, 2, 10_000),
    maxConcurrentLocalActivityExecutions: integer(env, 'WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES', 100, 1, 10_000),
    maxConcurrentActivityTaskExecutions: integer(env, 'WORKER_MAX_CONCURRENT_ACTIVITIES', 100, 1, 10_000),
    metricsPort: integer(env, 'WORKER_METRICS_PORT', 0, 0, 65535),
    workflowStackTraces: onOff(env, 'WORKER_WORKFLOW_STACK_TRACES', false),
  };
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function optional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function required(env: Env, name: string): string {
  const value = optional(env, name);
  if (value === undefined) throw new ConfigError(`${name} is required`);
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  throw new ConfigError(`${name} must be on or off, got "${raw}"`);
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** Seconds, as `3600`, `90m`, `12h` or `30d`. */
function duration(env: Env, name: string, fallbackSeconds: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallbackSeconds;
  const match = /^(\d+)([smhd]?)$/.exec(raw);
  const seconds = match ? Number(match[1]) * (DURATION_UNITS[match[2] || 's'] ?? 1) : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1) {
    throw new ConfigError(`${name} must be a duration such as 3600, 90m, 12h or 30d, got "${raw}"`);
  }
  return seconds;
}

function timeZone(env: Env): string {
  const zone = optional(env, 'APPROVAL_TIMEZONE') ?? 'Asia/Shanghai';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new ConfigError(`APPROVAL_TIMEZONE "${zone}" is not an IANA time zone`);
  }
  return zone;
}

function temporalSettings(env: Env): Omit<AppConfig['temporal'], 'address'> {
  return {
    namespace: optional(env, 'TEMPORAL_NAMESPACE') ?? 'default',
    taskQueue: optional(env, 'TEMPORAL_TASK_QUEUE') ?? 'parallel-approval',
    tlsCertPath: optional(env, 'TEMPORAL_TLS_CERT'),
    tlsKeyPath: optional(env, 'TEMPORAL_TLS_KEY'),
    tlsCaPath: optional(env, 'TEMPORAL_TLS_CA'),
    tlsServerName: optional(env, 'TEMPORAL_TLS_SERVER_NAME'),
    apiKey: optional(env, 'TEMPORAL_API_KEY'),
  };
}

export function loadConfig(env: Env = process.env): AppConfig {
  const secret = required(env, 'AUTH_JWT_SECRET');
  if (secret.length < 32) throw new ConfigError('AUTH_JWT_SECRET must be at least 32 characters');
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: optional(env, 'HOST') ?? '127.0.0.1',
    dataDir: optional(env, 'DATA_DIR') ?? '.data',
    databaseUrl: required(env, 'DATABASE_URL'),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 100),
    temporal: {
      address: optional(env, 'TEMPORAL_ADDRESS') ?? '127.0.0.1:7233',
      ...temporalSettings(env),
    },
    authJwtSecret: secret,
    authMaxTokenLifetimeSeconds: duration(env, 'AUTH_MAX_TOKEN_LIFETIME', 30 * 86_400),
    timeZone: timeZone(env),
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 1200, 1, 1_000_000),
    caseCacheSize: integer(env, 'API_CASE_CACHE_SIZE', 2000, 0, 1_000_000),
    notifyWebhookUrl: optional(env, 'NOTIFY_WEBHOOK_URL'),
    notifyWebhookSecret: optional(env, 'NOTIFY_WEBHOOK_SECRET'),
    metricsToken: optional(env, 'METRICS_TOKEN'),
    logLevel: optional(env, 'LOG_LEVEL') ?? 'info',
    worker: loadWorkerSettings(env),
    console: {
      temporalUiUrl: optional(env, 'TEMPORAL_UI_URL'),
      demoTokensFile: optional(env, 'CONSOLE_DEMO_TOKENS_FILE'),
    },
  };
}

/**
 * What ./scripts/start (and the local helper scripts) read: every service is optional and
 * started locally when its variable is unset. The children it starts get a full environment
 * and parse it with loadConfig.
 */
export interface LocalStackConfig {
  dataDir: string;
  port: number;
  host: string;
  temporalAddress: string | undefined;
  temporalCli: string | undefined;
  temporalPort: number;
  /** the dev server's Web UI, for operators (127.0.0.1 only) */
  temporalUiPort: number;
  databaseUrl: string | undefined;
  postgresPort: number;
  authJwtSecret: string | undefined;
  timeZone: string;
  /** connection settings for scripts that talk to Temporal (the address is `temporalAddress` or the local dev server) */
  temporal: Omit<AppConfig['temporal'], 'address'>;
}

export function loadLocalStackConfig(env: Env = process.env): LocalStackConfig {
  return {
    dataDir: optional(env, 'DATA_DIR') ?? '.data',
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: optional(env, 'HOST') ?? '127.0.0.1',
    temporalAddress: optional(env, 'TEMPORAL_ADDRESS'),
    temporalCli: optional(env, 'TEMPORAL_CLI'),
    temporalPort: integer(env, 'TEMPORAL_PORT', 7233, 1, 65535),
    temporalUiPort: integer(env, 'TEMPORAL_UI_PORT', 8233, 1, 65535),
    databaseUrl: optional(env, 'DATABASE_URL'),
    postgresPort: integer(env, 'POSTGRES_PORT', 5433, 1, 65535),
    authJwtSecret: optional(env, 'AUTH_JWT_SECRET'),
    timeZone: timeZone(env),
    temporal: temporalSettings(env),
  };
}
