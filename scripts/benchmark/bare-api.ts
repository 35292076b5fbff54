/**
 * The benchmark's third yardstick for a decision: the bare Update with its local-activity write
 * (bare-workflows.ts), behind everything a request to the API goes through. It is the API's own
 * app (api/app.ts: request ID, authentication, rate limit, access policy, Idempotency-Key header,
 * validation of a decision's body, the error shape, metrics) with one route more, in a process of
 * its own as the API is: `POST /bench/workflows/:workflowId/decision`, for a reviewer, runs
 * `touchWithLocalWrite` on that bare workflow with an Update ID from the Idempotency-Key, as a
 * decision does, and answers the workflow's count.
 *
 * What a decision does beyond this route is the approval's own work: the task's lookup, the
 * Idempotency-Key's record, the case's rules in the workflow, the read model and audit chain, the
 * answer's read. So the decision's ratio to this route is what that work costs, and this route's
 * ratio to the bare Update is what an HTTP API in front of Temporal costs by itself.
 *
 * Configured as the API is (loadConfig: DATABASE_URL, TEMPORAL_ADDRESS, AUTH_JWT_SECRET, PORT, …).
 * Usage: bare-api.ts
 */
import { Type } from '@sinclair/typebox';
import { Client, Connection } from '@temporalio/client';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { readFileSync } from 'node:fs';
import { buildApp } from '../../api/app.js';
import { appOptionsOf } from '../../api/run.js';
import { actorOf } from '../../api/auth.js';
import { idempotencyKeyOf } from '../../api/idempotency.js';
import { DecisionBody } from '../../api/routes/tasks/schemas.js';
import { Param } from '../../api/schemas.js';
import { updateIdFor, updateWorkflow } from '../../api/temporal-edge.js';
import { loadConfig } from '../../config.js';
import { connectDatabase } from '../../db/client.js';
import { buildConnectionOptions } from '../../temporal.config.js';
import { touchWithLocalWriteUpdate } from './bare-workflows.js';

const BARE_DECISION_ROUTE = '/bench/workflows/:workflowId/decision';

const config = loadConfig();
const database = connectDatabase(config.databaseUrl, { max: config.databasePoolSize });
const connection = await Connection.connect(buildConnectionOptions(config.temporal, (p) => readFileSync(p)));
const temporal = new Client({ connection, namespace: config.temporal.namespace });

const bareDecision: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    BARE_DECISION_ROUTE,
    {
      schema: {
        hide: true,
        params: Type.Object({ workflowId: Param(200) }, { additionalProperties: false }),
        body: DecisionBody,
        response: { 200: Type.Object({ count: Type.Integer() }) },
      },
    },
    async (request) => {
      const updateId = updateIdFor(actorOf(request).sub, idempotencyKeyOf(request));
      return { count: await updateWorkflow(temporal, request.params.workflowId, touchWithLocalWriteUpdate, [], { updateId }) };
    },
  );
};

const app = await buildApp({
  ...appOptionsOf(config, database.db, temporal),
  extraRoutes: { plugin: bareDecision, roles: { [`POST ${BARE_DECISION_ROUTE}`]: ['reviewer'] } },
});
await app.listen({ port: config.port, host: config.host });

async function shutdown(): Promise<void> {
  await app.close();
  await connection.close();
  await database.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
