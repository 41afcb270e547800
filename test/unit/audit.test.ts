import { describe, expect, it } from 'vitest';
import { GENESIS, canonicalJson, chainEntry, entryHash, verifyChain, type AuditEntry, type AuditFields } from '../../server/domain/audit';

const FIRST: AuditFields = {
  seq: 1,
  at: '2026-12-03T10:00:00.000Z',
  userId: 7,
  actor: 'A. Analyst',
  role: 'analyst',
  via: 'session',
  action: 'export',
  target: 'GET /api/hotspots.csv',
  rows: 120,
  detail: { route: 'GET /api/hotspots.csv', access: 'export' },
};

function chain(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (let i = 1; i <= n; i++) {
    out.push(chainEntry(out.at(-1)?.hash ?? GENESIS, { ...FIRST, seq: i, at: new Date(Date.UTC(2026, 11, 3, 10, i)).toISOString(), rows: i * 10 }));
  }
  return out;
}

describe('audit hash chain', () => {
  it('hashes an entry as SHA-256 of the previous hash and the canonical JSON (reference: Python hashlib)', () => {
    // Computed independently: hashlib.sha256(("0"*64 + "\n" + canonical).encode()).hexdigest() with keys sorted.
    expect(canonicalJson({ ...FIRST })).toBe(
      '{"action":"export","actor":"A. Analyst","at":"2026-12-03T10:00:00.000Z","detail":{"access":"export","route":"GET /api/hotspots.csv"},"role":"analyst","rows":120,"seq":1,"target":"GET /api/hotspots.csv","userId":7,"via":"session"}',
    );
    expect(entryHash(GENESIS, FIRST)).toBe('17bb54827d49c54da2d615f8ccc13e5b2d53f6619644325c8dd9f2b4813f0b62');
  });

  it('verifies an untouched chain and finds a changed, a removed and a reordered entry', () => {
    const entries = chain(6);
    expect(verifyChain(entries)).toMatchObject({ ok: true, entries: 6, firstBadSeq: null });

    const changed = entries.map((e) => (e.seq === 4 ? { ...e, rows: 1 } : e));
    expect(verifyChain(changed)).toMatchObject({ ok: false, firstBadSeq: 4 });
    expect(verifyChain(changed).reason).toMatch(/changed after it was written/);

    const removed = entries.filter((e) => e.seq !== 3);
    expect(verifyChain(removed)).toMatchObject({ ok: false, firstBadSeq: 4 });
    expect(verifyChain(removed).reason).toMatch(/does not follow entry 2/);

    expect(verifyChain(entries.slice(1))).toMatchObject({ ok: false, firstBadSeq: 2 });
    expect(verifyChain([entries[0]!, entries[2]!, entries[1]!])).toMatchObject({ ok: false, firstBadSeq: 3 });

    // Re-hashing a changed entry does not help: the next entry still holds the old hash.
    const rehashed = entries.map((e) => (e.seq === 4 ? chainEntry(e.prevHash, { ...e, rows: 1 }) : e));
    expect(verifyChain(rehashed)).toMatchObject({ ok: false, firstBadSeq: 5 });
  });

  it('starts from the newest checkpoint after retention removed the oldest entries', () => {
    const entries = chain(5);
    const checkpoint = chainEntry(entries[4]!.hash, {
      ...FIRST,
      seq: 6,
      action: 'checkpoint',
      target: 'audit retention',
      rows: 3,
      userId: null,
      role: null,
      via: null,
      detail: { prunedThroughSeq: 3, anchorHash: entries[2]!.hash, prunedCount: 3, olderThan: '2026-12-03T10:04:00.000Z' },
    });
    const kept = [entries[3]!, entries[4]!, checkpoint];
    expect(verifyChain(kept)).toMatchObject({ ok: true, entries: 3, anchoredAtCheckpoint: 6 });
    // Removing one more entry than the checkpoint says is seen.
    expect(verifyChain(kept.slice(1))).toMatchObject({ ok: false, firstBadSeq: 5 });
  });

  it('checks its inputs', () => {
    expect(() => entryHash('abc', FIRST)).toThrow(/64 hex digits/);
    expect(() => entryHash(GENESIS, { ...FIRST, at: '3 Dec 2026' })).toThrow(/ISO 8601/);
    expect(() => entryHash(GENESIS, { ...FIRST, seq: 0 })).toThrow(/positive whole number/);
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/finite/);
  });
});
