/**
 * The load a drill runs while it breaks something: gov-building cases opened through every API,
 * then reviewers deciding every pending task of each case's stages at once (several cases at a
 * time), each request through the next API in turn, and the next stage's application once a
 * stage is approved.
 *
 * A request is sent the way a careful client sends it: with an Idempotency-Key, and again with
 * the same key (to the next API) after a network error, a 5xx, a 429 or a 409
 * IDEMPOTENCY_KEY_IN_USE, until it has a final answer. Every answer lands in the ledger the
 * checks compare with the cases afterwards.
 */
import { randomUUID } from 'node:crypto';
import { SEED_CATALOG } from '../../../db/seed.js';
import { resolveCasePlan, STAGE_CODES } from '../../../domain/catalog.js';
import { benchCaseBody, checklistMaterials, createApiClient, type ApiClient } from '../../benchmark/api-client.js';

const DEPARTMENTS = ['drc', 'nrp', 'housing', 'eco', 'cad', 'water', 'heritage', 'archives'];
const PROJECT_TYPE = 'gov-building';

export interface LoadOptions {
  cases: number;
  /** cases driven at once; each decides all of its pending tasks together */
  concurrency: number;
  /** stages each case is taken through (1 to 4) */
  stages: number;
  /** how long one request keeps being retried before the load gives up on it (and the drill fails) */
  patienceMs: number;
}

/** One request, from its first attempt to its final answer. */
export interface RequestRecord {
  kind: 'open' | 'decide' | 'apply';
  caseId: string | null;
  taskId?: string;
  department?: string;
  /** the reviewer's (or window's) token subject: an Idempotency-Key is scoped to it */
  subject: string;
  key: string;
  attempts: number;
  /** why earlier attempts did not count: network errors, 5xx, 409 IDEMPOTENCY_KEY_IN_USE */
  retriedOn: string[];
  /** the API index of each attempt */
  via: number[];
  status: number;
  /** the task's status in the final answer (a decision), or the case ID (an opening) */
  answer: string | null;
  /** whether the answer came from the idempotency record (Idempotent-Replayed) */
  replayed: boolean;
  sentAtMs: number;
  answeredAtMs: number;
}

export interface Ledger {
  cases: string[];
  requests: RequestRecord[];
}

export interface RunningLoad {
  /** requests answered so far (openings, decisions, applications) */
  answered(): number;
  decisionsAnswered(): number;
  /** requests sent and not answered yet, by Idempotency-Key: which API the current attempt went to */
  inFlight: Map<string, { api: number; kind: RequestRecord['kind'] }>;
  /** resolves once every case has been taken through its stages */
  finished: Promise<Ledger>;
  /** whether `finished` has settled (done or failed) */
  isOver(): boolean;
  expectedDecisions: number;
}

interface CaseView {
  caseId: string;
  stages: { code: string; status: string; tasks: { taskId: string; department: string; status: string }[] }[];
}

function describeFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return `network: ${cause?.code ?? (error instanceof Error ? error.message : String(error))}`;
}

export async function createDrillClient(apiUrls: string[], secret: string): Promise<{ tokens: ApiClient['tokens']; apiUrls: string[] }> {
  // the tokens are the same for every API (one secret); the client only signs them
  const client = await createApiClient(apiUrls[0]!, secret, DEPARTMENTS);
  return { tokens: client.tokens, apiUrls };
}

