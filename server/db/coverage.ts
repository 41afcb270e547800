import type { Knex } from 'knex';
import type { SourceCounts } from '../domain/coverage';
import type { DefinitionRules } from '../domain/definitions';
import { rowsOf, type Db } from './connection';
import { ROLLUP_RESOLUTION } from '../domain/h3cell';
import { filteredCube } from './incidentQueries';

export interface ForceSourceCounts extends SourceCounts {
  force: string | null;
}

export interface ReplacementRecord {
  importId: number;
  replacedImportId: number | null;
  source: string;
  force: string | null;
  month: string;
  rowsBefore: number;
  rowsAfter: number;
  rowsKept: number;
  rowsAdded: number;
  rowsWithdrawn: number;
}

/**
 * Reads coverage: the per-import, month, district and day counts the triggers of migration
 * 20261203000040 keep, with the month spans of the imports that brought them.
 */
export class CoverageStore {
  constructor(private readonly db: Db | Knex.Transaction) {}

  /** Counts of every force and source, month by month, with their imports' spans. */
  async counts(forces?: string[]): Promise<ForceSourceCounts[]> {
    const where = forces?.length ? 'WHERE c.force_code = ANY(?::text[])' : '';
    const bind = forces?.length ? [forces as unknown as Knex.RawBinding] : [];
    const [byDistrict, byDay, extents, spans] = await Promise.all([
      this.db.raw(
        `SELECT c.force_code AS force, c.source, to_char(c.month, 'YYYY-MM') AS month, c.district_code AS district, sum(c.incidents)::int AS n
        FROM coverage_count c ${where} GROUP BY 1, 2, 3, 4`,
        bind,
      ),
      this.db.raw(
        `SELECT c.force_code AS force, c.source, to_char(c.month, 'YYYY-MM') AS month, to_char(c.day, 'YYYY-MM-DD') AS day, sum(c.incidents)::int AS n
        FROM coverage_count c ${where ? `${where} AND` : 'WHERE'} c.day IS NOT NULL GROUP BY 1, 2, 3, 4`,
        bind,
      ),
      this.db.raw(
        `SELECT c.force_code AS force, c.source, to_char(min(c.day), 'YYYY-MM-DD') AS first, to_char(max(c.day), 'YYYY-MM-DD') AS last
        FROM coverage_count c ${where ? `${where} AND` : 'WHERE'} c.day IS NOT NULL GROUP BY c.force_code, c.source, c.import_id`,
        bind,
      ),
      this.db.raw(
        `SELECT DISTINCT c.force_code AS force, c.source, b.first_month AS first, b.last_month AS last
        FROM coverage_count c JOIN import_batch b ON b.id = c.import_id
        ${where ? `${where} AND` : 'WHERE'} b.status = 'imported' AND b.first_month IS NOT NULL AND b.last_month IS NOT NULL`,
        bind,
      ),
    ]);
    const out = new Map<string, ForceSourceCounts>();
    const series = (force: string | null, source: string) => {
      const key = `${force ?? ''}|${source}`;
      let s = out.get(key);
      if (!s) {
        s = { force, source, months: [], imports: [] };
        out.set(key, s);
      }
      return s;
    };
    const month = (s: ForceSourceCounts, m: string) => {
      let x = s.months.find((y) => y.month === m);
      if (!x) {
        x = { month: m, incidents: 0, days: new Map(), districts: new Map() };
        s.months.push(x);
      }
      return x;
    };
    type Row = { force: string | null; source: string; month: string; n: number };
    for (const r of rowsOf<Row & { district: string | null }>(byDistrict)) {
      const m = month(series(r.force, r.source), r.month);
      m.incidents += r.n;
      if (r.district) m.districts.set(r.district, (m.districts.get(r.district) ?? 0) + r.n);
    }
    for (const r of rowsOf<Row & { day: string }>(byDay)) month(series(r.force, r.source), r.month).days.set(r.day, r.n);
    for (const r of rowsOf<{ force: string | null; source: string; first: string; last: string }>(spans))
      series(r.force, r.source).imports.push({ first: r.first, last: r.last });
    for (const r of rowsOf<{ force: string | null; source: string; first: string; last: string }>(extents)) {
      const s = series(r.force, r.source);
      (s.extents ??= []).push({ first: r.first, last: r.last });
    }
    for (const s of out.values()) s.months.sort((a, b) => a.month.localeCompare(b.month));
    return [...out.values()].sort((a, b) => `${a.force}|${a.source}`.localeCompare(`${b.force}|${b.source}`));
  }

  /** The sources holding incidents of a definition, per force (any month). */
  async definitionSources(
    definition: DefinitionRules,
    schemeId: number,
    forces?: string[],
    sources?: string[],
  ): Promise<{ force: string | null; source: string }[]> {
    // No cell read: the rollup answers.
    const q = filteredCube({ from: '1900-01', to: '9999-12', definition, schemeId, forces, sources }, undefined, ROLLUP_RESOLUTION);
    const result = await this.db.raw(`SELECT i.force_code AS force, i.source FROM ${q.from} GROUP BY 1, 2 HAVING sum(${q.n}) > 0`, q.bindings);
    return rowsOf(result);
  }

  /** Counts per source reference of the stored incidents of these months (what a re-publication replaces). */
  async storedRefs(
    trx: Knex.Transaction | Db,
    source: string,
    force: string | null,
    months: string[],
  ): Promise<{ month: string; ref: string; importId: number | null }[]> {
    const result = await trx.raw(
      `SELECT to_char(month, 'YYYY-MM') AS month, source_ref AS ref, import_id AS "importId" FROM incident
       WHERE source = ? AND force_code IS NOT DISTINCT FROM ? AND month = ANY(?::date[])`,
      [source, force, months.map((m) => `${m}-01`) as unknown as Knex.RawBinding],
    );
    return rowsOf(result);
  }

  async recordReplacements(trx: Knex.Transaction | Db, rows: ReplacementRecord[]): Promise<void> {
    if (rows.length === 0) return;
    await trx('import_replacement').insert(
      rows.map((r) => ({
        import_id: r.importId,
        replaced_import_id: r.replacedImportId,
        source: r.source,
        force_code: r.force,
        month: r.month,
        rows_before: r.rowsBefore,
        rows_after: r.rowsAfter,
        rows_kept: r.rowsKept,
        rows_added: r.rowsAdded,
        rows_withdrawn: r.rowsWithdrawn,
      })),
    );
  }

  async replacements(importId?: number): Promise<ReplacementRecord[]> {
    const q = this.db('import_replacement')
      .select({
        importId: 'import_id',
        replacedImportId: 'replaced_import_id',
        source: 'source',
        force: 'force_code',
        month: 'month',
        rowsBefore: 'rows_before',
        rowsAfter: 'rows_after',
        rowsKept: 'rows_kept',
        rowsAdded: 'rows_added',
        rowsWithdrawn: 'rows_withdrawn',
      })
      .orderBy(['import_id', 'month']);
    return importId === undefined ? q : q.where({ import_id: importId });
  }
}
