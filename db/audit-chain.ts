/**
 * The audit trail's hash chain (SPEC §4 *Audit event*): each event's `hash` is the SHA-256 of
 * its canonical JSON without `hash`: keys sorted at every level, no white space.
 */
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** An event as it is hashed: everything but `hash`. */
export interface ChainedEventBody {
  seq: number;
  type: string;
  at: string;
  actor: Record<string, unknown>;
  data: unknown;
  prevHash: string;
}

export function hashEvent(body: ChainedEventBody): { canonical: string; hash: string } {
  const canonical = canonicalJson(body);
  return { canonical, hash: sha256Hex(canonical) };
}

export interface StoredChainEvent {
  seq: number;
  canonical: string;
  prevHash: string;
  hash: string;
}

/**
 * Recomputes a case's chain from its stored events (oldest first): each hash is the SHA-256 of
 * the stored canonical JSON, each event names the hash before it, seqs run 1, 2, 3 … The first
 * event that fails any of these is the broken link.
 */
export function verifyChain(events: StoredChainEvent[]): { verified: boolean; brokenAtSeq: number | null } {
  let previous = GENESIS_HASH;
  let expectedSeq = 1;
  for (const event of events) {
    let body: Partial<ChainedEventBody> | null = null;
    try {
      body = JSON.parse(event.canonical) as Partial<ChainedEventBody>;
    } catch {
      body = null;
    }
    const intact =
      body !== null &&
      event.seq === expectedSeq &&
      body.seq === event.seq &&
      body.prevHash === previous &&
      event.prevHash === previous &&
      sha256Hex(event.canonical) === event.hash;
    if (!intact) return { verified: false, brokenAtSeq: event.seq };
    previous = event.hash;
    expectedSeq += 1;
  }
  return { verified: true, brokenAtSeq: null };
}
