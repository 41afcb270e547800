import type { Knex } from 'knex';
import type { BoundaryKind } from '../domain/geography/boundaries';
import type { LsoaDeprivation } from '../domain/geography/deprivation';
import { rowsOf, type Db } from './connection';

export interface BoundaryRecord {
  kind: BoundaryKind;
  vintage: string;
  code: string;
  name: string;
  districtCode: string | null;
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown };
  areaKm2: number;
}

export interface LookupRow {
  lsoaCode: string;
  wardCode: string;
  wardName: string;
  districtCode: string;
  districtName: string;
}

const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

/** Boundaries, deprivation and the incident tags that point-in-polygon gives. */
export class GeographyStore {
  constructor(private readonly db: Db | Knex.Transaction) {}

  /**
   * Stores these boundaries of one set (kind + vintage), replacing features with the same codes and
   * keeping the others: one force's file never removes another force's districts, wards or LSOAs.
   */
  async replaceBoundaries(kind: BoundaryKind, vintage: string, rows: BoundaryRecord[], importId: number): Promise<void> {
    const codes = rows.map((b) => b.code);
    // A district keeps the force it had (declared or from its incidents) across a reload of its outline.
    const kept = new Map(
      (await this.db('boundary').where({ kind, vintage }).whereIn('code', codes).select('code', 'force_code', 'force_declared')).map(
        (r: { code: string; force_code: string | null; force_declared: boolean }) => [r.code, r],
      ),
    );
    await this.db('boundary').where({ kind, vintage }).whereIn('code', codes).delete();
    for (let i = 0; i < rows.length; i += 100) {
      await this.db('boundary').insert(
        rows.slice(i, i + 100).map((b) => ({
          kind,
          vintage,
          code: b.code,
          name: b.name,
          district_code: b.districtCode,
          geometry: JSON.stringify(b.geometry),
          area_km2: b.areaKm2,
          import_id: importId,
          force_code: kept.get(b.code)?.force_code ?? null,
          force_declared: kept.get(b.code)?.force_declared ?? false,
        })),
      );
    }
  }

  async boundaries(kind: BoundaryKind, vintage?: string): Promise<BoundaryRecord[]> {
    const q = this.db('boundary')
      .where({ kind })
      .orderBy('code')
      .select('kind', 'vintage', 'code', 'name', { districtCode: 'district_code' }, 'geometry', { areaKm2: 'area_km2' });
    if (vintage) q.where({ vintage });
    return (await q).map((r: BoundaryRecord) => ({ ...r, geometry: json(r.geometry) }));
  }

  /** Codes of one boundary set (empty when it is not loaded). */
  async codes(kind: BoundaryKind, vintage?: string): Promise<Set<string>> {
    const q = this.db('boundary').where({ kind }).select('code');
    if (vintage) q.where({ vintage });
    return new Set((await q).map((r: { code: string }) => r.code));
  }

  async vintages(): Promise<{ kind: BoundaryKind; vintage: string; count: number }[]> {
    const r = await this.db.raw(`SELECT kind, vintage, count(*)::int AS count FROM boundary GROUP BY 1, 2 ORDER BY 1, 2`);
    return rowsOf(r);
  }

  /**
   * Stores deprivation rows, replacing only the LSOAs these rows name: the national file and a local
   * extract can be loaded in either order, and the national file keeps every English LSOA.
   */
  async replaceDeprivation(rows: (LsoaDeprivation & { lsoaName: string; districtCode: string; domains: Record<string, number> })[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 500) {
      await this.db('lsoa_deprivation')
        .insert(
          rows.slice(i, i + 500).map((l) => ({
            lsoa_code: l.lsoaCode,
            lsoa_name: l.lsoaName,
            district_code: l.districtCode,
            imd_rank: l.imdRank,
            imd_decile: l.imdDecile,
            crime_rank: l.crimeRank,
            crime_decile: l.crimeDecile,
            population: l.population,
            domains: JSON.stringify(l.domains),
          })),
        )
        .onConflict('lsoa_code')
        .merge();
    }
  }

