/** The benchmark's HTTP client for the API: tokens for every role, bodies a window would send. */
import { SEED_CATALOG } from '../../db/seed.js';
import { resolveCasePlan, type StageCode } from '../../domain/catalog.js';
import type { Material } from '../../domain/case-types.js';
import { groupChecklistByCode, stageChecklist } from '../../domain/materials.js';
import { randomInt } from 'node:crypto';
import http from 'node:http';
import { signToken } from '../../api/auth.js';
import { computeCreditCodeCheck } from '../../domain/identifiers.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}: ${JSON.stringify(body).slice(0, 300)}`);
  }
}

export interface ApiClient {
  call<T = any>(method: string, path: string, token: string, body?: unknown, idempotencyKey?: string): Promise<T>;
  /**
   * A GET whose answer is received whole, to its last byte, but not decoded: what the read routes'
   * latency is timed on. Resolves to the body's size in bytes; a refusal throws ApiError.
   */
  read(path: string, token: string): Promise<number>;
  tokens: {
    window: string;
    coordinator: string;
    admin: string;
    reviewer(department: string): string;
  };
}

const isSuccess = (status: number) => status >= 200 && status < 300;

/** The departments the benchmark signs reviewer tokens for. */
export const BENCH_DEPARTMENTS = ['drc', 'nrp', 'housing', 'eco', 'cad', 'water', 'heritage', 'archives'];

/** One client over several APIs (the cluster's), each request to the next in turn, as a load balancer would. */
export async function createBalancedApiClient(bases: string[], secret: string, departments: string[]): Promise<ApiClient> {
  const clients = await Promise.all(bases.map((base) => createApiClient(base, secret, departments)));
  let turn = 0;
  return {
    tokens: clients[0]!.tokens,
    call: (method, path, token, body, idempotencyKey) => clients[turn++ % clients.length]!.call(method, path, token, body, idempotencyKey),
    read: (path, token) => clients[turn++ % clients.length]!.read(path, token),
  };
}

export async function createApiClient(base: string, secret: string, departments: string[]): Promise<ApiClient> {
  /**
   * Node's own HTTP client over kept-alive connections: the benchmark shares the machine with
   * what it measures, and `fetch` (undici) cost it two to three times the CPU per request.
   */
  const agent = new http.Agent({ keepAlive: true });
  const send = (method: string, path: string, headers: http.OutgoingHttpHeaders, payload?: string) =>
    new Promise<{ status: number; bytes: Buffer }>((resolve, reject) => {
      const sized = payload === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(payload) };
      const request = http.request(new URL(path, base), { method, agent, headers: sized }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, bytes: Buffer.concat(chunks) }));
        response.on('error', reject);
      });
      request.on('error', reject);
      request.end(payload);
    });
  const sign = (sub: string, role: 'window' | 'reviewer' | 'coordinator' | 'admin', department?: string) =>
    signToken({ sub, name: sub, role, ...(department ? { department } : {}) }, secret, '1d');
  const reviewers = new Map<string, string>();
  for (const department of departments) reviewers.set(department, await sign(`bench-reviewer-${department}`, 'reviewer', department));
  const tokens = {
    window: await sign('bench-window', 'window'),
    coordinator: await sign('bench-coordinator', 'coordinator'),
    admin: await sign('bench-admin', 'admin'),
    reviewer: (department: string) => {
      const token = reviewers.get(department);
      if (!token) throw new Error(`no reviewer token for ${department}`);
      return token;
    },
  };
  return {
    tokens,
    async call(method, path, token, body, idempotencyKey) {
      const payload = body !== undefined ? JSON.stringify(body) : undefined;
      const headers = {
        authorization: `Bearer ${token}`,
        ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      };
      const { status, bytes } = await send(method, path, headers, payload);
      const text = bytes.toString('utf8');
      const json: unknown = text ? JSON.parse(text) : null;
      if (!isSuccess(status)) throw new ApiError(status, json);
      return json as any;
    },
    async read(path, token) {
      const { status, bytes } = await send('GET', path, { authorization: `Bearer ${token}` });
      if (!isSuccess(status)) throw new ApiError(status, JSON.parse(bytes.toString('utf8')));
      return bytes.byteLength;
    },
  };
}

let serial = randomInt(0, 500_000);
/**
 * Each run's projects get a region of their own (610000–619999, drawn once), so a run's codes do
 * not meet the projects earlier runs left open: with one region, a cluster holding 55,000 open
 * cases refused a new run's openings as CASE_ALREADY_OPEN.
 */
const region = 610_000 + randomInt(0, 10_000);

/** A gov-building (or other) case as a window opens it, with a fresh project code. */
export function benchCaseBody(projectType = 'gov-building', extra: Record<string, unknown> = {}): Record<string, unknown> {
  serial = (serial + 1) % 1_000_000;
  const body17 = `91610100MA${String(serial).padStart(7, '0')}`;
  return {
    projectCode: `2026-${region}-47-01-${String(serial).padStart(6, '0')}`,
    projectName: `压测项目 ${serial}`,
    projectType,
    applicant: { name: '压测建设单位', creditCode: body17 + computeCreditCodeCheck(body17) },
    materials: checklistMaterials(projectType, 'land-use-planning'),
    ...extra,
  };
}

/** A complete set for a stage's checklist under the seed catalog, as a window clerk hands it in. */
export function checklistMaterials(projectType: string, stage: StageCode): Material[] {
  return groupChecklistByCode(stageChecklist(resolveCasePlan(SEED_CATALOG, projectType), stage)).map((c) => ({
    name: c.name.zh,
    code: c.code,
    copies: c.copies,
  }));
}
