import type { FastifyInstance } from 'fastify';
import { resolveCasePlan } from '../../domain/catalog.js';
import { ROLES } from '../../domain/case-types.js';
import { getLatestCatalog } from '../../db/queries.js';
import type { AppContext } from '../app.js';
import { CatalogView, ErrorResponse } from '../schemas.js';

export function registerCatalogRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/v1/catalog',
    {
      config: { access: ROLES },
      schema: {
        tags: ['catalog'],
        summary: 'Project types → stages → items (with departments, statutory and committed days), departments',
        response: { 200: CatalogView, 401: ErrorResponse },
      },
    },
    async () => {
    const catalog = await getLatestCatalog(ctx.db);
    return {
      version: catalog.version,
      departments: catalog.departments,
      stages: catalog.stages,
      items: catalog.items,
      // types → stages → items, prerequisites resolved and critical paths computed
      projectTypes: catalog.projectTypes.map((type) => ({
        code: type.code,
        name: type.name,
        targetWorkingDays: type.targetWorkingDays,
        stages: resolveCasePlan(catalog, type.code).stages,
      })),
    };
    },
  );
}
