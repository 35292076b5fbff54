/**
 * The console's one way to the API: same origin, the signed-in user's bearer token, JSON in and
 * out, every refusal as an ApiError carrying the API's error code. The shapes are the API's own
 * (api/schemas.ts and the route schemas), imported as types only.
 */
import type { Static } from '@sinclair/typebox';
import type { AuditEventView, CaseSummaryView, CaseView, CertificateView, EscalationView, StageView, TaskView } from '../../api/schemas.js';
import type { CatalogView } from '../../api/routes/catalog/schemas.js';
import type { IntakeNoticeView, MissingMaterialView } from '../../api/routes/intake/schemas.js';
import type { BoardView, StatsView } from '../../api/routes/supervision/schemas.js';
import type { ActivityView, AgencyProjectView } from '../../api/routes/agency/schemas.js';
import type { BulletinView } from '../../api/routes/bulletin/schemas.js';
import { getToken } from './auth.js';

export type { AuditEventView, CaseSummaryView, CaseView, CertificateView, EscalationView, StageView, TaskView };
export type Catalog = Static<typeof CatalogView>;
export type CatalogItem = Catalog['items'][number];
export type ProjectType = Catalog['projectTypes'][number];
export type IntakeNotice = Static<typeof IntakeNoticeView>;
export type MissingMaterial = Static<typeof MissingMaterialView>;
export type BoardEntry = Static<typeof BoardView>['items'][number];
export type Stats = Static<typeof StatsView>;
export type Figures = Stats['tasks'];
export type AgencyActivity = Static<typeof ActivityView>;
export type AgencyProject = Static<typeof AgencyProjectView>;
export type Bulletin = BulletinView;
export type BulletinRow = Bulletin['departments'][number];
export interface List<T> {
  items: T[];
  nextCursor: string | null;
}
export interface Material {
  name: string;
  code?: string;
  copies?: number;
  note?: string;
}
export interface EventsPage extends List<AuditEventView> {
  verification?: { verified: boolean; brokenAtSeq: number | null };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
  ) {
    super(message);
  }
}

/** Listeners told of every 401, so the shell can offer a new sign-in. */
const unauthenticated = new Set<(error: ApiError) => void>();
export function onUnauthenticated(listener: (error: ApiError) => void): () => void {
  unauthenticated.add(listener);
  return () => unauthenticated.delete(listener);
}

function newIdempotencyKey(): string {
  // randomUUID needs a secure context (localhost or HTTPS); a LAN address over HTTP has none
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** One request with the bearer token; a refusal becomes an ApiError (and a 401 tells the listeners). */
async function send(method: 'GET' | 'POST' | 'PUT', path: string, body: unknown, accept: string): Promise<Response> {
  const token = getToken();
  const headers: Record<string, string> = { accept };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  // one key per action: a retry of the same click cannot act twice (SPEC §4 Idempotency-Key)
  if (method !== 'GET') headers['idempotency-key'] = newIdempotencyKey();
  let response: Response;
  try {
    response = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch (error) {
    throw new ApiError(0, 'NETWORK', error instanceof Error ? error.message : String(error), null);
  }
  if (response.ok) return response;
  let json: unknown = null;
  try {
    const text = await response.text();
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  const error = (json as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
  const apiError = new ApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? response.statusText, error?.details);
  if (response.status === 401) unauthenticated.forEach((listener) => listener(apiError));
  throw apiError;
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
  const response = await send(method, path, body, 'application/json');
  const text = await response.text();
  try {
    return (text ? JSON.parse(text) : null) as T;
  } catch {
    return null as T;
  }
}

/**
 * A file the API answers (e.g. the bulletin's CSV) as a Blob: fetched with the bearer token, so
 * the download link made from it is a `blob:` URL that carries no token.
 */
export async function apiFile(path: string, accept: string): Promise<Blob> {
  return (await send('GET', path, undefined, accept)).blob();
}

/** A query string from the set fields. */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export const enc = encodeURIComponent;

/** The console's local-mode settings (api/routes/console). */
export interface ConsoleConfig {
  temporalUiUrl: string | null;
  temporalNamespace: string;
  demo: boolean;
}

export async function getConsoleConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/console/config.json');
  if (!response.ok) return { temporalUiUrl: null, temporalNamespace: 'default', demo: false };
  return (await response.json()) as ConsoleConfig;
}

let catalogPromise: Promise<Catalog> | null = null;
/** The catalog, read once per sign-in. */
export function getCatalog(): Promise<Catalog> {
  catalogPromise ??= api<Catalog>('GET', '/v1/catalog').catch((error: unknown) => {
    catalogPromise = null;
    throw error;
  });
  return catalogPromise;
}
export function forgetCatalog(): void {
  catalogPromise = null;
}
