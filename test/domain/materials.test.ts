import { describe, expect, it } from 'vitest';
import seed from '../../db/seed/catalog.json' with { type: 'json' };
import { STAGE_CODES, applicationFormCode, resolveCasePlan, validateCatalog, type Catalog, type CasePlan } from '../../domain/catalog.js';
import {
  checkMaterials,
  createChecklist,
  deliverMaterials,
  groupChecklistByCode,
  stageChecklist,
  type ChecklistEntry,
  type PendingMaterial,
  type SuppliedMaterial,
} from '../../domain/materials.js';

const catalog = seed as Catalog;
const PROJECT_TYPES = catalog.projectTypes.map((t) => t.code);

const name = (code: string) => ({ zh: `材料 ${code}`, en: `material ${code}` });
const entry = (itemCode: string, code: string, copies = 1, deferrable = false): ChecklistEntry => ({ itemCode, code, name: name(code), copies, deferrable });
const pendingOf = (itemCode: string, code: string, copies = 1): PendingMaterial => ({ itemCode, code, name: name(code), copies });

/** exactly what a stage asks for: one material per code with the largest copies */
function completeSet(checklist: ChecklistEntry[]) {
  return groupChecklistByCode(checklist).map((c) => ({ name: c.name.zh, code: c.code, copies: c.copies }));
}

describe('the seed checklists (SPEC §6.0, §6.1)', () => {
  it('validate clean', () => {
    expect(validateCatalog(catalog)).toEqual([]);
  });

  it('give every item of Appendix A its non-deferrable application form and some documents of its own', () => {
    for (const item of catalog.items) {
      const form = item.materials?.find((m) => m.code === applicationFormCode(item.code));
      expect(form, item.code).toMatchObject({ copies: expect.any(Number), deferrable: false, optional: false });
      expect(item.materials?.filter((m) => m.code.startsWith(`${item.code}.`) && m !== form).length, item.code).toBeGreaterThan(0);
    }
  });

  it.each([
    ['eia', ['eia.report', 'eia.technical-assessment']],
    ['land-use-permit', ['red-line-map', 'land-use-permit.land-grant-contract']],
    ['drawing-review', ['construction-drawings', 'drawing-review.geotechnical-report']],
    [
      'construction-permit',
      ['construction-permit.construction-contract', 'construction-permit.supervision-contract', 'construction-permit.quality-safety-supervision', 'construction-permit.funding-proof'],
    ],
    ['completion-filing', ['completion-report', 'completion-filing.quality-warranty']],
  ])('ask %s for %j', (itemCode, codes) => {
    const listed = catalog.items.find((i) => i.code === itemCode)?.materials?.map((m) => m.code);
    expect(listed).toEqual(expect.arrayContaining(codes));
  });

  it('share the business licence across every item under one code', () => {
    for (const item of catalog.items) expect(item.materials?.map((m) => m.code), item.code).toContain('business-licence');
  });

  it.each(PROJECT_TYPES.flatMap((type) => STAGE_CODES.map((stage) => [type, stage] as const)))(
    'let %s %s be accepted with something deferred, never with nothing in hand',
    (type, stage) => {
      const codes = groupChecklistByCode(stageChecklist(resolveCasePlan(catalog, type), stage));
      expect(codes.some((c) => c.deferrable)).toBe(true);
      expect(codes.some((c) => !c.deferrable)).toBe(true);
      expect(codes.length).toBeLessThanOrEqual(60);
    },
  );
});

describe('stageChecklist', () => {
  const plan = resolveCasePlan(catalog, 'social-small');

  it('lists the required materials of the stage items, in item order then list order, without optional ones', () => {
    const checklist = stageChecklist(plan, 'land-use-planning');
    expect(checklist.map((e) => `${e.itemCode} ${e.code}`)).toEqual([
      'project-approval project-approval.application',
      'project-approval business-licence',
      'project-approval power-of-attorney',
      'project-approval feasibility-study',
      'project-approval project-approval.energy-review',
      'project-approval project-approval.social-stability',
      'land-use-permit land-use-permit.application',
      'land-use-permit business-licence',
      'land-use-permit power-of-attorney',
      'land-use-permit red-line-map',
      'land-use-permit land-use-permit.land-grant-contract',
      'land-use-permit land-use-permit.land-premium-receipt',
      'land-use-permit land-use-permit.topographic-map',
    ]);
    expect(checklist[3]).toEqual({
      itemCode: 'project-approval',
      code: 'feasibility-study',
      name: { zh: '可行性研究报告（或项目申请报告）', en: 'Feasibility study report (or project application report)' },
      copies: 3,
      deferrable: false,
    });
  });

  it('takes only the items the type has in that stage', () => {
    const codes = stageChecklist(plan, 'construction-permit').map((e) => e.itemCode);
    expect([...new Set(codes)]).toEqual(['fire-design-review', 'construction-permit']);
  });

  it('is empty for a plan from catalog version 1, whose items carry no materials', () => {
    const old = structuredClone(plan) as CasePlan;
    for (const stage of old.stages) for (const item of stage.items) delete (item as { materials?: unknown }).materials;
    expect(stageChecklist(old, 'land-use-planning')).toEqual([]);
  });
});

