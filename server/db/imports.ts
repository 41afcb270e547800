import type { Knex } from 'knex';
import type { Rejection } from '../ingest/errors';
import { isoTime, rowsOf, type Db } from './connection';

export interface ImportRecord {
  id: number;
  fileName: string;
  checksum: string;
  format: string | null;
  status: 'imported' | 'rejected' | 'skipped';
  message: string | null;
  rowsTotal: number;
  rowsImported: number;
  rowsDuplicate: number;
  rowsRejected: number;
  rowsWithoutLocation: number;
  firstMonth: string | null;
  lastMonth: string | null;
  startedAt: string;
  finishedAt: string | null;
}

const SELECT = {
  id: 'id',
  fileName: 'file_name',
  checksum: 'checksum',
  format: 'format',
  status: 'status',
  message: 'message',
  rowsTotal: 'rows_total',
  rowsImported: 'rows_imported',
  rowsDuplicate: 'rows_duplicate',
  rowsRejected: 'rows_rejected',
  rowsWithoutLocation: 'rows_without_location',
  firstMonth: 'first_month',
  lastMonth: 'last_month',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
};

const withIsoTimes = (r: ImportRecord): ImportRecord => ({ ...r, startedAt: isoTime(r.startedAt)!, finishedAt: isoTime(r.finishedAt) });

export type ImportSummary = Omit<ImportRecord, 'id' | 'startedAt' | 'finishedAt'>;

/** The log of file imports: what came in, what was refused and why. */
export class ImportStore {
  constructor(private readonly db: Db) {}

  async list(limit = 200): Promise<ImportRecord[]> {
    return (await this.db('import_batch').select(SELECT).orderBy('id', 'desc').limit(limit)).map(withIsoTimes);
  }

  async get(id: number): Promise<ImportRecord | undefined> {
    const row = await this.db('import_batch').select(SELECT).where({ id }).first();
    return row && withIsoTimes(row);
  }

  async rejections(importId: number, limit = 1000, offset = 0): Promise<Rejection[]> {
    return this.db('import_rejection')
      .select('line', 'field', 'value', 'reason')
      .where({ import_id: importId })
      .orderBy(['line', 'id'])
      .limit(limit)
      .offset(offset);
  }

  /** The earlier successful import of a file with this content, if any. */
  async findImported(checksum: string): Promise<ImportRecord | undefined> {
    return this.db('import_batch').select(SELECT).where({ checksum, status: 'imported' }).orderBy('id').first();
  }

  async create(trx: Knex.Transaction | Db, summary: ImportSummary): Promise<number> {
    const inserted = await trx('import_batch')
      .insert({
        file_name: summary.fileName,
        checksum: summary.checksum,
        format: summary.format,
        status: summary.status,
        message: summary.message,
        rows_total: summary.rowsTotal,
        rows_imported: summary.rowsImported,
        rows_duplicate: summary.rowsDuplicate,
        rows_rejected: summary.rowsRejected,
        rows_without_location: summary.rowsWithoutLocation,
        first_month: summary.firstMonth,
        last_month: summary.lastMonth,
      })
      .returning('id');
    return (inserted[0] as { id: number }).id;
  }

  async finish(
    trx: Knex.Transaction | Db,
    id: number,
    patch: Partial<Pick<ImportSummary, 'rowsImported' | 'rowsDuplicate' | 'status' | 'message'>>,
  ): Promise<void> {
    await trx('import_batch')
      .where({ id })
      .update({
        ...(patch.rowsImported !== undefined ? { rows_imported: patch.rowsImported } : {}),
        ...(patch.rowsDuplicate !== undefined ? { rows_duplicate: patch.rowsDuplicate } : {}),
        ...(patch.status !== undefined ? { status: patch.status } : {}),
        ...(patch.message !== undefined ? { message: patch.message } : {}),
        finished_at: trx.fn.now(),
      });
  }

  async addRejections(trx: Knex.Transaction | Db, importId: number, rejections: Rejection[]): Promise<void> {
    for (let i = 0; i < rejections.length; i += 1000) {
      await trx('import_rejection').insert(
        rejections.slice(i, i + 1000).map((r) => ({
          import_id: importId,
          line: r.line,
          field: r.field,
          value: r.value,
          reason: r.reason,
        })),
      );
    }
  }

  async countImported(): Promise<number> {
    const r = await this.db.raw(`SELECT count(*)::int AS n FROM import_batch WHERE status = 'imported'`);
    return rowsOf<{ n: number }>(r)[0]?.n ?? 0;
  }
}
