/**
 * The approval catalog (审批事项目录): project types → stages → items, as data.
 *
 * Imported by workflow code, so it runs inside the Temporal sandbox: pure and deterministic
 * (no Node built-ins, no I/O, no Date). The seed file is loaded elsewhere and passed in.
 */

import { createChecklist, groupChecklistByCode } from './materials.js';

/** 审批阶段, always in this order */
export const STAGE_CODES = ['land-use-planning', 'engineering-permit', 'construction-permit', 'completion-acceptance'] as const;
export type StageCode = (typeof STAGE_CODES)[number];

export interface LocalizedName {
  zh: string;
  en: string;
}

/**
 * One entry of an item's materials checklist (申请材料清单). A code names one document: items of a
 * stage that list the same code share it (see domain/materials.ts).
 */
export interface MaterialRequirement {
  code: string;
  name: LocalizedName;
  /** 1–99 */
  copies: number;
  /** 容缺: may be delivered after acceptance */
  deferrable: boolean;
  /** never required, never missing */
  optional: boolean;
}

/** 事项: one department's approval inside a stage */
export interface CatalogItem {
  code: string;
  stage: StageCode;
  name: LocalizedName;
  department: string;
  /** 法定时限, working days */
  statutoryDays: number;
  /** 承诺时限, working days */
  committedDays: number;
  /** prerequisites in the same stage, each applying only where present for the type; ['*'] = every other item of the stage */
  after: string[];
  /** 电子证照 issued on approval */
  certificate?: LocalizedName;
  /** 超时默许: silence past the deadline counts as consent */
  deemedConsent?: boolean;
  /** yellow window before the deadline, working days */
  warningDays?: number;
  /** what the counter checks; absent only in catalog version 1, stored before checklists existed */
  materials?: MaterialRequirement[];
}

export interface CatalogStage {
  code: StageCode;
  order: number;
  name: LocalizedName;
  leadDepartment: string;
}

export interface Department {
  code: string;
  name: LocalizedName;
}

/** 项目类型 */
export interface ProjectType {
  code: string;
  name: LocalizedName;
  targetWorkingDays: number;
  items: string[];
}

export interface Catalog {
  version: number;
  departments: Department[];
  stages: CatalogStage[];
  items: CatalogItem[];
  projectTypes: ProjectType[];
}

/** An item as it applies to one project type: prerequisites resolved ('*' expanded, absent ones dropped) */
export interface ResolvedItem extends Omit<CatalogItem, 'after' | 'warningDays' | 'materials'> {
  after: string[];
  warningDays: number;
  /** [] for catalog version 1 */
  materials: MaterialRequirement[];
}

export interface ResolvedStage extends CatalogStage {
  items: ResolvedItem[];
  /** the stage's committed limit: its critical path through `after` */
  committedDays: number;
}

/** the stages and items of one project type, what a case keeps for its whole life */
export interface CasePlan {
  catalogVersion: number;
  projectType: string;
  targetWorkingDays: number;
  stages: ResolvedStage[];
}

const ALL_OTHERS = '*';
/** SPEC §6.0: a stage's checklist stays small enough to read out at the counter */
export const MAX_STAGE_CHECKLIST_CODES = 60;
const MAX_COPIES = 99;
const MATERIAL_CODE = /^[a-z0-9]+(?:[.-][a-z0-9]+)*$/;
const MAX_MATERIAL_CODE_LENGTH = 80;

/** The item's application form (申请表), the one checklist code every item requiring anything lists, never deferrable. */
export function applicationFormCode(itemCode: string): string {
  return `${itemCode}.application`;
}

export function findProjectType(catalog: Catalog, code: string): ProjectType | undefined {
  return catalog.projectTypes.find((type) => type.code === code);
}

export function resolveCasePlan(catalog: Catalog, projectType: string): CasePlan {
  const type = findProjectType(catalog, projectType);
  if (!type) throw new Error(`unknown project type "${projectType}"`);
  const applies = new Set(type.items);
  const stages = STAGE_CODES.map((code): ResolvedStage => {
    const stage = catalog.stages.find((s) => s.code === code);
    if (!stage) throw new Error(`catalog ${catalog.version} has no stage "${code}"`);
    const present = catalog.items.filter((item) => item.stage === code && applies.has(item.code));
    const presentCodes = present.map((item) => item.code);
    const items = present.map(
      (item): ResolvedItem => ({
        ...item,
        after: resolveAfter(item, presentCodes),
        warningDays: item.warningDays ?? Math.max(1, Math.ceil(item.committedDays / 5)),
        materials: item.materials ?? [],
      }),
    );
    return { ...stage, items, committedDays: computeCriticalPath(items) };
  });
  return { catalogVersion: catalog.version, projectType: type.code, targetWorkingDays: type.targetWorkingDays, stages };
}