export function startLoad(apiUrls: string[], tokens: ApiClient['tokens'], options: LoadOptions, ledger: Ledger): RunningLoad {
  const inFlight = new Map<string, { api: number; kind: RequestRecord['kind'] }>();
  let answered = 0;
  let decisions = 0;
  let turn = 0;
  /** the first failure: every other request stops at its next attempt, so nothing runs on behind the checks */
  let failure: Error | null = null;
  const settleAll = async (work: Promise<unknown>[]): Promise<void> => {
    const outcomes = await Promise.allSettled(
      work.map((promise) =>
        promise.catch((error: unknown) => {
          failure ??= error instanceof Error ? error : new Error(String(error));
          throw error;
        }),
      ),
    );
    const rejected = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (rejected) throw failure ?? rejected.reason;
  };
  const subjects = new Map<string, string>();
  const subjectOf = (token: string) => {
    let subject = subjects.get(token);
    if (!subject) {
      subject = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string }).sub;
      subjects.set(token, subject);
    }
    return subject;
  };

  async function send(
    record: Pick<RequestRecord, 'kind' | 'caseId' | 'taskId' | 'department'>,
    method: string,
    path: string | ((record: RequestRecord) => string),
    token: string,
    body: unknown,
    answerOf: (json: any) => string | null,
  ): Promise<{ record: RequestRecord; json: any }> {
    const full: RequestRecord = {
      ...record,
      subject: subjectOf(token),
      key: randomUUID(),
      attempts: 0,
      retriedOn: [],
      via: [],
      status: 0,
      answer: null,
      replayed: false,
      sentAtMs: Date.now(),
      answeredAtMs: 0,
    };
    const first = turn++;
    const giveUpAt = Date.now() + options.patienceMs;
    try {
      for (;;) {
        if (failure) throw new Error(`stopped: ${failure.message}`);
        const api = (first + full.attempts) % apiUrls.length;
        full.attempts += 1;
        full.via.push(api);
        inFlight.set(full.key, { api, kind: full.kind });
        let retryOn: string;
        try {
          const response = await fetch(`${apiUrls[api]}${typeof path === 'string' ? path : path(full)}`, {
            method,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': full.key },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(90_000),
          });
          const text = await response.text();
          const json: any = text ? JSON.parse(text) : null;
          const code: string | undefined = json?.error?.code;
          if (response.status < 500 && response.status !== 429 && code !== 'IDEMPOTENCY_KEY_IN_USE') {
            full.status = response.status;
            // a refusal keeps its message too: the drill's report is all there is to go on afterwards
            full.answer = response.ok ? answerOf(json) : code ? `${code} (${String(json?.error?.message ?? '')})` : null;
            full.replayed = response.headers.get('idempotent-replayed') === 'true';
            full.answeredAtMs = Date.now();
            ledger.requests.push(full);
            answered += 1;
            if (full.kind === 'decide') decisions += 1;
            return { record: full, json };
          }
          retryOn = `${response.status}${code ? ` ${code}` : ''}`;
        } catch (error) {
          retryOn = describeFailure(error);
        }
        full.retriedOn.push(retryOn);
        if (Date.now() > giveUpAt) throw new Error(`${full.kind} ${full.caseId ?? ''} ${full.taskId ?? ''}: no final answer after ${full.attempts} attempts (first ${full.retriedOn.slice(0, 2).join('; ')}; last ${full.retriedOn.at(-1)})`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 200 * full.attempts)));
      }
    } finally {
      inFlight.delete(full.key);
    }
  }

  async function readCase(caseId: string): Promise<CaseView> {
    const giveUpAt = Date.now() + options.patienceMs;
    for (let attempt = 0; ; attempt += 1) {
      if (failure) throw new Error(`stopped: ${failure.message}`);
      const response = await fetch(`${apiUrls[attempt % apiUrls.length]}/v1/cases/${caseId}`, {
        headers: { authorization: `Bearer ${tokens.coordinator}` },
        signal: AbortSignal.timeout(30_000),
      }).catch(() => null);
      if (response?.ok) return (await response.json()) as CaseView;
      if (response && response.status < 500) throw new Error(`GET /v1/cases/${caseId}: ${response.status} ${await response.text()}`);
      if (Date.now() > giveUpAt) throw new Error(`GET /v1/cases/${caseId}: no answer`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /**
   * Takes the case through its stages, deciding every task but one of the last stage: that one
   * stays pending, so the case stays open with its clock and its escalation ladder running
   * (timers the checks look for).
   */
  async function driveCase(caseId: string): Promise<void> {
    for (let index = 0; index < options.stages; index += 1) {
      const isLast = index === options.stages - 1;
      let held: string | null = null;
      const stage = STAGE_CODES[index]!;
      if (index > 0) {
        const { record } = await send(
          { kind: 'apply', caseId },
          'POST',
          `/v1/cases/${caseId}/stages/${stage}/application`,
          tokens.window,
          { materials: checklistMaterials(PROJECT_TYPE, stage) },
          (json: CaseView) => json.stages[index]?.status ?? null,
        );
        if (record.status !== 200) throw new Error(`${stage} application of ${caseId} refused: ${record.status} ${record.answer}`);
      }
      for (;;) {
        const view = await readCase(caseId);
        const current = view.stages[index]!;
        if (isLast && held === null) held = current.tasks.filter((t) => t.status === 'pending').map((t) => t.taskId).sort()[0] ?? null;
        const pending = current.tasks.filter((t) => t.status === 'pending' && t.taskId !== held);
        if (pending.length === 0) {
          if (current.status !== (isLast ? 'in_review' : 'approved')) throw new Error(`${caseId}: stage ${stage} is ${current.status} with nothing left to decide`);
          break;
        }
        await settleAll(
          pending.map(async (task) => {
            const { record } = await send(
              { kind: 'decide', caseId, taskId: task.taskId, department: task.department },
              'POST',
              `/v1/cases/${caseId}/tasks/${task.taskId}/decision`,
              tokens.reviewer(task.department),
              { decision: 'approve', opinion: `演练同意 ${task.taskId}` },
              (json: { status?: string }) => json.status ?? null,
            );
            if (record.status !== 200) throw new Error(`decision on ${task.taskId} refused: ${record.status} ${record.answer}`);
          }),
        );
      }
    }
  }

  const finished = (async () => {
    // openings first, through every API in turn, several at a time
    const opened: string[] = [];
    let next = 0;
    await settleAll(
      Array.from({ length: Math.min(options.concurrency, options.cases) }, async () => {
        while (next < options.cases) {
          next += 1;
          const { record } = await send(
            { kind: 'open', caseId: null },
            'POST',
            '/v1/cases',
            tokens.window,
            benchCaseBody(PROJECT_TYPE),
            (json: { caseId?: string }) => json.caseId ?? null,
          );
          if (record.status !== 201 || !record.answer) throw new Error(`opening refused: ${record.status} ${record.answer}`);
          record.caseId = record.answer;
          opened.push(record.answer);
          ledger.cases.push(record.answer);
        }
      }),
    );
    let nextCase = 0;
    await settleAll(
      Array.from({ length: Math.min(options.concurrency, opened.length) }, async () => {
        while (nextCase < opened.length) await driveCase(opened[nextCase++]!);
      }),
    );
    return ledger;
  })();

  const perCase = resolveCasePlan(SEED_CATALOG, PROJECT_TYPE).stages.slice(0, options.stages).reduce((sum, stage) => sum + stage.items.length, 0);
  let over = false;
  void finished.then(
    () => (over = true),
    () => (over = true),
  );
  // one task of the last stage stays pending
  return { isOver: () => over, answered: () => answered, decisionsAnswered: () => decisions, inFlight, finished, expectedDecisions: options.cases * (perCase - 1) };
}
