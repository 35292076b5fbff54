import { describe, expect, it } from 'vitest';
import seed from '../../db/seed/catalog.json' with { type: 'json' };
import {
  STAGE_CODES,
  computeCriticalPath,
  findProjectType,
  resolveCasePlan,
  validateCatalog,
  type Catalog,
  type CatalogItem,
  type MaterialRequirement,
  type StageCode,
} from '../../domain/catalog.js';

const catalog = seed as Catalog;

/** a copy of the seed with one defect */
function withChange(change: (c: Catalog) => void): Catalog {
  const copy = structuredClone(catalog);
  change(copy);
  return copy;
}

function getItem(c: Catalog, code: string): CatalogItem {
  const item = c.items.find((i) => i.code === code);
  if (!item) throw new Error(`no item ${code}`);
  return item;
}

function getMaterial(c: Catalog, itemCode: string, code: string): MaterialRequirement {
  const material = getItem(c, itemCode).materials?.find((m) => m.code === code);
  if (!material) throw new Error(`no material ${code} on ${itemCode}`);
  return material;
}

function itemCodesByStage(projectType: string): Record<StageCode, string[]> {
  const plan = resolveCasePlan(catalog, projectType);
  return Object.fromEntries(plan.stages.map((s) => [s.code, s.items.map((i) => i.code)])) as Record<StageCode, string[]>;
}

describe('the seed catalog (SPEC Appendix A)', () => {
  it('validates clean', () => {
    expect(validateCatalog(catalog)).toEqual([]);
  });

  it('is version 2 (checklists added; open cases keep version 1) with the eight departments, four stages and five project types', () => {
    expect(catalog.version).toBe(2);
    expect(catalog.departments.map((d) => d.code)).toEqual(['drc', 'nrp', 'housing', 'eco', 'cad', 'water', 'heritage', 'archives']);
    expect(catalog.stages.map((s) => [s.order, s.code, s.leadDepartment])).toEqual([
      [1, 'land-use-planning', 'nrp'],
      [2, 'engineering-permit', 'nrp'],
      [3, 'construction-permit', 'housing'],
      [4, 'completion-acceptance', 'housing'],
    ]);
    expect(catalog.projectTypes.map((t) => [t.code, t.targetWorkingDays])).toEqual([
      ['gov-building', 110],
      ['gov-linear', 110],
      ['social-general', 70],
      ['social-small', 50],
      ['social-with-scheme', 40],
    ]);
  });

  it.each([
    ['land-use-permit', '建设用地规划许可证'],
    ['planning-permit', '建设工程规划许可证'],
    ['construction-permit', '建筑工程施工许可证'],
    ['completion-filing', '竣工验收备案证明'],
  ])('%s issues %s, and only the four permits issue certificates', (code, certificate) => {
    expect(getItem(catalog, code).certificate?.zh).toBe(certificate);
    expect(catalog.items.filter((i) => i.certificate)).toHaveLength(4);
  });

  it('counts only heritage-survey silence as consent (超时默许)', () => {
    expect(catalog.items.filter((i) => i.deemedConsent).map((i) => i.code)).toEqual(['heritage-survey']);
  });
});