/** The longest chain of committed days through `after` (parallel items count once, at the longest). */
export function computeCriticalPath(items: Pick<ResolvedItem, 'code' | 'committedDays' | 'after'>[]): number {
  const byCode = new Map(items.map((item) => [item.code, item]));
  for (const item of items) {
    const unknown = item.after.find((code) => !byCode.has(code));
    if (unknown !== undefined) throw new Error(`item "${item.code}" is after unknown item "${unknown}"`);
  }
  const sorted = sortByPrerequisites(items);
  if ('cycle' in sorted) throw new Error(`cycle: ${sorted.cycle.join(' after ')}`);
  const finish = new Map<string, number>();
  for (const item of sorted.order) {
    const start = Math.max(0, ...item.after.map((prerequisite) => finish.get(prerequisite) ?? 0));
    finish.set(item.code, start + item.committedDays);
  }
  return Math.max(0, ...finish.values());
}

/**
 * Problems that make the catalog unusable; [] when it is fine. Checks the current shape: every item
 * carries `materials` (version 1, stored before checklists, is never validated again).
 */
export function validateCatalog(catalog: Catalog): string[] {
  const problems: string[] = [];
  const departments = new Set(catalog.departments.map((d) => d.code));
  const itemsByCode = new Map(catalog.items.map((item) => [item.code, item]));

  if (!isPositiveInteger(catalog.version)) problems.push(`version must be a positive integer, got ${catalog.version}`);
  for (const [what, codes] of [
    ['department', catalog.departments.map((d) => d.code)],
    ['stage', catalog.stages.map((s) => s.code)],
    ['item', catalog.items.map((i) => i.code)],
    ['project type', catalog.projectTypes.map((t) => t.code)],
  ] as const) {
    for (const code of findDuplicates(codes)) problems.push(`duplicate ${what} code "${code}"`);
  }

  if (catalog.stages.length !== STAGE_CODES.length || catalog.stages.some((s) => s.order !== STAGE_CODES.indexOf(s.code) + 1)) {
    problems.push(`stages must be ${STAGE_CODES.map((code, i) => `${i + 1} ${code}`).join(', ')}`);
  }
  for (const stage of catalog.stages) {
    if (!departments.has(stage.leadDepartment)) {
      problems.push(`stage "${stage.code}": unknown lead department "${stage.leadDepartment}"`);
    }
  }

  for (const item of catalog.items) {
    const where = `item "${item.code}"`;
    if (!STAGE_CODES.includes(item.stage)) problems.push(`${where}: unknown stage "${item.stage}"`);
    if (!departments.has(item.department)) problems.push(`${where}: unknown department "${item.department}"`);
    if (!isPositiveInteger(item.committedDays) || !isPositiveInteger(item.statutoryDays) || item.committedDays > item.statutoryDays) {
      problems.push(`${where}: committed days (${item.committedDays}) must be a positive integer no more than statutory days (${item.statutoryDays})`);
    }
    if (item.warningDays !== undefined && !isPositiveInteger(item.warningDays)) {
      problems.push(`${where}: warning days must be a positive integer, got ${item.warningDays}`);
    }
    if (item.after.includes(ALL_OTHERS) && item.after.length > 1) problems.push(`${where}: "*" must stand alone in after`);
    for (const code of item.after.filter((c) => c !== ALL_OTHERS)) {
      const prerequisite = itemsByCode.get(code);
      if (!prerequisite) problems.push(`${where}: after unknown item "${code}"`);
      else if (prerequisite.stage !== item.stage) {
        problems.push(`${where}: after "${code}" across stages (${item.stage} ← ${prerequisite.stage})`);
      }
    }
    problems.push(...validateMaterials(item));
  }

  // Every type sees a subset of a stage's links, so checking each full stage covers every type.
  for (const stage of STAGE_CODES) {
    const inStage = catalog.items.filter((item) => item.stage === stage);
    const codes = inStage.map((item) => item.code);
    const sorted = sortByPrerequisites(inStage.map((item) => ({ code: item.code, after: resolveAfter(item, codes) })));
    if ('cycle' in sorted) problems.push(`stage "${stage}": cycle: ${sorted.cycle.join(' after ')}`);

    // A code means one document: the counter reads it out under one name, whichever item lists it.
    const named = new Map<string, { itemCode: string; name: LocalizedName }>();
    for (const item of inStage) {
      for (const material of item.materials ?? []) {
        const first = named.get(material.code);
        if (!first) named.set(material.code, { itemCode: item.code, name: material.name });
        else if (first.name?.zh !== material.name?.zh || first.name?.en !== material.name?.en) {
          problems.push(`stage "${stage}": material "${material.code}" is named differently by items "${first.itemCode}" and "${item.code}"`);
        }
      }
    }
  }

  for (const type of catalog.projectTypes) {
    const where = `project type "${type.code}"`;
    if (!isPositiveInteger(type.targetWorkingDays)) {
      problems.push(`${where}: target working days must be a positive integer, got ${type.targetWorkingDays}`);
    }
    for (const code of type.items) if (!itemsByCode.has(code)) problems.push(`${where}: unknown item "${code}"`);
    for (const code of findDuplicates(type.items)) problems.push(`${where}: item "${code}" listed twice`);

    // SPEC §6.0: every stage the type goes through can be accepted with something to follow (容缺),
    // and never with nothing in hand.
    const applies = new Set(type.items);
    for (const stage of STAGE_CODES) {
      const items = catalog.items.filter((item) => item.stage === stage && applies.has(item.code));
      if (items.length === 0) continue;
      const codes = groupChecklistByCode(createChecklist(items));
      const at = `${where}, stage "${stage}"`;
      if (codes.length > MAX_STAGE_CHECKLIST_CODES) {
        problems.push(`${at}: ${codes.length} required material codes, at most ${MAX_STAGE_CHECKLIST_CODES}`);
      }
      if (!codes.some((code) => code.deferrable)) problems.push(`${at}: no required material is deferrable`);
      if (!codes.some((code) => !code.deferrable)) problems.push(`${at}: every required material is deferrable`);
    }
  }
  return problems;
}

