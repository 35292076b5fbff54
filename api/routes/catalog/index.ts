/** The catalog (审批事项目录, SPEC §2): what every role reads to know the items and their deadlines. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { resolveCasePlan } from '../../../domain/catalog.js';
import { CatalogView } from './schemas.js';

export const catalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/catalog',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Project types → stages → items (with departments, statutory and committed days), departments',
        response: { 200: CatalogView },
      },
    },
    async () => {
      const catalog = await app.reference.catalog();
      return {
        version: catalog.version,
        departments: catalog.departments,
        stages: catalog.stages,
        // versions from before checklists have none: [] (SPEC §6.0 Catalog shape)
        items: catalog.items.map((item) => ({ ...item, materials: item.materials ?? [] })),
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
};