describe('resolveCasePlan', () => {
  it('gives gov-building all 17 items, stage 1 from drc, nrp ×2, eco and heritage', () => {
    const plan = resolveCasePlan(catalog, 'gov-building');
    expect(plan).toMatchObject({ catalogVersion: 2, projectType: 'gov-building', targetWorkingDays: 110 });
    expect(plan.stages.map((s) => s.code)).toEqual(STAGE_CODES);
    expect(plan.stages.flatMap((s) => s.items)).toHaveLength(17);
    expect(plan.stages[0]?.items.map((i) => i.department)).toEqual(['drc', 'nrp', 'nrp', 'eco', 'heritage']);
  });

  // Appendix A's ✓ columns, one row per project type
  it.each([
    ['gov-building', {
      'land-use-planning': ['project-approval', 'land-site-review', 'land-use-permit', 'eia', 'heritage-survey'],
      'engineering-permit': ['design-scheme-review', 'planning-permit', 'cad-design', 'soil-water'],
      'construction-permit': ['drawing-review', 'fire-design-review', 'construction-permit'],
      'completion-acceptance': ['planning-verification', 'fire-acceptance', 'cad-acceptance', 'archives-acceptance', 'completion-filing'],
    }],
    ['gov-linear', {
      'land-use-planning': ['project-approval', 'land-site-review', 'land-use-permit', 'eia', 'heritage-survey'],
      'engineering-permit': ['design-scheme-review', 'planning-permit', 'soil-water'],
      'construction-permit': ['drawing-review', 'construction-permit'],
      'completion-acceptance': ['planning-verification', 'archives-acceptance', 'completion-filing'],
    }],
    ['social-general', {
      'land-use-planning': ['project-approval', 'land-use-permit', 'eia'],
      'engineering-permit': ['design-scheme-review', 'planning-permit', 'cad-design', 'soil-water'],
      'construction-permit': ['drawing-review', 'fire-design-review', 'construction-permit'],
      'completion-acceptance': ['planning-verification', 'fire-acceptance', 'cad-acceptance', 'archives-acceptance', 'completion-filing'],
    }],
    ['social-small', {
      'land-use-planning': ['project-approval', 'land-use-permit'],
      'engineering-permit': ['design-scheme-review', 'planning-permit'],
      'construction-permit': ['fire-design-review', 'construction-permit'],
      'completion-acceptance': ['planning-verification', 'fire-acceptance', 'archives-acceptance', 'completion-filing'],
    }],
    ['social-with-scheme', {
      'land-use-planning': ['project-approval', 'land-use-permit', 'eia'],
      'engineering-permit': ['planning-permit', 'cad-design', 'soil-water'],
      'construction-permit': ['drawing-review', 'fire-design-review', 'construction-permit'],
      'completion-acceptance': ['planning-verification', 'fire-acceptance', 'cad-acceptance', 'archives-acceptance', 'completion-filing'],
    }],
  ])('gives %s the items Appendix A ticks, stage by stage', (projectType, expected) => {
    expect(itemCodesByStage(projectType)).toEqual(expected);
  });

  // Hand-computed from Appendix A; gov-building's 58 is quoted by the SPEC
  it.each([
    ['gov-building', [20, 15, 13, 10], 58],
    ['gov-linear', [20, 15, 13, 10], 58],
    ['social-general', [20, 15, 13, 10], 58],
    ['social-small', [5, 15, 10, 10], 40],
    ['social-with-scheme', [20, 10, 13, 10], 53],
  ])('sets %s stage limits to their critical paths %j (total %i)', (projectType, perStage, total) => {
    const stages = resolveCasePlan(catalog, projectType).stages.map((s) => s.committedDays);
    expect(stages).toEqual(perStage);
    expect(stages.reduce((a, b) => a + b)).toBe(total);
  });

  it.each([
    ['gov-building', 'land-use-permit', ['land-site-review']],
    ['social-general', 'land-use-permit', []],
    ['gov-building', 'planning-permit', ['design-scheme-review']],
    ['social-with-scheme', 'planning-permit', []],
  ])('keeps a named prerequisite only where present: %s %s after %j', (projectType, code, after) => {
    const items = resolveCasePlan(catalog, projectType).stages.flatMap((s) => s.items);
    expect(items.find((i) => i.code === code)?.after).toEqual(after);
  });

  it.each([
    ['gov-building', 'construction-permit', ['drawing-review', 'fire-design-review']],
    ['gov-linear', 'construction-permit', ['drawing-review']],
    ['social-small', 'construction-permit', ['fire-design-review']],
    ['gov-linear', 'completion-filing', ['planning-verification', 'archives-acceptance']],
  ])('expands "*" to the other items of the stage present for the type: %s %s after %j', (projectType, code, after) => {
    const items = resolveCasePlan(catalog, projectType).stages.flatMap((s) => s.items);
    expect(items.find((i) => i.code === code)?.after).toEqual(after);
  });

  it.each([
    [3, 1],
    [5, 1],
    [7, 2],
    [10, 2],
    [20, 4],
  ])('defaults warningDays for %i committed days to %i, max(1, ceil(committed / 5))', (committedDays, warningDays) => {
    const c = withChange((x) => {
      getItem(x, 'eia').committedDays = committedDays;
    });
    const eia = resolveCasePlan(c, 'gov-building').stages[0]?.items.find((i) => i.code === 'eia');
    expect(eia?.warningDays).toBe(warningDays);
  });

  it('keeps warningDays the item sets', () => {
    const c = withChange((x) => {
      getItem(x, 'eia').warningDays = 6;
    });
    expect(resolveCasePlan(c, 'gov-building').stages[0]?.items.find((i) => i.code === 'eia')?.warningDays).toBe(6);
  });

  it('keeps a stage with no items for the type, empty and 0 days', () => {
    const c = withChange((x) => {
      x.projectTypes.push({ code: 'no-acceptance', name: { zh: '无验收', en: 'No acceptance' }, targetWorkingDays: 30, items: ['project-approval'] });
    });
    const plan = resolveCasePlan(c, 'no-acceptance');
    expect(plan.stages.map((s) => [s.code, s.items.length, s.committedDays])).toEqual([
      ['land-use-planning', 1, 5],
      ['engineering-permit', 0, 0],
      ['construction-permit', 0, 0],
      ['completion-acceptance', 0, 0],
    ]);
  });

  it('carries each item\'s materials, and [] for a version-1 item stored without them', () => {
    const c = withChange((x) => {
      x.version = 1;
      delete getItem(x, 'eia').materials;
    });
    const items = resolveCasePlan(c, 'gov-building').stages[0]?.items;
    expect(items?.find((i) => i.code === 'eia')?.materials).toEqual([]);
    expect(items?.find((i) => i.code === 'project-approval')?.materials).toEqual(getItem(catalog, 'project-approval').materials);
  });

  it('throws on an unknown project type', () => {
    expect(() => resolveCasePlan(catalog, 'castle')).toThrow(/unknown project type "castle"/);
  });
});