describe('groupChecklistByCode', () => {
  it('keeps one row per code with the largest copies, deferrable only when every item allows it', () => {
    const checklist = [entry('a', 'form-a'), entry('a', 'licence', 1, true), entry('b', 'licence', 3, false), entry('b', 'study', 2, true), entry('c', 'study', 1, true)];
    expect(groupChecklistByCode(checklist)).toEqual([
      { code: 'form-a', name: name('form-a'), copies: 1, deferrable: false, itemCodes: ['a'] },
      { code: 'licence', name: name('licence'), copies: 3, deferrable: false, itemCodes: ['a', 'b'] },
      { code: 'study', name: name('study'), copies: 2, deferrable: true, itemCodes: ['b', 'c'] },
    ]);
  });
});

describe('createChecklist', () => {
  it('drops optional materials and keeps item order', () => {
    const items = [
      { code: 'b', materials: [{ code: 'b.form', name: name('b.form'), copies: 2, deferrable: false, optional: false }] },
      { code: 'a', materials: [{ code: 'a.extra', name: name('a.extra'), copies: 1, deferrable: false, optional: true }] },
      { code: 'c' },
    ];
    expect(createChecklist(items)).toEqual([entry('b', 'b.form', 2)]);
  });
});

describe('checkMaterials', () => {
  it.each(PROJECT_TYPES.flatMap((type) => STAGE_CODES.map((stage) => [type, stage] as const)))(
    'accepts a complete %s %s set with nothing missing or pending',
    (type, stage) => {
      const checklist = stageChecklist(resolveCasePlan(catalog, type), stage);
      expect(checkMaterials(checklist, completeSet(checklist), [])).toEqual({ missing: [], invalidDeferrals: [], pending: [] });
    },
  );

  it('lists every missing entry at once (一次性告知), in checklist order', () => {
    const checklist = stageChecklist(resolveCasePlan(catalog, 'social-small'), 'land-use-planning');
    const brought = completeSet(checklist).filter((m) => !['feasibility-study', 'red-line-map', 'land-use-permit.topographic-map'].includes(m.code));
    const { missing } = checkMaterials(checklist, brought, []);
    expect(missing.map((m) => [m.itemCode, m.code, m.copies, m.deferrable])).toEqual([
      ['project-approval', 'feasibility-study', 3, false],
      ['land-use-permit', 'red-line-map', 2, false],
      ['land-use-permit', 'land-use-permit.topographic-map', 1, true],
    ]);
    expect(missing[1]?.name).toEqual({ zh: '建设用地规划图纸（用地红线图）', en: 'Land-use planning drawing (red-line map of the site)' });
  });

  it('lists a whole empty set as missing, entry by entry', () => {
    const checklist = [entry('a', 'licence'), entry('b', 'licence'), entry('b', 'b.form')];
    expect(checkMaterials(checklist, [], []).missing).toEqual(checklist);
  });

  it('meets a code shared by several items with one material carrying the largest copies', () => {
    const checklist = [entry('a', 'study', 3), entry('b', 'study', 1), entry('c', 'study', 2)];
    expect(checkMaterials(checklist, [{ name: '可研', code: 'study', copies: 3 }], []).missing).toEqual([]);
  });

  it('leaves a shared code missing only for the items that need more copies than were brought', () => {
    const checklist = [entry('a', 'study', 3), entry('b', 'study', 1), entry('c', 'study', 2)];
    expect(checkMaterials(checklist, [{ name: '可研', code: 'study', copies: 2 }], []).missing).toEqual([entry('a', 'study', 3)]);
  });

  it.each([
    ['two entries of 1 and 2 copies', [{ name: 'x', code: 'study', copies: 1 }, { name: 'x', code: 'study', copies: 2 }], []],
    ['three entries without copies (1 each)', [{ name: 'x', code: 'study' }, { name: 'y', code: 'study' }, { name: 'z', code: 'study' }], []],
    ['two entries without copies', [{ name: 'x', code: 'study' }, { name: 'y', code: 'study' }], [entry('a', 'study', 3)]],
  ])('adds up the copies of several materials with one code: %s', (_, submitted, missing) => {
    expect(checkMaterials([entry('a', 'study', 3)], submitted, []).missing).toEqual(missing);
  });

  it('counts nothing for a material without a code or with a code outside the checklist', () => {
    const checklist = [entry('a', 'a.form')];
    const submitted = [{ name: 'a.form' }, { name: '申请表', copies: 5 }, { name: 'x', code: 'b.form', copies: 2 }];
    expect(checkMaterials(checklist, submitted, [])).toEqual({ missing: checklist, invalidDeferrals: [], pending: [] });
  });

  it('defers a missing deferrable code for every item listing it (容缺受理): pending, no longer missing', () => {
    const checklist = [entry('a', 'a.form'), entry('a', 'study', 2, true), entry('b', 'b.form'), entry('b', 'study', 1, true)];
    const result = checkMaterials(checklist, [{ name: 'x', code: 'a.form' }, { name: 'y', code: 'b.form' }], ['study']);
    expect(result).toEqual({ missing: [], invalidDeferrals: [], pending: [pendingOf('a', 'study', 2), pendingOf('b', 'study', 1)] });
  });

  it('keeps pending only the items a deferred code still falls short for', () => {
    const checklist = [entry('a', 'study', 2, true), entry('b', 'study', 1, true)];
    const result = checkMaterials(checklist, [{ name: 'y', code: 'study' }], ['study']);
    expect(result).toEqual({ missing: [], invalidDeferrals: [], pending: [pendingOf('a', 'study', 2)] });
  });

  it.each<[string, ChecklistEntry[], SuppliedMaterial[], string, ChecklistEntry[]]>([
    ['not deferrable', [entry('a', 'a.form'), entry('a', 'study', 1, true)], [{ code: 'study' }], 'a.form', [entry('a', 'a.form')]],
    [
      'deferrable for one item but not for another item listing it',
      [entry('a', 'licence', 1, true), entry('b', 'licence')],
      [],
      'licence',
      [entry('a', 'licence', 1, true), entry('b', 'licence')],
    ],
    ['unknown to the checklist', [entry('a', 'a.form')], [{ code: 'a.form' }], 'ghost', []],
    ['not missing', [entry('a', 'study', 1, true)], [{ code: 'study' }], 'study', []],
  ])('refuses the deferral of a code %s, leaving its entries missing', (_, checklist, submitted, deferred, missing) => {
    expect(checkMaterials(checklist, submitted, [deferred])).toEqual({ missing, invalidDeferrals: [deferred], pending: [] });
  });

  it('names each bad deferral once, in the order given, beside the valid ones', () => {
    const checklist = [entry('a', 'a.form'), entry('a', 'study', 1, true)];
    const result = checkMaterials(checklist, [], ['ghost', 'study', 'a.form', 'ghost']);
    expect(result).toEqual({ missing: [entry('a', 'a.form')], invalidDeferrals: ['ghost', 'a.form'], pending: [pendingOf('a', 'study')] });
  });

  it('accepts a seed stage set with its deferrable documents deferred', () => {
    const checklist = stageChecklist(resolveCasePlan(catalog, 'gov-building'), 'construction-permit');
    const deferred = groupChecklistByCode(checklist).filter((c) => c.deferrable).map((c) => c.code);
    const brought = completeSet(checklist).filter((m) => !deferred.includes(m.code));
    const result = checkMaterials(checklist, brought, deferred);
    expect(result.missing).toEqual([]);
    expect(result.invalidDeferrals).toEqual([]);
    expect(result.pending.map((p) => `${p.itemCode} ${p.code}`)).toEqual([
      'drawing-review drawing-review.structural-calculation',
      'drawing-review drawing-review.energy-calculation',
      'fire-design-review fire-design-review.designer-qualification',
      'construction-permit construction-permit.supervision-contract',
      'construction-permit construction-permit.quality-safety-supervision',
      'construction-permit construction-permit.site-readiness',
    ]);
  });
});

