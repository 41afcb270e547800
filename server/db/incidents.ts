import type { Knex } from 'knex';
import type { SliceRow } from '../domain/cube/cellMonthSlice';
import type { LocationRow } from '../domain/cube/locationSlice';
import type { CellTotal } from '../domain/hchh';
import type { LocationTotal, NightWindow } from '../domain/repeatLocations';
import type { IncidentGroup } from '../domain/siteReview';
import type { IncidentRow } from '../ingest/incidentRow';
import type { IncidentTags } from '../domain/geography/tags';
import { rowsOf, type Db } from './connection';
import { cubeCellsSql, filteredCube, filteredIncidents, type IncidentFilter, type SqlFragment } from './incidentQueries';
import { ensurePartitions } from './partitions';
import { incidentTarget } from './shards';

export type { IncidentFilter } from './incidentQueries';

const INSERT_COLUMNS = [
  ['source', 'text'],
  ['source_ref', 'text'],
  ['month', 'date'],
  ['occurred_at', 'timestamptz'],
  ['category', 'text'],
  ['offence_code', 'text'],
  ['offence_name', 'text'],
  ['knife', 'boolean'],
  ['firearm', 'boolean'],
  ['domestic', 'boolean'],
  ['lon', 'float8'],
  ['lat', 'float8'],
  ['cell', 'int8'],
  ['location', 'text'],
  ['lsoa_code', 'text'],
  ['lsoa_name', 'text'],
  ['outcome', 'text'],
  ['position_precision', 'text'],
  ['attributes', 'jsonb'],
  ['import_id', 'int4'],
  ['force_code', 'text'],
  ['district_code', 'text'],
  ['ward_code', 'text'],
  ['ward_vintage', 'text'],
  ['lsoa_tagged', 'text'],
  ['lsoa_vintage', 'text'],
  ['in_study_area', 'boolean'],
] as const;

/**
 * The tag columns of one row: its tags; all null with in_study_area false when tagged outside every
 * district; all null with in_study_area null when not tagged (no boundaries, or no position).
 */
function tagValues(t: IncidentTags | null | undefined): unknown[] {
  if (!t) return [null, null, null, null, null, null];
  return [t.district, t.ward, t.wardVintage, t.lsoa, t.lsoaVintage, t.district !== null];
}

/**
 * The one place that reads and writes incidents. Aggregates (per cell, month, week; totals) are read
 * from the harm cube, which triggers keep equal to the incidents in the same statement (migration
 * 20261203000001); record-level views (locations, site detail, time of day) read the incidents.
 */
export class IncidentStore {
  constructor(private readonly db: Db | Knex.Transaction) {}

