/**
 * Complete materials sets for tests (SPEC §6.1): what a stage's checklist requires under the
 * seed catalog, one material per code with the largest copies, as a window clerk hands them in.
 */
import { SEED_CATALOG } from '../../db/seed.js';
import { resolveCasePlan, type Catalog, type StageCode } from '../../domain/catalog.js';
import type { Material } from '../../domain/case-types.js';
import { groupChecklistByCode, stageChecklist } from '../../domain/materials.js';

export function checklistCodes(projectType: string, stage: StageCode, catalog: Catalog = SEED_CATALOG) {
  return groupChecklistByCode(stageChecklist(resolveCasePlan(catalog, projectType), stage));
}

/** Every required material of the stage, leaving out `without` (codes the applicant does not bring). */
export function completeMaterials(projectType: string, stage: StageCode, without: readonly string[] = []): Material[] {
  return checklistCodes(projectType, stage)
    .filter((c) => !without.includes(c.code))
    .map((c) => ({ name: c.name.zh, code: c.code, copies: c.copies }));
}

/** These materials with the checklist's codes given to the first of them (at most 100 in all, as a request allows). */
export function withChecklist(materials: Material[], projectType: string, stage: StageCode): Material[] {
  const codes = checklistCodes(projectType, stage);
  const coded = materials.map((m, i) => (i < codes.length ? { ...m, code: codes[i]!.code, copies: codes[i]!.copies } : m));
  return [...coded, ...completeMaterials(projectType, stage).slice(coded.length)].slice(0, Math.max(100, codes.length));
}
