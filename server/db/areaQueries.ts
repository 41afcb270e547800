import type { Knex } from 'knex';
import { POLYGON_TO_CELLS_FLAGS, gridDisk, polygonToCellsExperimental } from 'h3-js';
import { rowsOf, type Db } from './connection';
import { IncidentStore } from './incidents';
import { cellsSql, filteredIncidents, type IncidentFilter, type SqlFragment } from './incidentQueries';

/** Which incidents make an area: a tag written by point in polygon, cells, or positions found inside a drawn outline. */
export type AreaSelector =
  | { kind: 'district' | 'ward' | 'lsoa'; code: string }
  | { kind: 'force' }
  | { kind: 'cells'; cells: string[] }
  | { kind: 'positions'; positions: { lon: number; lat: number }[] };

/** The WHERE fragment of an area (alias i). */
export function areaSql(area: AreaSelector): SqlFragment {
  switch (area.kind) {
    case 'district':
      return { sql: 'i.district_code = ?', bindings: [area.code] };
    case 'ward':
      return { sql: 'i.ward_code = ?', bindings: [area.code] };
    case 'lsoa':
      return { sql: 'i.lsoa_tagged = ?', bindings: [area.code] };
    case 'force':
      return { sql: 'i.in_study_area IS TRUE', bindings: [] };
    case 'cells':
      return cellsSql(area.cells);
    case 'positions':
      if (area.positions.length === 0) return { sql: 'FALSE', bindings: [] };
      {
        // The box around the positions first: without it PGlite tests every incident against the list
        // (minutes for a few hundred positions over two years); with it, only the few inside the box.
        const lons = area.positions.map((p) => p.lon),
          lats = area.positions.map((p) => p.lat);
        return {
          sql: 'i.lon BETWEEN ? AND ? AND i.lat BETWEEN ? AND ? AND (i.lon, i.lat) IN (SELECT * FROM unnest(?::float8[], ?::float8[]))',
          bindings: [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats), lons, lats] as unknown as Knex.RawBinding[],
        };
      }
  }
}

/**
 * Incidents inside a box [west, south, east, north] (alias i), found through the cell index: the box
 * alone is no index range (there is none on lon, lat), so PostgreSQL and PGlite would test every
 * incident of the months asked — or of all months — against it. The coarsest cells that cover the box
 * with their neighbours (resolution 8, about 0.7 km² each, or coarser for a large box: at most 64 index
 * ranges, see cellsSql) narrow the rows to the box's surroundings first, then the box itself decides.
 * The neighbour ring makes the cover a superset: an incident's stored res-12 cell need not lie inside
 * the coarse cell its point lies in, since H3 children do not tile their parent exactly. Measured on the
 * sample around Liverpool's Bold Street (2.2 × 2.0 km, 392 positions): PGlite 486–615 → 73–212 ms for
 * the positions of all months, 184–256 → 58–157 ms for six months' count; PostgreSQL about the same
 * either way (its parallel scan of 641,656 rows takes 40–80 ms).
 */
export function boxSql(box: [number, number, number, number], alias = 'i'): SqlFragment {
  const [w, s, e, n] = box;
  const ring = [
    [w, s],
    [e, s],
    [e, n],
    [w, n],
    [w, s],
  ];
  let cover: string[] = [];
  for (let res = 8; res >= 4; res--) {
    const inner = polygonToCellsExperimental([ring], res, POLYGON_TO_CELLS_FLAGS.containmentOverlapping, true);
    cover = [...new Set(inner.flatMap((c) => gridDisk(c, 1)))];
    if (cover.length <= 64) break;
  }
  const cells = cover.length <= 64 ? cellsSql(cover, alias) : { sql: 'TRUE', bindings: [] };
  return {
    sql: `${cells.sql} AND ${alias}.lon BETWEEN ? AND ? AND ${alias}.lat BETWEEN ? AND ?`,
    bindings: [...cells.bindings, w, e, s, n],
  };
}

/**
 * Incident queries for any area (ward, district, LSOA, zone, site, cells, a posted polygon). Like
 * IncidentStore, the only place these queries of incidents live.
 */
