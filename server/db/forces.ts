import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { repoRoot } from '../config';
import type { ForceRecord } from '../domain/forces';
import { rowsOf, type Db } from './connection';
import { forceMonthsSql, forcesOnShards } from './forceMonths';

/** The police force areas of England and Wales as shipped in geodata/forces.json. */
export function shippedForces(): ForceRecord[] {
  const file = JSON.parse(fs.readFileSync(path.join(repoRoot, 'geodata', 'forces.json'), 'utf8')) as { forces: [string, string, string][] };
  return file.forces.map(([code, name, policeUkName]) => ({ code, name, policeUkName }));
}

/** The force registry and what each force holds: districts, incidents, months. */
export class ForceStore {
  constructor(private readonly db: Db | Knex.Transaction) {}

  /** Adds or renames the shipped forces; safe on every start. */
  async seed(forces: ForceRecord[]): Promise<void> {
    const existing = new Map((await this.registry()).map((f) => [f.code, f]));
    const changed = forces.filter((f) => {
      const e = existing.get(f.code);
      return !e || e.name !== f.name || e.policeUkName !== f.policeUkName;
    });
    if (changed.length === 0) return;
    await this.db('force')
      .insert(changed.map((f) => ({ code: f.code, name: f.name, police_uk_name: f.policeUkName })))
      .onConflict('code')
      .merge();
  }

  /** Every force known, loaded or not. */
  async registry(): Promise<ForceRecord[]> {
    return this.db('force').select('code', 'name', { policeUkName: 'police_uk_name' }).orderBy('code');
  }

  /**
   * Forces that hold incidents or districts, with their districts and loaded months, read from the
   * per-force summary (a force on a shard from its cube); `only` reads these forces alone (the
   * others' partitions are not touched, as when a shard is down).
   */
  async loaded(only?: string[]): Promise<(ForceRecord & { districts: string[]; incidents: number; firstMonth: string | null; lastMonth: string | null })[]> {
    const months = await forceMonthsSql(this.db, only);
    const result = await this.db.raw(
      `
      WITH inc AS (SELECT force_code, sum(incidents)::int AS incidents, to_char(min(month), 'YYYY-MM') AS first_month,
                          to_char(max(month), 'YYYY-MM') AS last_month FROM ${months.sql} m GROUP BY 1),
           dis AS (SELECT force_code, array_agg(DISTINCT code ORDER BY code) AS districts FROM boundary
                   WHERE kind = 'district' AND force_code IS NOT NULL GROUP BY 1)
      SELECT f.code, f.name, f.police_uk_name AS "policeUkName", COALESCE(dis.districts, '{}') AS districts,
             COALESCE(inc.incidents, 0) AS incidents, inc.first_month AS "firstMonth", inc.last_month AS "lastMonth"
      FROM force f LEFT JOIN inc ON inc.force_code = f.code LEFT JOIN dis ON dis.force_code = f.code
      WHERE inc.force_code IS NOT NULL OR dis.force_code IS NOT NULL ORDER BY f.name`,
      months.bindings,
    );
    return rowsOf(result);
  }

  /**
   * Gives every district without a declared force the force of most incidents inside it (of this
   * import, when given). A district nobody's incidents fall in keeps no force.
   */
  async assignDistricts(importId?: number): Promise<void> {
    await this.db.raw(
      `
      UPDATE boundary b SET force_code = m.force_code FROM (
        SELECT DISTINCT ON (district_code) district_code, force_code FROM incident
        WHERE district_code IS NOT NULL AND force_code IS NOT NULL${importId ? ' AND import_id = ?' : ''}
        GROUP BY district_code, force_code ORDER BY district_code, count(*) DESC) m
      WHERE b.kind = 'district' AND b.code = m.district_code AND NOT b.force_declared AND b.force_code IS DISTINCT FROM m.force_code`,
      importId ? [importId] : [],
    );
  }

  /**
   * Gives these districts (where one import's incidents fall) the import's force, as assignDistricts
   * does for an import, without reading the incidents: every incident of an import has its force.
   */
  async assignDistrictsTo(force: string, districts: string[]): Promise<void> {
    await this.db.raw(
      `UPDATE boundary SET force_code = ? WHERE kind = 'district' AND code = ANY(?::text[]) AND NOT force_declared AND force_code IS DISTINCT FROM ?`,
      [force, districts as unknown as Knex.RawBinding, force],
    );
  }

  /** The force each district belongs to (districts without one are left out). */
  async districtForces(): Promise<Map<string, string>> {
    const rows: { code: string; force_code: string }[] = await this.db('boundary')
      .where({ kind: 'district' })
      .whereNotNull('force_code')
      .select('code', 'force_code');
    return new Map(rows.map((r) => [r.code, r.force_code]));
  }

  /**
   * Incidents imported before any force was loaded (a force extract that names none) belong to the
   * force once exactly one is loaded: their rows and their cube rows move together, so the cube stays
   * exact. With several forces loaded they stay unassigned until the user names their force.
   */
  async adoptUnassigned(): Promise<number> {
    if (!(await this.db('force_month').whereNull('force_code').first('month'))) return 0;
    const forces = rowsOf<{ force_code: string }>(
      await this.db.raw(
        `SELECT DISTINCT force_code FROM force_month WHERE force_code IS NOT NULL
         UNION SELECT DISTINCT force_code FROM boundary WHERE force_code IS NOT NULL UNION SELECT unnest(?::text[])`,
        [(await forcesOnShards(this.db)) as unknown as Knex.RawBinding],
      ),
    );
    if (forces.length !== 1) return 0;
    const code = forces[0]!.force_code;
    const moved = await this.db('incident').whereNull('force_code').update({ force_code: code });
    if (moved) {
      await this.db('harm_cube').whereNull('force_code').update({ force_code: code });
      await this.db('harm_rollup').whereNull('force_code').update({ force_code: code });
      // The summary's triggers count inserts and deletes, not this update: move its counts alike.
      await this.db.raw(
        `INSERT INTO force_month AS f (force_code, source, month, incidents)
         SELECT ?, source, month, incidents FROM force_month WHERE force_code IS NULL
         ON CONFLICT ON CONSTRAINT force_month_key DO UPDATE SET incidents = f.incidents + excluded.incidents`,
        [code],
      );
      await this.db('force_month').whereNull('force_code').delete();
    }
    return moved;
  }

  /** Names the force of these districts (the user's declaration wins over the incidents'). */
  async declareDistricts(codes: string[], force: string): Promise<void> {
    await this.db('boundary').where({ kind: 'district' }).whereIn('code', codes).update({ force_code: force, force_declared: true });
  }
}
