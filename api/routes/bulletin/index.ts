/** 月通报: the monthly bulletin (SPEC §6.5), as JSON or as a CSV to download. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { computeBulletin, type Bulletin, type BulletinFigures } from '../../../db/bulletin.js';
import { viewContext } from '../../reads.js';
import { BULLETIN_CSV_COLUMNS, BulletinQuery, BulletinResponse } from './schemas.js';

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
const csvField = (value: string | number | null): string => {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

function csvRow(department: string, figures: BulletinFigures, rank: number | null): string {
  const row: Record<(typeof BULLETIN_CSV_COLUMNS)[number], string | number | null> = {
    department,
    tasksDecided: figures.tasksDecided,
    onTime: figures.onTime,
    onTimeRate: figures.onTimeRate,
    overdueAtMonthEnd: figures.overdueAtMonthEnd,
    escalations1: figures.escalationsOpened[1],
    escalations2: figures.escalationsOpened[2],
    escalations3: figures.escalationsOpened[3],
    avgUsedWorkingDays: figures.avgUsedWorkingDays,
    avgCommittedWorkingDays: figures.avgCommittedWorkingDays,
    rank,
  };
  return BULLETIN_CSV_COLUMNS.map((column) => csvField(row[column])).join(',');
}

/** The header, a row per department in rank order, then the city's row (no rank). */
export function toBulletinCsv(bulletin: Bulletin): string {
  const lines = [
    BULLETIN_CSV_COLUMNS.join(','),
    ...bulletin.departments.map((d) => csvRow(d.department, d, d.rank)),
    csvRow('city', bulletin.city, null),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

export const bulletinRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/stats/bulletin',
    {
      schema: {
        tags: ['supervision'],
        summary: 'Monthly bulletin (月通报): per department and for the city, ranked by on-time rate',
        description:
          'Decisions, on-time rate and averages equal GET /v1/stats byDepartment for the month’s first and last day. overdueAtMonthEnd is taken at the month’s last instant (now for the current month); escalationsOpened counts escalations by the local date they were opened. A month after the current one → 400.',
        querystring: BulletinQuery,
        response: { 200: BulletinResponse },
      },
    },
    async (request, reply) => {
      const { month, format } = request.query;
      const [{ calendar, now }, catalog] = await Promise.all([viewContext(app), app.reference.catalog()]);
      const bulletin = await computeBulletin(app.db, {
        month,
        now: new Date(now),
        timeZone: calendar.timeZone,
        departments: catalog.departments.map((d) => d.code),
      });
      if (format !== 'csv') return bulletin;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="bulletin-${month}.csv"`)
        .send(toBulletinCsv(bulletin));
    },
  );
};
