import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Knex } from 'knex';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { getResolution } from 'h3-js';
import type { SliceRow } from '../domain/cube/cellMonthSlice';
import type { LocationRow } from '../domain/cube/locationSlice';
import type { CellTotal } from '../domain/hchh';
import { CUBE_RESOLUTION, ROLLUP_RESOLUTION } from '../domain/h3cell';
import type { LocationTotal, NightWindow } from '../domain/repeatLocations';
import type { IncidentGroup } from '../domain/siteReview';
import type { IncidentRow } from '../ingest/incidentRow';
import type { IncidentTags } from '../domain/geography/tags';
import { rowsOf, type Db } from './connection';
import { cubeCellsSql, cubeStoredAt, filteredCube, filteredIncidents, type IncidentFilter, type SqlFragment } from './incidentQueries';
import { forceMonthsSql } from './forceMonths';
import { ensurePartitions, onPostgresServer } from './partitions';
import { incidentTarget } from './shards';

export type { IncidentFilter } from './incidentQueries';

/** A bulk load's rows are copied straight into the incidents (server/db/bulkLoad.ts); it notes whether any stored so far has no force. */
export interface DirectCopy {
  unassignedStored: boolean;
}

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

/** One CSV record as COPY reads it: null as an empty unquoted field, text always quoted (so '' stays ''). */
function csvRow(values: unknown[]): string {
  let out = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    if (v === null || v === undefined) continue;
    if (typeof v === 'string') out += `"${v.includes('"') ? v.replace(/"/g, '""') : v}"`;
    else if (typeof v === 'boolean') out += v ? 't' : 'f';
    else out += String(v);
  }
  return `${out}\n`;
}

/**
 * Runs a COPY … FROM of CSV lines in the handle's transaction: streamed over the COPY protocol on
 * PostgreSQL (pg-copy-streams), handed to PGlite as one blob (its COPY reads '/dev/blob').
 * `%SOURCE%` in the statement stands for where the rows come from.
 */
async function copyCsv(trx: Knex.Transaction | Db, statement: string, lines: string[]): Promise<void> {
  const client = trx.client as { acquireConnection(): Promise<unknown>; releaseConnection(c: unknown): Promise<unknown> };
  const connection = await client.acquireConnection();
  try {
    if (onPostgresServer(trx)) {
      const stream = (connection as pg.Client).query(copyFrom(statement.replace('%SOURCE%', 'STDIN')));
      await pipeline(Readable.from(chunksOf(lines)), stream);
    } else {
      const lite = connection as { query(sql: string, params: unknown[], opts: { blob: Blob }): Promise<unknown> };
      // One UTF-8 buffer, not a part per line: a Blob of many strings encodes each and is read back in pieces.
      await lite.query(statement.replace('%SOURCE%', "'/dev/blob'"), [], { blob: new Blob([Buffer.from(lines.join(''))]) });
    }
  } finally {
    await client.releaseConnection(connection);
  }
}

