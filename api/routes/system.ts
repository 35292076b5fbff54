import { Type } from '@sinclair/typebox';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../domain/errors.js';
import type { AppContext } from '../app.js';
import { createApiMetrics } from '../metrics.js';
import { ErrorResponse } from '../schemas.js';

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

const Health = Type.Object({ status: Type.String(), checks: Type.Optional(Type.Record(Type.String(), Type.String())) });

export function registerSystemRoutes(app: FastifyInstance, ctx: AppContext): void {
  const metrics = createApiMetrics(ctx.db);
  app.get(
    '/metrics',
    { config: { access: 'public' }, schema: { tags: ['system'], security: [], hide: true } },
    async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()),
  );

  app.get(
    '/healthz',
    { config: { access: 'public' }, schema: { tags: ['system'], security: [], response: { 200: Health } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: { tags: ['system'], security: [], response: { 200: Health, 503: ErrorResponse } },
    },
    async (request) => {
      const checks: Record<string, string> = {};
      const down: string[] = [];
      await Promise.all([
        withTimeout(ctx.db.execute(sql`select 1`), 'the database').then(
          () => (checks.database = 'ok'),
          (error: unknown) => {
            request.log.warn({ err: error }, 'readiness: the database is unavailable');
            down.push('database');
          },
        ),
        withTimeout(ctx.temporal.workflowService.getSystemInfo({}), 'Temporal').then(
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
}