describe('findProjectType', () => {
  it.each([
    ['social-small', '小型社会投资项目'],
    ['castle', undefined],
  ])('finds %s', (code, zh) => {
    expect(findProjectType(catalog, code)?.name.zh).toBe(zh);
  });
});

describe('computeCriticalPath', () => {
  const item = (code: string, committedDays: number, after: string[] = []) => ({ code, committedDays, after });

  it.each([
    ['no items', [], 0],
    ['one item', [item('a', 5)], 5],
    ['parallel items count once, at the longest', [item('a', 5), item('b', 20), item('c', 10)], 20],
    ['a chain adds up', [item('a', 10), item('b', 5, ['a'])], 15],
    ['a join waits for its longest prerequisite', [item('a', 10), item('b', 7), item('c', 3, ['a', 'b'])], 13],
    ['the longest chain wins over the longest item', [item('a', 4), item('b', 4, ['a']), item('c', 4, ['b']), item('d', 11)], 12],
    ['order of the list does not matter', [item('c', 3, ['b']), item('b', 2, ['a']), item('a', 1)], 6],
  ])('%s', (_, items, days) => {
    expect(computeCriticalPath(items)).toBe(days);
  });

  it.each([
    ['a cycle', [item('a', 1, ['b']), item('b', 1, ['a'])], /cycle/],
    ['an unknown prerequisite', [item('a', 1, ['ghost'])], /unknown item "ghost"/],
  ])('throws on %s', (_, items, message) => {
    expect(() => computeCriticalPath(items)).toThrow(message);
  });
});

