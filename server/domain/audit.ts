import { createHash } from 'node:crypto';

/**
 * The audit trail's tamper evidence: a hash chain. Each entry's hash is
 *   SHA-256( previous entry's hash ‖ "\n" ‖ canonical JSON of the entry's fields )
 * with the first entry chained to GENESIS (64 zeros). Changing, removing or reordering any entry
 * changes every later hash, so verification finds the first entry that no longer fits (the idea of
 * Haber & Stornetta, "How to time-stamp a digital document", J. Cryptology 3, 1991; the same linking
 * as Certificate Transparency's log, RFC 6962, without the Merkle tree).
 *
 * Retention removes the oldest entries. So that the rest stays verifiable, pruning first appends a
 * checkpoint entry that records the hash of the last entry removed; verification starts from the
 * newest checkpoint's anchor instead of GENESIS, and every removed entry must be older than it.
 *
 * Canonical JSON: object keys sorted, no whitespace, times as ISO 8601 UTC with milliseconds, so the
 * hash does not depend on how the database hands a row back.
 *
 * @example
 *   const a = chainEntry(GENESIS, { seq: 1, at: '2026-12-03T10:00:00.000Z', action: 'sign-in', … });
 *   verifyChain([a]).ok // true; change a.rows and it is false with firstBadSeq 1
 */
export const GENESIS = '0'.repeat(64);

export interface AuditFields {
  seq: number;
  /** ISO 8601 UTC with milliseconds. */
  at: string;
  userId: number | null;
  actor: string;
  role: string | null;
  via: string | null;
  /** sign-in, sign-in-failed, sign-out, import, delete, definition, export, record-read, write, admin, checkpoint */
  action: string;
  /** What was touched: the route and its parameters, a user name, a file. */
  target: string;
  /** Rows returned or changed, when known. */
  rows: number | null;
  detail: Record<string, unknown> | null;
}

export interface AuditEntry extends AuditFields {
  prevHash: string;
  hash: string;
}

/** Detail of a checkpoint entry written before entries are removed by retention. */
export interface CheckpointDetail {
  /** The last seq removed by this pruning and its hash: the anchor the remaining entries chain to. */
  prunedThroughSeq: number;
  anchorHash: string;
  prunedCount: number;
  olderThan: string;
}

export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`audit entries hold finite numbers only; got ${value}`);
  return JSON.stringify(value);
}

export function entryHash(prevHash: string, fields: AuditFields): string {
  if (!/^[0-9a-f]{64}$/.test(prevHash)) throw new Error(`previous hash must be 64 hex digits; got "${prevHash}"`);
  if (!Number.isInteger(fields.seq) || fields.seq < 1) throw new Error(`audit seq must be a positive whole number; got ${fields.seq}`);
  if (Number.isNaN(Date.parse(fields.at)) || new Date(fields.at).toISOString() !== fields.at)
    throw new Error(`audit time must be ISO 8601 UTC with milliseconds; got "${fields.at}"`);
  const body: AuditFields = {
    seq: fields.seq,
    at: fields.at,
    userId: fields.userId,
    actor: fields.actor,
    role: fields.role,
    via: fields.via,
    action: fields.action,
    target: fields.target,
    rows: fields.rows,
    detail: fields.detail,
  };
  return createHash('sha256')
    .update(`${prevHash}\n${canonicalJson(body)}`)
    .digest('hex');
}

export function chainEntry(prevHash: string, fields: AuditFields): AuditEntry {
  return { ...fields, prevHash, hash: entryHash(prevHash, fields) };
}

export interface ChainCheck {
  ok: boolean;
  entries: number;
  /** The first entry that does not fit, or null. */
  firstBadSeq: number | null;
  reason: string | null;
  /** seq of the newest checkpoint the chain starts from, or null (chained to GENESIS). */
  anchoredAtCheckpoint: number | null;
}

/**
 * Checks entries in seq order: each stores the hash of the one before, and its own hash recomputes.
 * The first entry must chain to the newest checkpoint's anchor (or GENESIS when nothing was pruned).
 */
export function verifyChain(entries: readonly AuditEntry[]): ChainCheck {
  const bad = (e: AuditEntry, reason: string, anchoredAtCheckpoint: number | null): ChainCheck => ({
    ok: false,
    entries: entries.length,
    firstBadSeq: e.seq,
    reason,
    anchoredAtCheckpoint,
  });
  let checkpoint: AuditEntry | null = null;
  for (const e of entries) if (e.action === 'checkpoint') checkpoint = e;
  const anchor = checkpoint ? (checkpoint.detail as unknown as CheckpointDetail).anchorHash : GENESIS;
  const anchoredAt = checkpoint ? checkpoint.seq : null;
  const startSeq = checkpoint ? (checkpoint.detail as unknown as CheckpointDetail).prunedThroughSeq : 0;
  let prev = anchor;
  let prevSeq = startSeq;
  for (const e of entries) {
    if (e.seq <= prevSeq) return bad(e, `entry ${e.seq} is out of order (after ${prevSeq})`, anchoredAt);
    if (e.prevHash !== prev) {
      return bad(
        e,
        prevSeq === startSeq
          ? `entry ${e.seq} does not chain to the ${checkpoint ? `checkpoint ${checkpoint.seq}'s anchor` : 'start of the trail'}: entries before it are missing`
          : `entry ${e.seq} does not follow entry ${prevSeq}: an entry between them was removed or changed`,
        anchoredAt,
      );
    }
    if (entryHash(e.prevHash, e) !== e.hash) return bad(e, `entry ${e.seq} was changed after it was written (its hash no longer matches)`, anchoredAt);
    prev = e.hash;
    prevSeq = e.seq;
  }
  return { ok: true, entries: entries.length, firstBadSeq: null, reason: null, anchoredAtCheckpoint: anchoredAt };
}