/** One item's checklist: well-formed entries, each code once, and its application form due at acceptance. */
function validateMaterials(item: CatalogItem): string[] {
  const where = `item "${item.code}"`;
  if (!Array.isArray(item.materials)) return [`${where}: materials must be a list ([] for an item that requires nothing)`];
  const problems: string[] = [];
  for (const material of item.materials) {
    const what = `${where}: material "${material.code}"`;
    if (typeof material.code !== 'string' || material.code.length > MAX_MATERIAL_CODE_LENGTH || !MATERIAL_CODE.test(material.code)) {
      problems.push(`${what}: code must be lowercase letters and digits joined by dots or hyphens, at most ${MAX_MATERIAL_CODE_LENGTH} characters`);
    }
    if (!material.name?.zh || !material.name?.en) problems.push(`${what}: name needs zh and en`);
    if (!Number.isInteger(material.copies) || material.copies < 1 || material.copies > MAX_COPIES) {
      problems.push(`${what}: copies must be an integer 1–${MAX_COPIES}, got ${material.copies}`);
    }
    if (typeof material.deferrable !== 'boolean' || typeof material.optional !== 'boolean') {
      problems.push(`${what}: deferrable and optional must be true or false`);
    }
  }
  for (const code of findDuplicates(item.materials.map((m) => m.code))) problems.push(`${where}: material "${code}" listed twice`);

  const formCode = applicationFormCode(item.code);
  const form = item.materials.find((m) => m.code === formCode);
  if (item.materials.some((m) => !m.optional) && (!form || form.optional)) {
    problems.push(`${where}: requires materials but not its application form "${formCode}"`);
  }
  if (form?.deferrable) problems.push(`${where}: its application form "${formCode}" is never deferrable`);
  return problems;
}

/** `after` for one type: '*' becomes every other present item, named prerequisites apply where present. */
function resolveAfter(item: Pick<CatalogItem, 'code' | 'after'>, presentCodes: string[]): string[] {
  if (item.after.includes(ALL_OTHERS)) return presentCodes.filter((code) => code !== item.code);
  return item.after.filter((code) => presentCodes.includes(code));
}

/** Items with every prerequisite first, or the first cycle found; unknown prerequisites are ignored. */
function sortByPrerequisites<T extends Pick<CatalogItem, 'code' | 'after'>>(items: T[]): { order: T[] } | { cycle: string[] } {
  const byCode = new Map(items.map((item) => [item.code, item]));
  const done = new Set<string>();
  const path: string[] = [];
  const order: T[] = [];
  const visit = (code: string): string[] | undefined => {
    if (done.has(code)) return undefined;
    const seen = path.indexOf(code);
    if (seen >= 0) return [...path.slice(seen), code];
    const item = byCode.get(code);
    if (!item) return undefined;
    path.push(code);
    for (const prerequisite of item.after) {
      const cycle = visit(prerequisite);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(code);
    order.push(item);
    return undefined;
  };
  for (const item of items) {
    const cycle = visit(item.code);
    if (cycle) return { cycle };
  }
  return { order };
}

function findDuplicates(codes: string[]): string[] {
  return [...new Set(codes.filter((code, i) => codes.indexOf(code) !== i))];
}

function isPositiveInteger(n: number): boolean {
  return Number.isInteger(n) && n > 0;
}