describe('validateCatalog', () => {
  it.each<[string, (c: Catalog) => void, RegExp]>([
    ['a cycle', (c) => { getItem(c, 'land-site-review').after = ['land-use-permit']; }, /stage "land-use-planning": cycle: /],
    ['two "*" items in one stage (a cycle)', (c) => { getItem(c, 'drawing-review').after = ['*']; }, /stage "construction-permit": cycle/],
    ['a self prerequisite', (c) => { getItem(c, 'eia').after = ['eia']; }, /cycle: eia after eia/],
    ['an unknown department', (c) => { getItem(c, 'eia').department = 'mars'; }, /item "eia": unknown department "mars"/],
    ['an unknown lead department', (c) => { c.stages[0]!.leadDepartment = 'mars'; }, /stage "land-use-planning": unknown lead department "mars"/],
    ['an after across stages', (c) => { getItem(c, 'planning-permit').after = ['land-use-permit']; }, /item "planning-permit": after "land-use-permit" across stages/],
    ['an unknown item in after', (c) => { getItem(c, 'eia').after = ['ghost']; }, /item "eia": after unknown item "ghost"/],
    ['"*" mixed with codes', (c) => { getItem(c, 'construction-permit').after = ['*', 'drawing-review']; }, /"\*" must stand alone/],
    ['a duplicate item code', (c) => { c.items.push({ ...getItem(c, 'eia') }); }, /duplicate item code "eia"/],
    ['a duplicate department code', (c) => { c.departments.push({ code: 'drc', name: { zh: '发改委', en: 'DRC' } }); }, /duplicate department code "drc"/],
    ['a type listing an unknown item', (c) => { c.projectTypes[0]!.items.push('ghost'); }, /project type "gov-building": unknown item "ghost"/],
    ['a type listing an item twice', (c) => { c.projectTypes[0]!.items.push('eia'); }, /project type "gov-building": item "eia" listed twice/],
    ['committed days over statutory', (c) => { getItem(c, 'eia').committedDays = 61; }, /item "eia": committed days \(61\)/],
    ['zero committed days', (c) => { getItem(c, 'eia').committedDays = 0; }, /item "eia": committed days \(0\)/],
    ['stages out of order', (c) => { c.stages[0]!.order = 2; c.stages[1]!.order = 1; }, /stages must be 1 land-use-planning/],
    ['a missing stage', (c) => { c.stages.pop(); }, /stages must be/],
    ['an item without materials', (c) => { delete getItem(c, 'eia').materials; }, /item "eia": materials must be a list/],
    ['a material code with capitals', (c) => { getMaterial(c, 'eia', 'eia.report').code = 'eia.Report'; }, /material "eia.Report": code must be/],
    ['a material code with a space', (c) => { getMaterial(c, 'eia', 'eia.report').code = 'eia report'; }, /material "eia report": code must be/],
    ['a material code over 80 characters', (c) => { getMaterial(c, 'eia', 'eia.report').code = `eia.${'r'.repeat(77)}`; }, /code must be .* at most 80/],
    ['a material listed twice by one item', (c) => { getItem(c, 'eia').materials!.push({ ...getMaterial(c, 'eia', 'eia.report') }); }, /item "eia": material "eia.report" listed twice/],
    ['zero copies', (c) => { getMaterial(c, 'eia', 'eia.report').copies = 0; }, /material "eia.report": copies must be an integer 1–99, got 0/],
    ['100 copies', (c) => { getMaterial(c, 'eia', 'eia.report').copies = 100; }, /copies must be an integer 1–99, got 100/],
    ['fractional copies', (c) => { getMaterial(c, 'eia', 'eia.report').copies = 1.5; }, /copies must be an integer 1–99, got 1.5/],
    ['a material without an English name', (c) => { getMaterial(c, 'eia', 'eia.report').name.en = ''; }, /material "eia.report": name needs zh and en/],
    ['a deferrable application form', (c) => { getMaterial(c, 'eia', 'eia.application').deferrable = true; }, /item "eia": its application form "eia.application" is never deferrable/],
    ['an item requiring materials without its application form', (c) => { getItem(c, 'eia').materials = getItem(c, 'eia').materials!.filter((m) => m.code !== 'eia.application'); }, /item "eia": requires materials but not its application form "eia.application"/],
    ['a shared code named two ways in one stage', (c) => { getMaterial(c, 'eia', 'business-licence').name.zh = '执照'; }, /stage "land-use-planning": material "business-licence" is named differently by items "project-approval" and "eia"/],
    ['a type stage with nothing deferrable', (c) => {
      for (const code of ['project-approval', 'land-use-permit']) for (const m of getItem(c, code).materials!) m.deferrable = false;
    }, /project type "social-small", stage "land-use-planning": no required material is deferrable/],
    ['a type stage where everything is deferrable', (c) => {
      for (const code of ['fire-design-review', 'construction-permit']) {
        getItem(c, code).materials = getItem(c, code).materials!.filter((m) => m.deferrable);
      }
    }, /project type "social-small", stage "construction-permit": every required material is deferrable/],
    ['a stage checklist over 60 codes', (c) => {
      getItem(c, 'eia').materials!.push(...Array.from({ length: 60 }, (_, i) => ({ code: `eia.extra-${i}`, name: { zh: `附件${i}`, en: `Annex ${i}` }, copies: 1, deferrable: false, optional: false })));
    }, /project type "gov-building", stage "land-use-planning": 7\d required material codes, at most 60/],
  ])('reports %s', (_, change, problem) => {
    const problems = validateCatalog(withChange(change));
    expect(problems).toContainEqual(expect.stringMatching(problem));
  });

  it.each<[string, (c: Catalog) => void]>([
    ['an item that requires nothing ([])', (c) => { getItem(c, 'heritage-survey').materials = []; }],
    ['an item with only optional materials and no application form', (c) => {
      getItem(c, 'heritage-survey').materials = [{ ...getMaterial(c, 'heritage-survey', 'heritage-survey.archaeological-report'), optional: true }];
    }],
    ['a shared code with different copies per item', (c) => { getMaterial(c, 'eia', 'business-licence').copies = 4; }],
  ])('accepts %s', (_, change) => {
    expect(validateCatalog(withChange(change))).toEqual([]);
  });
});