export class AreaQueries {
  constructor(private readonly db: Db | Knex.Transaction) {}

  /** Distinct incident positions inside a box [west, south, east, north]: the candidates for an exact point-in-polygon test. */
  async positionsInBox(box: [number, number, number, number]): Promise<{ lon: number; lat: number }[]> {
    const inBox = boxSql(box);
    const r = await this.db.raw(`SELECT DISTINCT lon, lat FROM incident i WHERE ${inBox.sql}`, inBox.bindings);
    return rowsOf(r);
  }

  async totals(f: IncidentFilter, area: AreaSelector): Promise<{ incidents: number; harm: number }> {
    const q = filteredIncidents(f, areaSql(area));
    const r = await this.db.raw(`SELECT count(*)::int AS incidents, COALESCE(sum(${q.harm}), 0)::float8 AS harm FROM ${q.from}`, q.bindings);
    return rowsOf<{ incidents: number; harm: number }>(r)[0] ?? { incidents: 0, harm: 0 };
  }

  async monthTotals(f: IncidentFilter, area: AreaSelector): Promise<{ month: string; incidents: number; harm: number }[]> {
    const q = filteredIncidents(f, areaSql(area));
    const r = await this.db.raw(
      `SELECT to_char(i.month, 'YYYY-MM') AS month, count(*)::int AS incidents, sum(${q.harm})::float8 AS harm FROM ${q.from} GROUP BY 1 ORDER BY 1`,
      q.bindings,
    );
    return rowsOf(r);
  }

  async categoryTotals(f: IncidentFilter, area: AreaSelector): Promise<{ category: string; incidents: number; harm: number }[]> {
    const q = filteredIncidents(f, areaSql(area));
    const r = await this.db.raw(
      `SELECT COALESCE(i.category, '(none)') AS category, count(*)::int AS incidents, sum(${q.harm})::float8 AS harm FROM ${q.from} GROUP BY 1 ORDER BY 3 DESC`,
      q.bindings,
    );
    return rowsOf(r);
  }

  /** The area's incidents per ward (with the ward's and district's names in the vintage each incident was tagged with). */
  async wardCounts(
    f: IncidentFilter,
    area: AreaSelector,
  ): Promise<{ wardCode: string | null; wardName: string | null; wardVintage: string | null; districtName: string | null; incidents: number }[]> {
    const q = filteredIncidents(f, areaSql(area));
    const r = await this.db.raw(
      `SELECT x.ward_code AS "wardCode", w.name AS "wardName", x.ward_vintage AS "wardVintage", d.name AS "districtName", x.n::int AS incidents
       FROM (SELECT i.ward_code, i.ward_vintage, i.district_code, count(*) AS n FROM ${q.from} GROUP BY 1, 2, 3) x
       LEFT JOIN boundary w ON w.kind = 'ward' AND w.code = x.ward_code AND w.vintage = x.ward_vintage
       LEFT JOIN boundary d ON d.kind = 'district' AND d.code = x.district_code
       ORDER BY x.n DESC, 1`,
      q.bindings,
    );
    return rowsOf(r);
  }

  async topLocations(f: IncidentFilter, area: AreaSelector, limit = 10): Promise<{ location: string; incidents: number; harm: number }[]> {
    return new IncidentStore(this.db).topLocations(f, areaSql(area), limit);
  }

  /** Boundary vintages the area's incidents were tagged with, and how many incidents each. */
  async vintagesUsed(f: IncidentFilter, area: AreaSelector): Promise<{ wardVintage: string | null; lsoaVintage: string | null; incidents: number }[]> {
    const q = filteredIncidents(f, areaSql(area));
    const r = await this.db.raw(
      `SELECT i.ward_vintage AS "wardVintage", i.lsoa_vintage AS "lsoaVintage", count(*)::int AS incidents FROM ${q.from} GROUP BY 1, 2 ORDER BY 1, 2`,
      q.bindings,
    );
    return rowsOf(r);
  }
}
