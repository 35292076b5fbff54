/**
 * The API's write path as a window and reviewers use it: opening cases, deciding tasks (each
 * with an Idempotency-Key, as a careful client sends), and whole gov-building cases from
 * acceptance to completion.
 */
import { randomUUID } from 'node:crypto';
import { STAGE_CODES } from '../../domain/catalog.js';
import { caseWorkflowId } from '../../temporal.config.js';
import { benchCaseBody, checklistMaterials, type ApiClient } from './api-client.js';
import { measure, measureAlternating, runConcurrently, type Summary } from './measure.js';

export interface WritePath {
  open: Summary;
  /**
   * Cases opened per second until every one of them had also run its workflow's first task:
   * an opening answers before its workflow runs, so the answers alone would flatter the rate.
   * Since 12-02 14:39 timed in blocks alternating with bare starts (and the same behind the API),
   * each block counted until its workflows had run; before, after the openings' latencies.
   */
  openSustainedRate: number;
  /** the openings of that alternation: latencies to the answer, rate and CPU until the workflows ran (absent before 12-02 14:39) */
  openSustained?: Summary;
  decide: Summary;
  /** whole gov-building cases: open, every decision, every stage application */
  fullCase: Summary;
  requestsPerFullCase: number;
}

interface CaseJson {
  caseId: string;
  stages: { tasks: { taskId: string; department: string; status: string }[] }[];
}

const STAGES = STAGE_CODES;

/** Every item of a project type, stage by stage, each after its prerequisites: the order reviewers can decide in. */
async function decisionOrder(api: ApiClient, projectType: string): Promise<{ itemCode: string; department: string }[][]> {
  const catalog = await api.call<{ projectTypes: { code: string; stages: { items: { code: string; department: string; after: string[] }[] }[] }[] }>(
    'GET',
    '/v1/catalog',
    api.tokens.window,
  );
  const type = catalog.projectTypes.find((t) => t.code === projectType);
  if (!type) throw new Error(`no project type ${projectType}`);
  return type.stages.map((stage) => {
    const order: { itemCode: string; department: string }[] = [];
    const done = new Set<string>();
    while (order.length < stage.items.length) {
      for (const item of stage.items) {
        if (done.has(item.code) || !item.after.every((code) => done.has(code))) continue;
        order.push({ itemCode: item.code, department: item.department });
        done.add(item.code);
      }
    }
    return order;
  });
}

