/**
 * The benchmark's yardsticks between bare Temporal and the API: the bare workflow
 * (bare-workflows.ts) behind everything a request to the API goes through. It is the API's own
 * app (api/app.ts: request ID, authentication, rate limit, access policy, Idempotency-Key header,
 * validation of the body, the error shape, metrics) with three routes more, in a process of its
 * own as the API is. `POST /bench/workflows/:workflowId/decision`, for a reviewer, runs
 * `touchWithLocalWrite` on that bare workflow with an Update ID from the Idempotency-Key, as a
 * decision does, and answers the workflow's count.
 *
 * What a decision does beyond this route is the approval's own work: the task's lookup, the
 * Idempotency-Key's record, the case's rules in the workflow, the read model and audit chain, the
 * answer's read. So the decision's ratio to this route is what that work costs, and this route's
 * ratio to the bare Update is what an HTTP API in front of Temporal costs by itself.
 *
 * A second route, `POST /bench/workflows/:workflowId/keyed-decision`, adds to the same Update
 * only what SPEC §4 asks of every command whatever the workflow does: the Idempotency-Key's claim
 * and recorded answer (the API's own `app.idempotency`, so a repeat gets the first answer), and
 * the answer read back after the write (the row the Update wrote, from the bare database: the
 * resource after the action, showing it). No task lookup (which a decision needs, to refuse a
 * reviewer of another department with 403 before it reads the body), one row written instead of
 * a task, its audit events and the statistics. It is the least this API's way of honouring SPEC
 * §4 costs on top of the bare Update: a floor for this design, not for every possible one (an
 * implementation keeping answers in Temporal might save a statement).
 *
 * The same for an opening: `POST /bench/workflows`, for the window, takes an opening's body
 * (validated as `POST /v1/cases` validates it), claims and records its Idempotency-Key, writes
 * one row (the new resource, so a read after the answer finds it) and starts a bare workflow
 * whose ID derives from the key, as a case's does; it answers 201 with that ID. Against the bare
 * start it is the least an opening honouring SPEC §4 costs; the case's own rows, its plan and
 * calendar in the start input and its workflow's first task are what an opening adds.
 *
 * Configured as the API is (loadConfig: DATABASE_URL, TEMPORAL_ADDRESS, AUTH_JWT_SECRET, PORT, …),
 * and BARE_DATABASE_URL and BARE_TASK_QUEUE, where the bare worker writes its rows and what it polls.
 * Usage: bare-api.ts
 */
import { Type } from '@sinclair/typebox';
import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { buildApp } from '../../api/app.js';
import { appOptionsOf } from '../../api/run.js';
import { actorOf } from '../../api/auth.js';
import { idempotencyKeyOf } from '../../api/idempotency.js';
import { DecisionBody } from '../../api/routes/tasks/schemas.js';
import { OpenCaseBody } from '../../api/routes/cases/schemas.js';
import { Param } from '../../api/schemas.js';
import { updateIdFor, updateWorkflow } from '../../api/temporal-edge.js';
import { loadConfig } from '../../config.js';
import { connectDatabase } from '../../db/client.js';
import { buildConnectionOptions } from '../../temporal.config.js';
import { bareWorkflow, touchWithLocalWriteUpdate } from './bare-workflows.js';

const BARE_DECISION_ROUTE = '/bench/workflows/:workflowId/decision';
const KEYED_DECISION_ROUTE = '/bench/workflows/:workflowId/keyed-decision';
const KEYED_START_ROUTE = '/bench/workflows';

const config = loadConfig();
const database = connectDatabase(config.databaseUrl, { max: config.databasePoolSize });
const connection = await Connection.connect(buildConnectionOptions(config.temporal, (p) => readFileSync(p)));
const temporal = new Client({ connection, namespace: config.temporal.namespace });
const bareDatabaseUrl = process.env.BARE_DATABASE_URL;
const bareTaskQueue = process.env.BARE_TASK_QUEUE;
if (!bareDatabaseUrl || !bareTaskQueue) throw new Error('BARE_DATABASE_URL and BARE_TASK_QUEUE: where the bare worker writes its rows and what it polls');
// (postgres.js prepares each statement once per connection, as the API's hot reads are)
const bareRows = postgres(bareDatabaseUrl, { max: config.databasePoolSize, onnotice: () => undefined });

const decisionSchema = {
  hide: true,
  params: Type.Object({ workflowId: Param(200) }, { additionalProperties: false }),
  body: DecisionBody,
  response: { 200: Type.Object({ count: Type.Integer() }) },
};

const bareDecision: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    BARE_DECISION_ROUTE,
    { schema: decisionSchema },
    async (request) => {
      const updateId = updateIdFor(actorOf(request).sub, idempotencyKeyOf(request));
      return { count: await updateWorkflow(temporal, request.params.workflowId, touchWithLocalWriteUpdate, [], { updateId }) };
    },
  );
  app.post(
    KEYED_DECISION_ROUTE,
    { schema: decisionSchema },
    async (request, reply) =>
      app.idempotency.run(request, reply, async (key) => {
        const { workflowId } = request.params;
        await updateWorkflow(temporal, workflowId, touchWithLocalWriteUpdate, [], { updateId: updateIdFor(actorOf(request).sub, key) });
        const [row] = await bareRows<{ count: number }[]>`select count from bench_rows where id = ${workflowId}`;
        if (!row) throw new Error(`no row for ${workflowId} after its write`);
        return { statusCode: 200, body: { count: row.count } };
      }),
  );
  app.post(
    KEYED_START_ROUTE,
    { schema: { hide: true, body: OpenCaseBody, response: { 201: Type.Object({ workflowId: Type.String() }) } } },
    async (request, reply) =>
      app.idempotency.run(request, reply, async (key) => {
        const workflowId = `bare-keyed-${updateIdFor(actorOf(request).sub, key) ?? randomUUID()}`;
        await bareRows`insert into bench_rows (id, count) values (${workflowId}, 0) on conflict (id) do nothing`;
        try {
          await temporal.workflow.start(bareWorkflow, { workflowId, taskQueue: bareTaskQueue });
        } catch (error) {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        }
        return { statusCode: 201, body: { workflowId } };
      }),
  );
};

const app = await buildApp({
  ...appOptionsOf(config, database.db, temporal),
  extraRoutes: { plugin: bareDecision, roles: { [`POST ${BARE_DECISION_ROUTE}`]: ['reviewer'], [`POST ${KEYED_DECISION_ROUTE}`]: ['reviewer'], [`POST ${KEYED_START_ROUTE}`]: ['window'] } },
});
await app.listen({ port: config.port, host: config.host });

async function shutdown(): Promise<void> {
  await app.close();
  await connection.close();
  await bareRows.end();
  await database.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
