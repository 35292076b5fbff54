/** Liveness and readiness (SPEC §4): for load balancers and orchestrators, no token. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { sql } from 'drizzle-orm';
import { AppError } from '../../../domain/errors.js';

const CHECK_TIMEOUT_MS = 3_000;

async function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const Health = Type.Object({
  status: Type.String({ examples: ['ok', 'ready'] }),
  checks: Type.Optional(Type.Record(Type.String(), Type.String())),
});

export const systemRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    { schema: { tags: ['system'], summary: 'Liveness', security: [], response: { 200: Health } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    { schema: { tags: ['system'], summary: 'Readiness: Temporal and the database reachable', security: [], response: { 200: Health } } },
    async (request) => {
      const checks: Record<string, string> = {};
      const down: string[] = [];
      await Promise.all([
        withTimeout(app.db.execute(sql`select 1`), 'the database').then(
          () => (checks.database = 'ok'),
          (error: unknown) => {
            request.log.warn({ err: error }, 'readiness: the database is unavailable');
            down.push('database');
          },
        ),
        withTimeout(app.temporal.workflowService.getSystemInfo({}), 'Temporal').then(
          () => (checks.temporal = 'ok'),
          (error: unknown) => {
            request.log.warn({ err: error }, 'readiness: Temporal is unavailable');
            down.push('temporal');
          },
        ),
      ]);
      if (down.length > 0) {
        // the dependencies only: addresses and driver messages go to the log
        throw new AppError('DEPENDENCY_UNAVAILABLE', `not ready: ${down.join(' and ')} unavailable`, { dependency: down.join(',') });
      }
      return { status: 'ready', checks };
    },
  );
};
