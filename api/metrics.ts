/**
 * Prometheus metrics of the API process (`GET /metrics`): gauges read from the read model when
 * scraped, so an operations team sees the state of the caseload without reading logs.
 */
import { sql } from 'drizzle-orm';
import { Gauge, Registry } from 'prom-client';
import type { Database } from '../db/client.js';

export function createApiMetrics(db: Database): Registry {
  const registry = new Registry();
  const caseGauge = (name: string, help: string, query: ReturnType<typeof sql>) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const [row] = await db.execute<{ n: number }>(query);
        this.set(Number(row?.n ?? 0));
      },
    });
  caseGauge('approval_cases_open', 'open cases', sql`select count(*)::int as n from cases where status = 'open'`);
  caseGauge(
    'approval_cases_faulted',
    'open cases stopped by a fault, waiting for an administrator (README: Recovering a case)',
    sql`select count(*)::int as n from cases where fault is not null and status = 'open'`,
  );
  caseGauge(
    'approval_tasks_overdue',
    'pending tasks past their deadline',
    sql`select count(*)::int as n from tasks where status = 'pending' and deadline < now()`,
  );
  return registry;
}
