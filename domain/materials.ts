/**
 * The counter's materials checks (SPEC §6.0–6.1): what a stage requires, everything an
 * applicant's set lacks at once (一次性告知), what may follow after acceptance (容缺受理), and what
 * a later delivery settles.
 *
 * Imported by workflow code, so it runs inside the Temporal sandbox: pure and deterministic.
 *
 * A code names one document. Several items of a stage that list it are met by one material with
 * that code and at least the largest of their copies; several materials with one code add up
 * their copies. Deferring a code defers it for every item that lists it, so a code is deferrable
 * only when every item listing it as required allows deferral: one item that needs the document
 * at acceptance makes it due at acceptance for all.
 */
import type { CasePlan, LocalizedName, MaterialRequirement, StageCode } from './catalog.js';

/** one required material of one item: a stage's checklist has one per (itemCode, code) */
export interface ChecklistEntry {
  itemCode: string;
  code: string;
  name: LocalizedName;
  copies: number;
  deferrable: boolean;
}

/** one code of a checklist across the items that list it */
export interface ChecklistCode {
  code: string;
  name: LocalizedName;
  /** the largest copies among its entries: that many meet every entry */
  copies: number;
  /** every item listing it allows deferral */
  deferrable: boolean;
  itemCodes: string[];
}

/** a material as handed in (a request's Material): only its code and copies count */
export interface SuppliedMaterial {
  name?: string;
  code?: string;
  /** default 1 */
  copies?: number;
}

/** `details.missing` of 422 MATERIALS_INCOMPLETE */
export type MissingMaterial = ChecklistEntry;

/** 容缺: a deferred entry still owed by the applicant; `copies` is what its delivery must bring */
export interface PendingMaterial {
  itemCode: string;
  code: string;
  name: LocalizedName;
  copies: number;
}

export interface MaterialsCheck {
  /** entries not met and not validly deferred; the set is complete when this and `invalidDeferrals` are empty */
  missing: MissingMaterial[];
  /** deferred codes that are unknown to the checklist, not missing, or not deferrable */
  invalidDeferrals: string[];
  /** the missing entries of the validly deferred codes */
  pending: PendingMaterial[];
}

export interface MaterialsDelivery {
  /** pending entries this delivery settles */
  met: PendingMaterial[];
  /** pending entries still owed (too few copies, or not delivered) */
  pending: PendingMaterial[];
  /** delivered codes that were not pending, for 422 MATERIALS_NOT_PENDING */
  notPending: string[];
}

/** The stage's checklist under the case's own catalog version, so later catalog edits never move an open case. */
export function stageChecklist(plan: CasePlan, stage: StageCode): ChecklistEntry[] {
  return createChecklist(plan.stages.find((s) => s.code === stage)?.items ?? []);
}

/**
 * The required materials of these items, in item order then list order. Takes bare catalog items
 * too, so the catalog can be validated before any plan exists; plans recorded before checklists
 * existed have items without `materials`, which require nothing.
 */
export function createChecklist(items: { code: string; materials?: MaterialRequirement[] }[]): ChecklistEntry[] {
  return items.flatMap((item) =>
    (item.materials ?? [])
      .filter((material) => !material.optional)
      .map(({ code, name, copies, deferrable }): ChecklistEntry => ({ itemCode: item.code, code, name, copies, deferrable })),
  );
}

/** One row per code, in first-listed order: what the applicant actually has to bring. */
export function groupChecklistByCode(checklist: ChecklistEntry[]): ChecklistCode[] {
  const byCode = new Map<string, ChecklistCode>();
  for (const entry of checklist) {
    const seen = byCode.get(entry.code);
    if (!seen) {
      byCode.set(entry.code, { code: entry.code, name: entry.name, copies: entry.copies, deferrable: entry.deferrable, itemCodes: [entry.itemCode] });
      continue;
    }
    seen.copies = Math.max(seen.copies, entry.copies);
    seen.deferrable = seen.deferrable && entry.deferrable;
    seen.itemCodes.push(entry.itemCode);
  }
  return [...byCode.values()];
}

/**
 * The counter's check of a set against a checklist, all at once: every unmet entry, every bad
 * deferral, and what is owed once accepted. Entries are compared one by one, so a shared code
 * short of the largest copies is missing only for the items that need more.
 */
export function checkMaterials(checklist: ChecklistEntry[], submitted: SuppliedMaterial[], deferred: string[]): MaterialsCheck {
  const supplied = countCopiesByCode(submitted);
  const unmet = checklist.filter((entry) => (supplied.get(entry.code) ?? 0) < entry.copies);
  const codes = new Map(groupChecklistByCode(checklist).map((code) => [code.code, code]));
  const validDeferrals = new Set<string>();
  const invalidDeferrals: string[] = [];
  for (const code of new Set(deferred)) {
    const isDeferrable = codes.get(code)?.deferrable === true && unmet.some((entry) => entry.code === code);
    if (isDeferrable) validDeferrals.add(code);
    else invalidDeferrals.push(code);
  }
  return {
    missing: unmet.filter((entry) => !validDeferrals.has(entry.code)).map((entry) => ({ ...entry })),
    invalidDeferrals,
    pending: unmet
      .filter((entry) => validDeferrals.has(entry.code))
      .map(({ itemCode, code, name, copies }): PendingMaterial => ({ itemCode, code, name, copies })),
  };
}

/**
 * Settles pending entries with a delivery. Each delivery must bring an entry's full copies (copies
 * handed in at acceptance were too few, so they do not count); materials without a code meet
 * nothing and are no error.
 */
export function deliverMaterials(pending: PendingMaterial[], delivered: SuppliedMaterial[]): MaterialsDelivery {
  const supplied = countCopiesByCode(delivered);
  const pendingCodes = new Set(pending.map((entry) => entry.code));
  const isMet = (entry: PendingMaterial) => (supplied.get(entry.code) ?? 0) >= entry.copies;
  return {
    met: pending.filter(isMet),
    pending: pending.filter((entry) => !isMet(entry)),
    notPending: [...supplied.keys()].filter((code) => !pendingCodes.has(code)),
  };
}

/** copies handed in per code, in first-seen order; materials without a code count for nothing */
function countCopiesByCode(materials: SuppliedMaterial[]): Map<string, number> {
  const copies = new Map<string, number>();
  for (const material of materials) {
    if (!material.code) continue;
    copies.set(material.code, (copies.get(material.code) ?? 0) + (material.copies ?? 1));
  }
  return copies;
}
