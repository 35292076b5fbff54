import { Type } from '@sinclair/typebox';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../domain/errors.js';
import type { AppContext } from '../app.js';
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
    async () => {
      const checks: Record<string, string> = {};
      const failures: string[] = [];
      await Promise.all([
        withTimeout(ctx.db.execute(sql`select 1`), 'the database').then(
          () => (checks.database = 'ok'),
          (error: Error) => failures.push(`database: ${error.message}`),
        ),
        withTimeout(ctx.temporal.workflowService.getSystemInfo({}), 'Temporal').then(
          () => (checks.temporal = 'ok'),
          (error: Error) => failures.push(`temporal: ${error.message}`),
        ),
      ]);
      if (failures.length > 0) {
        throw new AppError('DEPENDENCY_UNAVAILABLE', 'not ready', { failures });
      }
      return { status: 'ready', checks };
    },
  );
}