describe('deliverMaterials', () => {
  const pending = [pendingOf('a', 'study', 2), pendingOf('b', 'study', 1), pendingOf('b', 'survey', 1)];

  it('settles the entries whose copies arrive and keeps the rest pending', () => {
    expect(deliverMaterials(pending, [{ code: 'survey' }])).toEqual({ met: [pendingOf('b', 'survey')], pending: pending.slice(0, 2), notPending: [] });
  });

  it('leaves an entry pending when too few copies arrive', () => {
    expect(deliverMaterials(pending, [{ code: 'study', copies: 1 }])).toEqual({
      met: [pendingOf('b', 'study', 1)],
      pending: [pendingOf('a', 'study', 2), pendingOf('b', 'survey')],
      notPending: [],
    });
  });

  it('adds up the copies of one delivery', () => {
    const result = deliverMaterials(pending, [{ code: 'study' }, { code: 'study' }, { code: 'survey', copies: 1 }]);
    expect(result).toEqual({ met: pending, pending: [], notPending: [] });
  });

  it('names the delivered codes that were not pending, once each, and ignores materials without a code', () => {
    const result = deliverMaterials(pending, [{ code: 'ghost' }, { code: 'survey' }, { copies: 3 }, { code: 'a.form' }, { code: 'ghost' }]);
    expect(result.notPending).toEqual(['ghost', 'a.form']);
    expect(result.met).toEqual([pendingOf('b', 'survey')]);
  });

  it('settles nothing when nothing is pending', () => {
    expect(deliverMaterials([], [{ code: 'study' }])).toEqual({ met: [], pending: [], notPending: ['study'] });
  });
});