export async function measureWritePath(
  api: ApiClient,
  options: {
    n: number;
    warmUp: number;
    concurrency: number;
    fullCases: number;
    /** resolves once these workflows have run their first task */
    workflowsRun: (workflowIds: string[]) => Promise<void>;
    /** a bare start (yardsticks.ts) and the same behind the API with SPEC §4's key and one row (bare-api.ts): each answers the workflow's ID */
    bareStart: () => Promise<string>;
    keyedStartBehindApi: () => Promise<string>;
    /** the bare Update the decisions are measured against, in alternating blocks */
    bareDecision: (index: number) => Promise<unknown>;
    /** the same Update behind the API's HTTP layer (bare-api.ts), in the same alternation */
    bareDecisionBehindApi: (index: number) => Promise<unknown>;
    /** and with SPEC §4's Idempotency-Key and answer read (bare-api.ts), in the same alternation */
    keyedDecisionBehindApi: (index: number) => Promise<unknown>;
    pairedBlocks: number;
  },
  progress: (label: string) => (done: number) => void,
): Promise<{
  writePath: WritePath;
  bareDecision: Summary;
  bareDecisionBehindApi: Summary;
  keyedDecisionBehindApi: Summary;
  /** bare starts and keyed starts, counted as openSustained is, in the same alternation */
  bareStartSustained: Summary;
  keyedStartSustained: Summary;
}> {
  const settle = (cases: CaseJson[]) => options.workflowsRun(cases.map((c) => caseWorkflowId(c.caseId)));
  const { n, warmUp, concurrency } = options;
  const openOne = () => api.call<CaseJson>('POST', '/v1/cases', api.tokens.window, benchCaseBody(), randomUUID());
  const decideOne = ({ caseId, task }: { caseId: string; task: CaseJson['stages'][number]['tasks'][number] }) =>
    api.call('POST', `/v1/cases/${caseId}/tasks/${task.taskId}/decision`, api.tokens.reviewer(task.department), { decision: 'approve', opinion: '同意' }, randomUUID());
  // The first pending task of every case, then the second of every case, and so on: the
  // decisions in flight fall on different cases, as the bare side's Updates fall on different
  // workflows (decisions on one case queue for its workflow task, one after another).
  const pendingOf = (cases: CaseJson[]) => {
    const perCase = cases.map((c) => c.stages[0]!.tasks.filter((t) => t.status === 'pending').map((task) => ({ caseId: c.caseId, task })));
    const rounds = Math.max(0, ...perCase.map((tasks) => tasks.length));
    return Array.from({ length: rounds }, (_, round) => perCase.flatMap((tasks) => tasks.slice(round, round + 1))).flat();
  };

  // Warm-up, untimed, as many of each operation as the bare side warms up with (yardsticks.ts):
  // a fresh process runs its first thousand requests slower while the JIT compiles them.
  const warmCases: CaseJson[] = [];
  await runConcurrently(warmUp, concurrency, async () => warmCases.push(await openOne()), progress('API open case (warm-up)'));
  await settle(warmCases);
  const warmDecisions = pendingOf(warmCases).slice(0, warmUp);
  await runConcurrently(warmDecisions.length, concurrency, (i) => decideOne(warmDecisions[i]!), progress('API decision (warm-up)'));
  await runConcurrently(warmUp, concurrency, options.bareDecisionBehindApi, progress('bare update behind the API (warm-up)'));
  await runConcurrently(warmUp, concurrency, options.keyedDecisionBehindApi, progress('keyed update behind the API (warm-up)'));
  const warmKeyed: string[] = [];
  await runConcurrently(warmUp, concurrency, async () => warmKeyed.push(await options.keyedStartBehindApi()), progress('keyed start behind the API (warm-up)'));
  await options.workflowsRun(warmKeyed);
  const opened: CaseJson[] = [];
  const open = await measure(n, concurrency, async () => opened.push(await openOne()), progress('API open case'));
  await settle(opened);
  // Openings per second against bare starts per second: in alternating blocks, each counted until
  // the workflows it started had run their first task, so a drift in the machine's speed falls on
  // every kind alike. (The dev server's own rate of starts still varies from run to run: bare
  // starts 21–46 a second in runs of one afternoon.)
  const startedInBlock = { open: [] as string[], bare: [] as string[], keyed: [] as string[] };
  const sustained = await measureAlternating(
    n,
    concurrency,
    options.pairedBlocks,
    {
      open: async () => startedInBlock.open.push(caseWorkflowId((await openOne()).caseId)),
      bare: async () => startedInBlock.bare.push(await options.bareStart()),
      keyed: async () => startedInBlock.keyed.push(await options.keyedStartBehindApi()),
    },
    progress('API open case, bare start, the same behind the API with key and row: in alternating blocks until their workflows ran'),
    (kind) => options.workflowsRun(startedInBlock[kind].splice(0)),
  );
  const openSustainedRate = sustained.open.rate;
  const decisions = pendingOf(opened).slice(0, n);
  const alternated = await measureAlternating(
    decisions.length,
    concurrency,
    options.pairedBlocks,
    { decide: (i) => decideOne(decisions[i]!), bare: options.bareDecision, behindApi: options.bareDecisionBehindApi, keyed: options.keyedDecisionBehindApi },
    progress('API decision, bare update + local-activity write, the same behind the API without and with key and answer: in alternating blocks'),
  );
  const decide = alternated.decide;

  const order = await decisionOrder(api, 'gov-building');
  const requestsPerFullCase = 1 + order.reduce((sum, stage) => sum + stage.length, 0) + STAGES.length - 1;
  const fullCase = await measure(
    options.fullCases,
    concurrency,
    async () => {
      const { caseId } = await api.call<CaseJson>('POST', '/v1/cases', api.tokens.window, benchCaseBody(), randomUUID());
      for (const [index, stage] of STAGES.entries()) {
        if (index > 0) {
          await api.call('POST', `/v1/cases/${caseId}/stages/${stage}/application`, api.tokens.window, { materials: checklistMaterials('gov-building', stage) }, randomUUID());
        }
        // each decision releases the items waiting for it before it answers, so none needs a read
        for (const item of order[index]!) {
          await api.call('POST', `/v1/cases/${caseId}/tasks/${caseId}-${item.itemCode}/decision`, api.tokens.reviewer(item.department), { decision: 'approve' }, randomUUID());
        }
      }
    },
    progress('API full gov-building case'),
  );
  return {
    writePath: { open, openSustainedRate, openSustained: sustained.open, decide, fullCase, requestsPerFullCase },
    bareDecision: alternated.bare,
    bareDecisionBehindApi: alternated.behindApi,
    keyedDecisionBehindApi: alternated.keyed,
    bareStartSustained: sustained.bare,
    keyedStartSustained: sustained.keyed,
  };
}
