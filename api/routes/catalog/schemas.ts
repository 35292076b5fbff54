/** The catalog's shape (SPEC §2): project types → stages → items, departments. */
import { Type } from '@sinclair/typebox';
import { STAGE_CODES } from '../../../domain/catalog.js';
import { StringEnum } from '../../schemas.js';

const Name = Type.Object({ zh: Type.String(), en: Type.String() });
const MaterialRequirementView = Type.Object({
  code: Type.String({ description: 'one document; items of a stage listing the same code share it' }),
  name: Name,
  copies: Type.Integer({ minimum: 1, maximum: 99 }),
  deferrable: Type.Boolean({ description: '容缺: may be delivered after acceptance' }),
  optional: Type.Boolean({ description: 'never required' }),
});
const CatalogItemView = Type.Object({
  code: Type.String(),
  stage: StringEnum(STAGE_CODES),
  name: Name,
  department: Type.String(),
  statutoryDays: Type.Integer(),
  committedDays: Type.Integer(),
  after: Type.Array(Type.String()),
  certificate: Type.Optional(Name),
  deemedConsent: Type.Optional(Type.Boolean()),
  warningDays: Type.Optional(Type.Integer()),
  materials: Type.Array(MaterialRequirementView, { description: 'the checklist (申请材料清单); [] only for an item requiring nothing' }),
});
const CatalogStageView = Type.Object({ code: StringEnum(STAGE_CODES), order: Type.Integer(), name: Name, leadDepartment: Type.String() });
export const CatalogView = Type.Object({
  version: Type.Integer(),
  departments: Type.Array(Type.Object({ code: Type.String(), name: Name })),
  stages: Type.Array(CatalogStageView),
  items: Type.Array(CatalogItemView),
  projectTypes: Type.Array(
    Type.Object({
      code: Type.String(),
      name: Name,
      targetWorkingDays: Type.Integer(),
      /** the type's stages with their items (prerequisites resolved) and committed critical path */
      stages: Type.Array(
        Type.Composite([CatalogStageView, Type.Object({ committedDays: Type.Integer(), items: Type.Array(CatalogItemView) })]),
      ),
    }),
  ),
});