/** Lines joined into chunks of about 64 KB, so the stream sends few large messages. */
function* chunksOf(lines: string[]): Generator<string> {
  let chunk = '';
  for (const line of lines) {
    chunk += line;
    if (chunk.length >= 65536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
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
   * unassigned to a force (which adoption would later collide with); returns how many were new. The
   * rows are streamed as CSV into a staging table with COPY (COPY FROM STDIN on PostgreSQL, COPY FROM
   * '/dev/blob' on PGlite) and moved by one INSERT … SELECT … ON CONFLICT DO NOTHING, so a file costs
   * one statement of the cube, coverage and summary triggers instead of one per batch, and no query
   * parameters to encode. The force's partitions are made first (migration 20261203000050); a force
   * on a shard is written to its foreign partition (server/db/shards.ts). Outside a transaction it
   * makes one (the staging table lives until the transaction ends).
   */
  async insert(
    trx: Knex.Transaction | Db,
    rows: IncidentRow[],
    importId: number,
    force: string | null,
    tags?: (IncidentTags | null)[] | null,
  ): Promise<number> {
    return (await this.insertRows(trx, rows, importId, force, tags)).inserted;
  }

  /** As insert, also naming the districts the new rows were tagged with. */
  async insertRows(
    trx: Knex.Transaction | Db,
    rows: IncidentRow[],
    importId: number,
    force: string | null,
    tags?: (IncidentTags | null)[] | null,
    bulk?: DirectCopy | null,
  ): Promise<{ inserted: number; districts: string[] }> {
    if (rows.length === 0) return { inserted: 0, districts: [] };
    // The staging table lives for one transaction on one connection: make one when not given one.
    if (!(trx as Knex.Transaction).isTransaction) return (trx as Db).transaction((t) => this.insertRows(t, rows, importId, force, tags, bulk));
    const lines: string[] = new Array(rows.length);
    const months = new Set<string>();
    rows.forEach((r, i) => {
      months.add(`${r.month}-01`);
      lines[i] = csvRow([
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
      ]);
    });
    await ensurePartitions(trx, force, [...months]);
    const names = INSERT_COLUMNS.map(([n]) => n).join(', ');
    // In a bulk load the rows go straight into the incidents: the staging table and ON CONFLICT are
    // there for rows already stored, and the load began empty. A row that meets one stored by an
    // earlier file of the load (a unique violation) undoes the attempt, and the file takes the usual
    // path; so does a forced file once incidents without a force are stored (their twins are skipped).
    if (bulk && (force === null || !bulk.unassignedStored)) {
      const copied = await (trx as Knex.Transaction)
        .transaction(async (t) => {
          await copyCsv(t, `COPY incident (${names}) FROM %SOURCE% WITH (FORMAT csv)`, lines);
          return true;
        })
        .catch((e: { code?: string }) => {
          if (e?.code === '23505') return false;
          throw e;
        });
      if (copied) {
        if (force === null) bulk.unassignedStored = true;
        const districts = new Set<string>();
        if (tags) for (const t of tags) if (t?.district) districts.add(t.district);
        return { inserted: rows.length, districts: [...districts] };
      }
    }
    // The staging table has the incident columns (and nothing else: no index, key or trigger).
    await trx.raw(`CREATE TEMP TABLE incident_staging ON COMMIT DROP AS SELECT ${names} FROM incident WITH NO DATA`);
    await copyCsv(trx, `COPY incident_staging (${names}) FROM %SOURCE% WITH (FORMAT csv)`, lines);
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
         INSERT INTO ${target} (${names}) SELECT ${names} FROM incident_staging r ${unassignedTwin}
         ON CONFLICT DO NOTHING RETURNING district_code)
       SELECT count(*)::int AS n, COALESCE(array_agg(DISTINCT district_code) FILTER (WHERE district_code IS NOT NULL), '{}') AS districts FROM ins`,
    );
    await trx.raw('DROP TABLE incident_staging');
    const row = rowsOf<{ n: number; districts: string[] }>(result)[0];
    return { inserted: row?.n ?? 0, districts: row?.districts ?? [] };
  }

  /** Incidents and harm per cell at `resolution` over the filter's period. */
  async cellTotals(f: IncidentFilter, resolution: number): Promise<CellTotal[]> {
    const q = filteredCube(f, undefined, resolution);
    const result = await this.db.raw(
      `SELECT to_hex(h3_parent(i.cell, ?)) AS cell, sum(${q.n})::int AS incidents, sum(${q.harm})::float8 AS harm
       FROM ${q.from} AND i.cell IS NOT NULL GROUP BY 1 HAVING sum(${q.n}) > 0`,
      [resolution, ...q.bindings],
    );
    return rowsOf<CellTotal>(result);
  }

  /**
   * Incidents and harm per res-11 cell (with `stored` 7, per res-7 cell, from the rollup) and month
   * over every loaded month: the rows of a CellMonthSlice (the filter's period is ignored; a slice
   * answers any period).
   */
  async cellMonthSliceRows(f: IncidentFilter, stored: number = CUBE_RESOLUTION): Promise<SliceRow[]> {
    const q = filteredCube({ ...f, from: '1900-01', to: '9999-12' }, undefined, stored);
    if (q.stored !== stored) throw new Error(`the cube keeps no cells at res ${stored}`);
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
    const q = filteredCube(f, undefined, resolution);
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
    const q = filteredCube(f, undefined, resolution);
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
    const resolution = getResolution(cell);
    const q = filteredCube(f, cubeCellsSql([cell], 'i', cubeStoredAt(resolution)), resolution);
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
      const c = filteredCube(f, undefined, ROLLUP_RESOLUTION); // no cell read: the rollup answers
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
    const q = filteredCube(f, undefined, ROLLUP_RESOLUTION); // only whether the cell is null: the rollup answers
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
      `SELECT to_hex(h3_parent(cell, ?)) AS cell FROM ${resolution <= ROLLUP_RESOLUTION ? 'harm_rollup' : 'harm_cube'} WHERE cell IS NOT NULL${forces?.length ? ' AND force_code = ANY(?::text[])' : ''}
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
    const summary = await forceMonthsSql(this.db, forces?.length ? forces : undefined);
    const result = await this.db.raw(
      `SELECT to_char(month, 'YYYY-MM') AS month FROM ${summary.sql} m GROUP BY 1 HAVING sum(incidents) > 0 ORDER BY 1`,
      summary.bindings,
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
  async compactCube(from: string, to: string, force?: string | null): Promise<void> {
    const byForce = force === undefined ? '' : ' AND force_code IS NOT DISTINCT FROM ?';
    await this.db.raw(
      `WITH old AS (DELETE FROM harm_cube WHERE month BETWEEN ?::date AND ?::date${byForce} RETURNING *)
       INSERT INTO harm_cube (force_code, cell, month, week, source, category, offence_code, knife, firearm, domestic, incidents)
       SELECT force_code, cell, month, week, source, category, offence_code, knife, firearm, domestic, sum(incidents)
       FROM old GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 HAVING sum(incidents) <> 0`,
      [`${from}-01`, `${to}-01`, ...(force === undefined ? [] : [force])],
    );
    // The rollup takes one fragment per insert statement too.
    await this.db.raw(
      `WITH old AS (DELETE FROM harm_rollup WHERE month BETWEEN ?::date AND ?::date${byForce} RETURNING *)
       INSERT INTO harm_rollup (${CUBE_COLUMNS})
       SELECT ${CUBE_COLUMNS.replace(', incidents', '')}, sum(incidents)
       FROM old GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 HAVING sum(incidents) <> 0`,
      [`${from}-01`, `${to}-01`, ...(force === undefined ? [] : [force])],
    );
  }

  /** Whether the cube holds any row of this force (null: unassigned) in these months (on its force-month index). */
  async cubeHolds(force: string | null, from: string, to: string): Promise<boolean> {
    const r = await this.db.raw(
      `SELECT EXISTS (SELECT 1 FROM harm_cube WHERE force_code ${force === null ? 'IS NULL' : '= ?'} AND month BETWEEN ?::date AND ?::date) AS held`,
      [...(force === null ? [] : [force]), `${from}-01`, `${to}-01`],
    );
    return Boolean(rowsOf<{ held: boolean }>(r)[0]?.held);
  }

  /** Refreshes the planner's statistics of the incidents and the cube after a batch of imports. */
  async analyse(): Promise<void> {
    await this.db.raw('ANALYZE incident');
    await this.db.raw('ANALYZE harm_cube');
    await this.db.raw('ANALYZE harm_rollup');
  }

  /** Rebuilds the per-force summary from the incidents (the reference it is tested against). */
  async rebuildForceMonths(): Promise<void> {
    await this.db.raw('DELETE FROM force_month');
    await this.db.raw(`INSERT INTO force_month (force_code, source, month, incidents)
      SELECT force_code, source, month, count(*) FROM incident GROUP BY 1, 2, 3`);
  }

  /** Rebuilds coverage (incidents per import, force, source, month, district and UK local day) from the incidents. */
  async rebuildCoverage(): Promise<void> {
    await this.db.raw('DELETE FROM coverage_count');
    await this.db.raw(`INSERT INTO coverage_count (import_id, force_code, source, month, district_code, day, incidents)
      SELECT import_id, force_code, source, month, district_code, (occurred_at AT TIME ZONE 'Europe/London')::date, count(*)
      FROM incident GROUP BY 1, 2, 3, 4, 5, 6`);
  }

  /** Rebuilds the whole cube from the incidents (the reference the cube is tested against), and the rollup from it. */
  async rebuildCube(): Promise<void> {
    await this.db.raw('DELETE FROM harm_cube');
    await this.db.raw(
      `INSERT INTO harm_cube (force_code, cell, month, week, source, category, offence_code, knife, firearm, domestic, incidents)
       SELECT force_code, h3_parent(cell, 11), month, (date_trunc('week', occurred_at AT TIME ZONE 'Europe/London'))::date,
              source, category, offence_code, knife, firearm, domestic, count(*)
       FROM incident GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`,
    );
    await this.rebuildRollup();
  }

  /** Rebuilds the rollup from the cube: each key's res-11 cell taken to its res-7 parent, counts summed. */
  async rebuildRollup(): Promise<void> {
    await this.db.raw('DELETE FROM harm_rollup');
    await this.db.raw(
      `INSERT INTO harm_rollup (${CUBE_COLUMNS})
       SELECT force_code, h3_parent(cell, ${ROLLUP_RESOLUTION}), month, week, source, category, offence_code, knife, firearm, domestic, sum(incidents)
       FROM harm_cube GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 HAVING sum(incidents) <> 0`,
    );
  }
}

/** The columns of the harm cube and the harm rollup, in order. */
const CUBE_COLUMNS = 'force_code, cell, month, week, source, category, offence_code, knife, firearm, domestic, incidents';