  /**
   * Deprivation of the LSOAs of the loaded places: the LSOAs of the loaded LSOA boundaries (any
   * vintage; a 2021 LSOA unchanged since 2011 keeps its code), else those of the loaded districts, else
   * every stored row. A national file therefore never spreads an analysis across England.
   */
  async deprivation(): Promise<(LsoaDeprivation & { districtCode: string; lsoaName: string })[]> {
    const q = this.db('lsoa_deprivation')
      .select({
        lsoaCode: 'lsoa_code',
        lsoaName: 'lsoa_name',
        districtCode: 'district_code',
        imdRank: 'imd_rank',
        imdDecile: 'imd_decile',
        crimeRank: 'crime_rank',
        crimeDecile: 'crime_decile',
        population: 'population',
      })
      .orderBy('lsoa_code');
    const [lsoas, districts] = await Promise.all([
      this.db('boundary').where({ kind: 'lsoa' }).first('id'),
      this.db('boundary').where({ kind: 'district' }).first('id'),
    ]);
    if (lsoas) q.whereIn('lsoa_code', this.db('boundary').where({ kind: 'lsoa' }).select('code'));
    else if (districts) q.whereIn('district_code', this.db('boundary').where({ kind: 'district' }).select('code'));
    return q;
  }

  /** How many deprivation rows are stored in all (the national file holds 32,844). */
  async deprivationRows(): Promise<number> {
    const r = await this.db('lsoa_deprivation').count<{ n: string | number }[]>({ n: '*' });
    return Number(r[0]?.n ?? 0);
  }

  /** Replaces the lookup rows of one pair of vintages (LSOA vintage → ward vintage). */
  async replaceLookup(rows: LookupRow[], vintages: { lsoa: string; ward: string } = { lsoa: '2011', ward: '2019' }): Promise<void> {
    // Rows of other LSOAs stay: the lookups of several forces add up.
    for (let i = 0; i < rows.length; i += 5000) {
      await this.db('lsoa_ward_lookup')
        .where({ lsoa_vintage: vintages.lsoa, ward_vintage: vintages.ward })
        .whereIn(
          'lsoa_code',
          rows.slice(i, i + 5000).map((r) => r.lsoaCode),
        )
        .delete();
    }
    for (let i = 0; i < rows.length; i += 300) {
      await this.db('lsoa_ward_lookup').insert(
        rows.slice(i, i + 300).map((r) => ({
          lsoa_code: r.lsoaCode,
          ward_code: r.wardCode,
          ward_name: r.wardName,
          district_code: r.districtCode,
          district_name: r.districtName,
          lsoa_vintage: vintages.lsoa,
          ward_vintage: vintages.ward,
        })),
      );
    }
  }

  /** The LSOA → ward lookup for one ward vintage (default: the LSOA 2011 → ward 2019 lookup). */
  async lookup(wardVintage = '2019'): Promise<LookupRow[]> {
    return this.db('lsoa_ward_lookup')
      .where({ ward_vintage: wardVintage })
      .orderBy('lsoa_code')
      .select({ lsoaCode: 'lsoa_code', wardCode: 'ward_code', wardName: 'ward_name', districtCode: 'district_code', districtName: 'district_name' });
  }

  /** The ward vintages that have a lookup loaded. */
  async lookupVintages(): Promise<string[]> {
    return (await this.db('lsoa_ward_lookup').distinct('ward_vintage').orderBy('ward_vintage')).map((r: { ward_vintage: string }) => r.ward_vintage);
  }

  async replacePublishedWards(rows: { wardCode: string; wardName: string; districtCode: string; values: Record<string, number> }[]): Promise<void> {
    await this.db('ward_deprivation_published')
      .whereIn(
        'ward_code',
        rows.map((r) => r.wardCode),
      )
      .delete();
    for (let i = 0; i < rows.length; i += 200) {
      await this.db('ward_deprivation_published').insert(
        rows.slice(i, i + 200).map((r) => ({
          ward_code: r.wardCode,
          ward_name: r.wardName,
          district_code: r.districtCode,
          values: JSON.stringify(r.values),
        })),
      );
    }
  }

  async publishedWards(): Promise<{ wardCode: string; wardName: string; districtCode: string; values: Record<string, number> }[]> {
    const rows = await this.db('ward_deprivation_published').select({ wardCode: 'ward_code', wardName: 'ward_name', districtCode: 'district_code' }, 'values');
    return rows.map((r: { values: unknown }) => ({ ...r, values: json(r.values) })) as never;
  }
}