  /**
   * Inserts rows, skipping any whose (source, source_ref, force, month) is already stored, or stored
   * unassigned to a force (which adoption would later collide with); returns how many were new. One
   * statement per batch with a column array per field (unnest), which both PostgreSQL and PGlite run
   * fast without a COPY protocol. The force's partitions are made first (migration 20261203000050);
   * a force on a shard is written to its foreign partition (server/db/shards.ts).
   */
  async insert(
    trx: Knex.Transaction | Db,
    rows: IncidentRow[],
    importId: number,
    force: string | null,
    tags?: (IncidentTags | null)[] | null,
  ): Promise<number> {
    if (rows.length === 0) return 0;
    const columns: unknown[][] = INSERT_COLUMNS.map(() => new Array(rows.length));
    rows.forEach((r, i) => {
      const values = [
        r.source,
        r.sourceRef,
        `${r.month}-01`,
        r.occurredAt,
        r.category,
        r.offenceCode,
        r.offenceName,
        r.knife,
        r.firearm,
        r.domestic,
        r.lon,
        r.lat,
        r.cell,
        r.location,
        r.lsoaCode,
        r.lsoaName,
        r.outcome,
        r.positionPrecision,
        r.attributes === null ? null : JSON.stringify(r.attributes),
        importId,
        force,
        ...tagValues(tags ? (tags[i] ?? null) : undefined),
      ];
      values.forEach((v, c) => {
        (columns[c] as unknown[])[i] = v;
      });
    });
    await ensurePartitions(trx, force, [...new Set(columns[2] as string[])]);
    const names = INSERT_COLUMNS.map(([n]) => n).join(', ');
    const arrays = INSERT_COLUMNS.map(([, t]) => `?::${t}[]`).join(', ');
    const unassignedTwin =
      force === null
        ? ''
        : `WHERE NOT EXISTS (SELECT 1 FROM incident u WHERE u.force_code IS NULL
         AND u.source = r.source AND u.source_ref = r.source_ref AND u.month = r.month)`;
    // No conflict target: the identity index is the only unique one, and a target-less DO NOTHING
    // also passes through postgres_fdw to a sharded force's own identity index.
    const target = await incidentTarget(trx, force);
    const result = await trx.raw(
      `WITH ins AS (
         INSERT INTO ${target} (${names}) SELECT * FROM unnest(${arrays}) AS r(${names}) ${unassignedTwin}
         ON CONFLICT DO NOTHING RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
      columns as Knex.RawBinding[],
    );
    return rowsOf<{ n: number }>(result)[0]?.n ?? 0;
  }

  /** Incidents and harm per cell at `resolution` over the filter's period. */
  async cellTotals(f: IncidentFilter, resolution: number): Promise<CellTotal[]> {
    const q = filteredCube(f);
    const result = await this.db.raw(
      `SELECT to_hex(h3_parent(i.cell, ?)) AS cell, sum(${q.n})::int AS incidents, sum(${q.harm})::float8 AS harm
       FROM ${q.from} AND i.cell IS NOT NULL GROUP BY 1 HAVING sum(${q.n}) > 0`,
      [resolution, ...q.bindings],
    );
    return rowsOf<CellTotal>(result);
  }

  /**
   * Incidents and harm per res-11 cell and month over every loaded month: the rows of a CellMonthSlice
   * (the filter's period is ignored; a slice answers any period).
   */
  async cellMonthSliceRows(f: IncidentFilter): Promise<SliceRow[]> {
    const q = filteredCube({ ...f, from: '1900-01', to: '9999-12' });
    const result = await this.db.raw(
      `SELECT to_hex(i.cell) AS cell, to_char(i.month, 'YYYY-MM') AS month, sum(${q.n})::int AS incidents, sum(${q.harm})::float8 AS harm
       FROM ${q.from} AND i.cell IS NOT NULL GROUP BY i.cell, i.month HAVING sum(${q.n}) > 0`,
      q.bindings,
    );
    return rowsOf(result);
  }

  /** The sources the harm cube holds incidents of. */
  async cubeSources(): Promise<string[]> {
    const result = await this.db.raw(`SELECT DISTINCT source FROM harm_cube ORDER BY 1`);
    return rowsOf<{ source: string }>(result).map((r) => r.source);
  }

  /** Incidents and harm per stored cell, month and location text over every loaded month: the rows of a LocationSlice. */
  async locationSliceRows(f: IncidentFilter): Promise<LocationRow[]> {
    const q = filteredIncidents({ ...f, from: '1900-01', to: '9999-12' });
    const result = await this.db.raw(
      `SELECT to_hex(i.cell) AS cell, to_char(i.month, 'YYYY-MM') AS month, i.location AS location, count(*)::int AS incidents, sum(${q.harm})::float8 AS harm
       FROM ${q.from} AND i.cell IS NOT NULL AND i.location IS NOT NULL GROUP BY i.cell, i.month, i.location`,
      q.bindings,
    );
    return rowsOf(result);
  }

  /** Incidents and harm per cell and month. */
  async cellMonthTotals(f: IncidentFilter, resolution: number): Promise<(CellTotal & { month: string })[]> {
    const q = filteredCube(f);
    const result = await this.db.raw(
      `SELECT to_hex(h3_parent(i.cell, ?)) AS cell, to_char(i.month, 'YYYY-MM') AS month,
              sum(${q.n})::int AS incidents, sum(${q.harm})::float8 AS harm
       FROM ${q.from} AND i.cell IS NOT NULL GROUP BY 1, 2 HAVING sum(${q.n}) > 0`,
      [resolution, ...q.bindings],
    );
    return rowsOf(result);
  }

  /**
   * Incidents and harm per cell and ISO week (Monday-based, UK local time), for incidents with a
   * recorded time; `untimed` counts those in the filter that have none.
   */
  async cellWeekTotals(f: IncidentFilter, resolution: number): Promise<{ rows: (CellTotal & { week: string })[]; untimed: number }> {
    const q = filteredCube(f);
    const result = await this.db.raw(
      `SELECT to_hex(h3_parent(i.cell, ?)) AS cell, to_char(i.week, 'YYYY-MM-DD') AS week, sum(${q.n})::int AS incidents, sum(${q.harm})::float8 AS harm
       FROM ${q.from} AND i.cell IS NOT NULL AND i.week IS NOT NULL GROUP BY 1, 2 HAVING sum(${q.n}) > 0`,
      [resolution, ...q.bindings],
    );
    const untimed = await this.db.raw(`SELECT COALESCE(sum(${q.n}), 0)::int AS n FROM ${q.from} AND i.week IS NULL`, q.bindings);
    return { rows: rowsOf(result), untimed: rowsOf<{ n: number }>(untimed)[0]?.n ?? 0 };
  }

  /** Monthly incidents and harm inside one cell (any resolution), months without incidents left out. */
  async cellSeries(f: IncidentFilter, cell: string): Promise<{ month: string; incidents: number; harm: number }[]> {
    const q = filteredCube(f, cubeCellsSql([cell]));
    const result = await this.db.raw(
      `SELECT to_char(i.month, 'YYYY-MM') AS month, sum(${q.n})::int AS incidents, sum(${q.harm})::float8 AS harm
       FROM ${q.from} GROUP BY 1 HAVING sum(${q.n}) > 0 ORDER BY 1`,
      q.bindings,
    );
    return rowsOf(result);
  }

  /** The most frequent location texts ("On or near …") among incidents in an area (cellsSql, areaSql …). */
  async topLocations(f: IncidentFilter, area: SqlFragment, limit = 5): Promise<{ location: string; incidents: number; harm: number }[]> {
    const q = filteredIncidents(f, area);
    const result = await this.db.raw(
      `SELECT i.location AS location, count(*)::int AS incidents, sum(${q.harm})::float8 AS harm
       FROM ${q.from} AND i.location IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1 LIMIT ?`,
      [...q.bindings, limit],
    );
    return rowsOf(result);
  }

  /**
   * Incidents and harm per location over the filter's period: data.police.uk snap points keep their
   * coordinates; other sources group by their location text. `split` is the last month of the first
   * half and the first month of the second half, for a before/after count per location.
   */
  async locationTotals(
    f: IncidentFilter,
    split: { firstHalfEnd: string; secondHalfStart: string },
    night: NightWindow,
    area?: SqlFragment,
  ): Promise<LocationTotal[]> {
    const q = filteredIncidents(f, area);
    const local = `(i.occurred_at AT TIME ZONE 'Europe/London')`;
    const previousDays = night.days.map((d) => (d + 1) % 7);
    const result = await this.db.raw(
      `SELECT i.source, i.location, avg(i.lon)::float8 AS lon, avg(i.lat)::float8 AS lat,
              count(*)::int AS incidents, sum(${q.harm})::float8 AS harm,
              to_char(min(i.month), 'YYYY-MM') AS "firstMonth", to_char(max(i.month), 'YYYY-MM') AS "lastMonth",
              count(DISTINCT i.month)::int AS "monthsActive",
              count(*) FILTER (WHERE i.month <= ?::date)::int AS "firstHalf",
              count(*) FILTER (WHERE i.month >= ?::date)::int AS "secondHalf",
              count(i.occurred_at)::int AS timed,
              count(*) FILTER (WHERE (EXTRACT(hour FROM ${local}) >= ? AND EXTRACT(dow FROM ${local})::int = ANY(?::int[]))
                                  OR (EXTRACT(hour FROM ${local}) < ? AND EXTRACT(dow FROM ${local})::int = ANY(?::int[])))::int AS "nightTime"
       FROM ${q.from} AND i.location IS NOT NULL AND i.lon IS NOT NULL
       GROUP BY i.source, i.location,
                CASE WHEN i.source = 'data.police.uk' THEN i.lon END, CASE WHEN i.source = 'data.police.uk' THEN i.lat END`,
      [`${split.firstHalfEnd}-01`, `${split.secondHalfStart}-01`, night.startHour, night.days, night.endHour, previousDays, ...q.bindings],
    );
    return rowsOf<LocationTotal>(result);
  }

  /**
   * When an area's incidents happened, for those with a recorded time: incidents per weekday (0 = Sunday)
   * and hour, UK local time; `untimed` counts those with a month only (all of data.police.uk).
   */
  async timeProfile(
    f: IncidentFilter,
    area: SqlFragment,
  ): Promise<{ rows: { dow: number; hour: number; incidents: number; harm: number }[]; untimed: number }> {
    const q = filteredIncidents(f, area);
    const local = `(i.occurred_at AT TIME ZONE 'Europe/London')`;
    const result = await this.db.raw(
      `SELECT EXTRACT(dow FROM ${local})::int AS dow, EXTRACT(hour FROM ${local})::int AS hour, count(*)::int AS incidents, sum(${q.harm})::float8 AS harm
       FROM ${q.from} AND i.occurred_at IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`,
      q.bindings,
    );
    const untimed = await this.db.raw(`SELECT count(*)::int AS n FROM ${q.from} AND i.occurred_at IS NULL`, q.bindings);
    return { rows: rowsOf(result), untimed: rowsOf<{ n: number }>(untimed)[0]?.n ?? 0 };
  }

  /** Incidents and harm per month over the filter, optionally inside an area (SQL from areaSql). */
  async monthTotals(f: IncidentFilter, area?: SqlFragment): Promise<{ month: string; incidents: number; harm: number }[]> {
    if (!area) {
      const c = filteredCube(f);
      const r = await this.db.raw(
        `SELECT to_char(i.month, 'YYYY-MM') AS month, sum(${c.n})::int AS incidents, sum(${c.harm})::float8 AS harm
         FROM ${c.from} GROUP BY 1 HAVING sum(${c.n}) > 0 ORDER BY 1`,
        c.bindings,
      );
      return rowsOf(r);
    }
    const q = filteredIncidents(f, area);
    const result = await this.db.raw(
      `SELECT to_char(i.month, 'YYYY-MM') AS month, count(*)::int AS incidents, sum(${q.harm})::float8 AS harm
       FROM ${q.from} GROUP BY 1 ORDER BY 1`,
      q.bindings,
    );
    return rowsOf(result);
  }

  /** Totals over the filter, with and without a position. */
  async totals(f: IncidentFilter): Promise<{ incidents: number; harm: number; withoutLocation: number }> {
    const q = filteredCube(f);
    const result = await this.db.raw(
      `SELECT COALESCE(sum(${q.n}), 0)::int AS incidents, COALESCE(sum(${q.harm}), 0)::float8 AS harm,
              COALESCE(sum(${q.n}) FILTER (WHERE i.cell IS NULL), 0)::int AS "withoutLocation" FROM ${q.from}`,
      q.bindings,
    );
    return rowsOf<{ incidents: number; harm: number; withoutLocation: number }>(result)[0] ?? { incidents: 0, harm: 0, withoutLocation: 0 };
  }

  /**
   * Fallback study area until boundaries are loaded: every cell at `resolution` that holds at least
   * one incident of any kind in any month loaded.
   */
  async occupiedCells(resolution: number, forces?: string[]): Promise<string[]> {
    const result = await this.db.raw(
      `SELECT to_hex(h3_parent(cell, ?)) AS cell FROM harm_cube WHERE cell IS NOT NULL${forces?.length ? ' AND force_code = ANY(?::text[])' : ''}
       GROUP BY 1 HAVING sum(incidents) > 0 ORDER BY 1`,
      [resolution, ...(forces?.length ? [forces as unknown as Knex.RawBinding] : [])],
    );
    return rowsOf<{ cell: string }>(result).map((r) => r.cell);
  }

  /** Distinct positions of incidents in a month range (and import), for tagging by point in polygon. */
  async positions(from: string, to: string, importId?: number): Promise<{ lon: number; lat: number }[]> {
    const result = await this.db.raw(
      `SELECT DISTINCT lon, lat FROM incident WHERE lon IS NOT NULL AND month BETWEEN ?::date AND ?::date${importId ? ' AND import_id = ?' : ''}`,
      [`${from}-01`, `${to}-01`, ...(importId ? [importId] : [])],
    );
    return rowsOf(result);
  }

  /** Writes district, ward and LSOA tags for every incident at the given positions in a month range. */
  async applyTags(
    range: { from: string; to: string; importId?: number | undefined },
    vintages: { ward: string | null; lsoa: string | null },
    tags: { lon: number; lat: number; district: string | null; ward: string | null; lsoa: string | null }[],
  ): Promise<void> {
    for (let i = 0; i < tags.length; i += 20000) {
      const chunk = tags.slice(i, i + 20000);
      await this.db.raw(
        `UPDATE incident i SET district_code = t.d, ward_code = t.w, ward_vintage = ?, lsoa_tagged = t.l, lsoa_vintage = ?,
                in_study_area = (t.d IS NOT NULL)
         FROM unnest(?::float8[], ?::float8[], ?::text[], ?::text[], ?::text[]) AS t(lon, lat, d, w, l)
         WHERE i.lon = t.lon AND i.lat = t.lat AND i.month BETWEEN ?::date AND ?::date${range.importId ? ' AND i.import_id = ?' : ''}`,
        [
          vintages.ward,
          vintages.lsoa,
          chunk.map((t) => t.lon),
          chunk.map((t) => t.lat),
          chunk.map((t) => t.district),
          chunk.map((t) => t.ward),
          chunk.map((t) => t.lsoa),
          `${range.from}-01`,
          `${range.to}-01`,
          ...(range.importId ? [range.importId] : []),
        ] as Knex.RawBinding[],
      );
    }
  }

  /** Incidents inside and outside the study area (null: not yet tagged). */
  async studyAreaCounts(): Promise<{ inside: number; outside: number; untagged: number; withoutPosition: number }> {
    const r = await this.db.raw(`SELECT count(*) FILTER (WHERE in_study_area IS TRUE)::int AS inside,
      count(*) FILTER (WHERE in_study_area IS FALSE)::int AS outside,
      count(*) FILTER (WHERE in_study_area IS NULL AND lon IS NOT NULL)::int AS untagged,
      count(*) FILTER (WHERE lon IS NULL)::int AS "withoutPosition" FROM incident`);
    return rowsOf<{ inside: number; outside: number; untagged: number; withoutPosition: number }>(r)[0]!;
  }

  /** Months that hold at least one incident (of these forces), ascending ('YYYY-MM'). */
  async months(forces?: string[]): Promise<string[]> {
    const result = await this.db.raw(
      `SELECT to_char(month, 'YYYY-MM') AS month FROM harm_cube${forces?.length ? ' WHERE force_code = ANY(?::text[])' : ''}
       GROUP BY 1 HAVING sum(incidents) > 0 ORDER BY 1`,
      forces?.length ? [forces as unknown as Knex.RawBinding] : [],
    );
    return rowsOf<{ month: string }>(result).map((r) => r.month);
  }

  /** Months holding incidents that carry a knife flag (set or not set): the months a weapon measure can be read in. */
  async weaponFlagMonths(): Promise<string[]> {
    const result = await this.db.raw(`SELECT DISTINCT to_char(month, 'YYYY-MM') AS month FROM incident WHERE knife IS NOT NULL ORDER BY 1`);
    return rowsOf<{ month: string }>(result).map((r) => r.month);
  }

  /** Every incident source loaded: its records, months, the precision its positions were given in, and whether it carries times and weapon flags. */
  async sources(forces?: string[]): Promise<
    {
      source: string;
      records: number;
      firstMonth: string;
      lastMonth: string;
      point: number;
      lsoa: number;
      text: number;
      withoutPosition: number;
      timed: number;
      weaponFlagged: number;
    }[]
  > {
    const result = await this.db.raw(
      `SELECT source, count(*)::int AS records,
        to_char(min(month), 'YYYY-MM') AS "firstMonth", to_char(max(month), 'YYYY-MM') AS "lastMonth",
        count(*) FILTER (WHERE position_precision = 'point' AND lon IS NOT NULL)::int AS point,
        count(*) FILTER (WHERE position_precision = 'lsoa')::int AS lsoa,
        count(*) FILTER (WHERE position_precision = 'text')::int AS text,
        count(*) FILTER (WHERE position_precision = 'point' AND lon IS NULL)::int AS "withoutPosition",
        count(*) FILTER (WHERE occurred_at IS NOT NULL)::int AS timed,
        count(*) FILTER (WHERE knife IS NOT NULL)::int AS "weaponFlagged"
      FROM incident${forces?.length ? ' WHERE force_code = ANY(?::text[])' : ''} GROUP BY source ORDER BY source`,
      forces?.length ? [forces as unknown as Knex.RawBinding] : [],
    );
    return rowsOf(result);
  }

  /**
   * Incidents and harm of an area (areaSql) grouped by position, month, category, the fields a
   * definition tests, location text and UK local day of week and hour (null without a time): enough
   * for the site review to count by zone, category, definition, month and time in one query.
   */
  async reviewGroups(f: IncidentFilter, area: SqlFragment): Promise<IncidentGroup[]> {
    const q = filteredIncidents(f, area);
    const local = `(i.occurred_at AT TIME ZONE 'Europe/London')`;
    const result = await this.db.raw(
      `SELECT i.lon, i.lat, to_char(i.month, 'YYYY-MM') AS month, i.category, i.offence_code AS "offenceCode",
              i.knife, i.firearm, i.domestic, i.location,
              EXTRACT(dow FROM ${local})::int AS dow, EXTRACT(hour FROM ${local})::int AS hour,
              count(*)::int AS incidents, sum(${q.harm})::float8 AS harm
       FROM ${q.from} AND i.lon IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11`,
      q.bindings,
    );
    return rowsOf<IncidentGroup>(result);
  }

  async count(): Promise<number> {
    const result = await this.db.raw('SELECT count(*)::int AS n FROM incident');
    return rowsOf<{ n: number }>(result)[0]?.n ?? 0;
  }

  /**
   * Sums the cube's fragments of these months (the triggers add one fragment per insert statement)
   * into one row per key, dropping keys whose incidents were all deleted. Answers do not change.
   */
  async compactCube(from: string, to: string): Promise<void> {
    await this.db.raw(
      `WITH old AS (DELETE FROM harm_cube WHERE month BETWEEN ?::date AND ?::date RETURNING *)
       INSERT INTO harm_cube (force_code, cell, month, week, source, category, offence_code, knife, firearm, domestic, incidents)
       SELECT force_code, cell, month, week, source, category, offence_code, knife, firearm, domestic, sum(incidents)
       FROM old GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 HAVING sum(incidents) <> 0`,
      [`${from}-01`, `${to}-01`],
    );
  }

  /** Refreshes the planner's statistics of the incidents and the cube after a batch of imports. */
  async analyse(): Promise<void> {
    await this.db.raw('ANALYZE incident');
    await this.db.raw('ANALYZE harm_cube');
  }

  /** Rebuilds the whole cube from the incidents (the reference the cube is tested against). */
  async rebuildCube(): Promise<void> {
    await this.db.raw('DELETE FROM harm_cube');
    await this.db.raw(
      `INSERT INTO harm_cube (force_code, cell, month, week, source, category, offence_code, knife, firearm, domestic, incidents)
       SELECT force_code, h3_parent(cell, 11), month, (date_trunc('week', occurred_at AT TIME ZONE 'Europe/London'))::date,
              source, category, offence_code, knife, firearm, domestic, count(*)
       FROM incident GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`,
    );
  }
}
