/**
 * What route plugins use, as Fastify decorators on the root instance (every encapsulated plugin
 * inherits them): `app.db`, `app.temporal`, `app.reference`, … No context object is passed
 * around, and no route module imports the app.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { CaseRowCache } from '../db/case-cache.js';
import type { Database } from '../db/client.js';
import type { IdempotencyStore } from './idempotency.js';
import type { OpeningDependencies } from './opening.js';
import type { ReferenceData } from './reference-data.js';

export interface ApiServices {
  db: Database;
  temporal: Client;
  /** the worker's task queue (new workflows start there) */
  taskQueue: string;
  /** zone of working days and of instants in responses */
  timeZone: string;
  /** catalog, rules and calendar, held in memory */
  reference: ReferenceData;
  idempotency: IdempotencyStore;
  /** case rows kept between list reads, checked against the database on every read (db/case-cache.ts) */
  caseRows: CaseRowCache;
  /** what opening a case needs (api/opening.ts) */
  opening: OpeningDependencies;
}

declare module 'fastify' {
  interface FastifyInstance extends ApiServices {}
}

export function decorateServices(app: FastifyInstance, services: ApiServices): void {
  for (const [name, value] of Object.entries(services)) app.decorate(name, value);
}
