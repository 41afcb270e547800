import { chainEntry, GENESIS, type AuditEntry, type AuditFields, type CheckpointDetail } from '../domain/audit';
import type { Db } from './connection';

export type NewAuditEntry = Omit<AuditFields, 'seq' | 'at'>;

const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

function toEntry(r: Record<string, unknown>): AuditEntry {
  return {
    seq: Number(r.seq),
    at: new Date(r.at as string).toISOString(),
    userId: (r.user_id as number | null) ?? null,
    actor: r.actor as string,
    role: (r.role as string | null) ?? null,
    via: (r.via as string | null) ?? null,
    action: r.action as string,
    target: r.target as string,
    rows: r.rows === null || r.rows === undefined ? null : Number(r.rows),
    detail: r.detail === null || r.detail === undefined ? null : json(r.detail),
    prevHash: r.prev_hash as string,
    hash: r.hash as string,
  };
}

function toRow(e: AuditEntry): Record<string, unknown> {
  return {
    seq: e.seq,
    at: e.at,
    user_id: e.userId,
    actor: e.actor,
    role: e.role,
    via: e.via,
    action: e.action,
    target: e.target,
    rows: e.rows,
    detail: e.detail === null ? null : JSON.stringify(e.detail),
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

export interface AuditFilter {
  from?: string;
  to?: string;
  action?: string;
  userId?: number;
  limit?: number;
}

/** The append-only audit trail (migrations/20261203000011_audit.ts). */
export class AuditStore {
  constructor(private readonly db: Db) {}

  /**
   * Appends one entry chained to the newest. The table lock makes concurrent appends take turns,
   * so two entries never chain to the same predecessor.
   */
  async append(entry: NewAuditEntry, now = new Date()): Promise<AuditEntry> {
    return this.db.transaction(async (trx) => {
      await trx.raw('LOCK TABLE audit_entry IN EXCLUSIVE MODE');
      return this.appendLocked(trx, entry, now);
    });
  }

  private async appendLocked(trx: Db, entry: NewAuditEntry, now: Date): Promise<AuditEntry> {
    const last = await trx('audit_entry').orderBy('seq', 'desc').first('seq', 'hash');
    const e = chainEntry(last ? (last.hash as string) : GENESIS, { ...entry, seq: last ? Number(last.seq) + 1 : 1, at: now.toISOString() });
    await trx('audit_entry').insert(toRow(e));
    return e;
  }

  /** Entries in seq order, newest last; filtered for viewing. */
  async list(f: AuditFilter = {}): Promise<AuditEntry[]> {
    const q = this.db('audit_entry').select('*');
    if (f.from) q.where('at', '>=', f.from);
    if (f.to) q.where('at', '<', f.to);
    if (f.action) q.where({ action: f.action });
    if (f.userId !== undefined) q.where({ user_id: f.userId });
    if (f.limit !== undefined) {
      const rows = await q.orderBy('seq', 'desc').limit(f.limit);
      return rows.map(toEntry).reverse();
    }
    return (await q.orderBy('seq')).map(toEntry);
  }

  async count(): Promise<number> {
    const [r] = await this.db('audit_entry').count({ n: '*' });
    return Number(r!.n);
  }

  /**
   * Retention: removes entries older than the cutoff. A checkpoint entry is appended first, holding
   * the hash of the last entry removed, so what remains still verifies (domain/audit.ts verifyChain).
   * The newest checkpoint is never removed. Returns how many entries were removed.
   */
  async prune(olderThan: Date, actor: NewAuditEntry['actor'], now = new Date()): Promise<number> {
    return this.db.transaction(async (trx) => {
      await trx.raw('LOCK TABLE audit_entry IN EXCLUSIVE MODE');
      const doomed = await trx('audit_entry').where('at', '<', olderThan).orderBy('seq', 'desc').first('seq', 'hash');
      if (!doomed) return 0;
      const [counted] = await trx('audit_entry').where('seq', '<=', doomed.seq).count({ n: '*' });
      const n = Number(counted!.n);
      const detail: CheckpointDetail = {
        prunedThroughSeq: Number(doomed.seq),
        anchorHash: doomed.hash as string,
        prunedCount: Number(n),
        olderThan: olderThan.toISOString(),
      };
      await this.appendLocked(
        trx,
        {
          userId: null,
          actor,
          role: null,
          via: null,
          action: 'checkpoint',
          target: 'audit retention',
          rows: Number(n),
          detail: { ...detail },
        },
        now,
      );
      await trx.raw("SET LOCAL harmgrid.audit_prune = 'on'");
      await trx('audit_entry').where('seq', '<=', doomed.seq).delete();
      return Number(n);
    });
  }
}
