// placeholder while measuring the write path; replaced before commit
export type ScaleReport = { cases: number; reads: Record<string, import('./measure.js').Summary>; worker?: { residentMiB: number; cacheSize: number | null; cacheLimit: number; cacheHitRate: number | null; replayMs: number } };
export type SeededReport = { cases: number; reads: Record<string, import('./measure.js').Summary> };
export async function measureScale(..._args: unknown[]): Promise<ScaleReport> { throw new Error('not yet'); }
export async function measureSeededReadModel(..._args: unknown[]): Promise<SeededReport> { throw new Error('not yet'); }
