import type { Knex } from 'knex';
import type { Db } from './connection';

export interface AggregateRow {
  source: string;
  measure: string;
  areaCode: string;
  areaName: string | null;
  areaType: string;
  periodType: string;
  periodLabel: string;
  periodStart: string;
  periodEnd: string;
  ageBand: string;
  /** Null when the publisher suppressed the value. */
  value: number | null;
  suppressionMarker: string | null;
  revision: string;
}

const SELECT = {
  source: 'source',
  measure: 'measure',
  areaCode: 'area_code',
  areaName: 'area_name',
  areaType: 'area_type',
  periodType: 'period_type',
  periodLabel: 'period_label',
  periodStart: 'period_start',
  periodEnd: 'period_end',
  ageBand: 'age_band',
  value: 'value',
  suppressionMarker: 'suppression_marker',
  revision: 'revision',
};

/** Published area-period counts from partners (hospital admissions, Homicide Index). */
export class AggregateStore {
  constructor(private readonly db: Db | Knex.Transaction) {}

  /** Inserts rows, replacing stored values with the same key (a revision); counts both. */
  async upsert(rows: AggregateRow[], importId: number): Promise<{ inserted: number; replaced: number }> {
    let inserted = 0,
      replaced = 0;
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500).map((r) => ({
        source: r.source,
        measure: r.measure,
        area_code: r.areaCode,
        area_name: r.areaName,
        area_type: r.areaType,
        period_type: r.periodType,
        period_label: r.periodLabel,
        period_start: r.periodStart,
        period_end: r.periodEnd,
        age_band: r.ageBand,
        value: r.value,
        suppression_marker: r.suppressionMarker,
        revision: r.revision,
        import_id: importId,
      }));
      // xmax = 0 marks a freshly inserted row in PostgreSQL; a replaced row has a non-zero xmax.
      const result = (await this.db('aggregate_count')
        .insert(chunk)
        .onConflict(['source', 'measure', 'area_code', 'period_type', 'period_label', 'age_band'])
        .merge(['area_name', 'area_type', 'period_start', 'period_end', 'value', 'suppression_marker', 'revision', 'import_id'])
        .returning(this.db.raw('(xmax = 0) AS inserted') as unknown as string)) as unknown as { inserted: boolean }[];
      for (const r of result) {
        if (r.inserted) inserted += 1;
        else replaced += 1;
      }
    }
    return { inserted, replaced };
  }

  async list(f: {
    source?: string | undefined;
    measure?: string | undefined;
    areaCode?: string | undefined;
    periodType?: string | undefined;
  }): Promise<AggregateRow[]> {
    const q = this.db('aggregate_count').select(SELECT).orderBy(['source', 'measure', 'area_code', 'period_start', 'age_band']);
    if (f.source) q.where('source', f.source);
    if (f.measure) q.where('measure', f.measure);
    if (f.areaCode) q.where('area_code', f.areaCode);
    if (f.periodType) q.where('period_type', f.periodType);
    return q;
  }

  /** Each published source and measure: how many values, how many suppressed, the periods and revisions it holds. */
  async sources(): Promise<
    {
      source: string;
      measure: string;
      values: number;
      suppressed: number;
      periodTypes: string[];
      firstPeriod: string;
      lastPeriod: string;
      revisions: string[];
    }[]
  > {
    const rows = await this.db('aggregate_count')
      .select('source', 'measure')
      .count({ values: '*' })
      .select(this.db.raw('count(*) FILTER (WHERE value IS NULL) AS suppressed'))
      .select(this.db.raw('array_agg(DISTINCT period_type ORDER BY period_type) AS "periodTypes"'))
      .select(this.db.raw('min(period_start) AS "firstPeriod"'), this.db.raw('max(period_end) AS "lastPeriod"'))
      .select(this.db.raw('array_agg(DISTINCT revision ORDER BY revision) AS revisions'))
      .groupBy('source', 'measure')
      .orderBy(['source', 'measure']);
    return rows.map((r: Record<string, unknown>) => ({ ...r, values: Number(r.values), suppressed: Number(r.suppressed) })) as never;
  }
}
