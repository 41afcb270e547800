import type { Knex } from 'knex';
import type { DefinitionRules } from '../domain/definitions';
import { CUBE_RESOLUTION, ROLLUP_RESOLUTION, storageRangeOf } from '../domain/h3cell';
import { getResolution } from 'h3-js';
import { monthToDate, type Month } from '../domain/months';

/** What every incident query filters on. */
export interface IncidentFilter {
  from: Month;
  to: Month;
  definition: DefinitionRules;
  schemeId: number;
  /** Restrict to these sources ('data.police.uk', 'force-extract'); all when absent. */
  sources?: string[] | undefined;
  /** Restrict to these forces (ONS PFA codes); all when absent. */
  forces?: string[] | undefined;
}

/** A WHERE fragment with its bindings, for knex.raw. */
export interface SqlFragment {
  sql: string;
  bindings: Knex.RawBinding[];
}

/** Compiles a definition to SQL with the semantics of domain/definitions.matchesDefinition. */
export function definitionSql(rules: DefinitionRules, alias = 'i'): SqlFragment {
  const parts: string[] = [];
  const bindings: Knex.RawBinding[] = [];
  for (const rule of rules.anyOf) {
    const conds: string[] = [];
    if (rule.categories?.length) {
      conds.push(`${alias}.category = ANY(?::text[])`);
      bindings.push(rule.categories as unknown as Knex.RawBinding);
    }
    if (rule.offenceCodes?.length) {
      conds.push(`${alias}.offence_code = ANY(?::text[])`);
      bindings.push(rule.offenceCodes as unknown as Knex.RawBinding);
    }
    switch (rule.weapon) {
      case 'knife':
        conds.push(`${alias}.knife IS TRUE`);
        break;
      case 'firearm':
        conds.push(`${alias}.firearm IS TRUE`);
        break;
      case 'knife_or_firearm':
        conds.push(`(${alias}.knife IS TRUE OR ${alias}.firearm IS TRUE)`);
        break;
      case 'none':
        conds.push(`${alias}.knife IS NOT TRUE AND ${alias}.firearm IS NOT TRUE`);
        break;
      default:
        break;
    }
    if (rule.domestic === 'exclude') conds.push(`${alias}.domestic IS NOT TRUE`);
    if (rule.domestic === 'only') conds.push(`${alias}.domestic IS TRUE`);
    parts.push(conds.length ? `(${conds.join(' AND ')})` : 'TRUE');
  }
  return { sql: parts.length ? `(${parts.join(' OR ')})` : 'FALSE', bindings };
}

/**
 * FROM … WHERE … for incidents matching a filter, with `harm` as the weight of each incident under
 * the scheme (offence-code weight, else category weight, else the scheme default, else 0).
 */
export function filteredIncidents(f: IncidentFilter, extraWhere?: SqlFragment): { from: string; harm: string; bindings: Knex.RawBinding[] } {
  return filtered('incident', f, extraWhere);
}

/**
 * The same filter over the harm cube: `n` is the number of incidents a cube row stands for and
 * `harm` its summed weight, so `sum(n)` and `sum(harm)` answer what count(*) and sum(weight) answer
 * over raw incidents. The cube holds every field a definition, a scheme, a source or a force reads.
 * `resolution` is the finest resolution the query reads cells at (groups by or tests against): at
 * ROLLUP_RESOLUTION or coarser the rows come from the harm rollup (the same key with res-7 cells,
 * kept exact with the cube), whose `i.cell` then holds res-7 cells; pass ROLLUP_RESOLUTION for a
 * question that reads no cell but whether it is null. `stored` says which resolution `i.cell` holds.
 */
export function filteredCube(
  f: IncidentFilter,
  extraWhere?: SqlFragment,
  resolution: number = CUBE_RESOLUTION,
): { from: string; n: string; harm: string; bindings: Knex.RawBinding[]; stored: number } {
  const stored = cubeStoredAt(resolution);
  const q = filtered(stored === ROLLUP_RESOLUTION ? 'harm_rollup' : 'harm_cube', f, extraWhere);
  return { ...q, n: 'i.incidents', harm: `i.incidents * ${q.harm}`, stored };
}

/** The resolution of the cube table that answers a question read at `resolution`: the rollup's at res 7 or coarser, else the cube's. */
export function cubeStoredAt(resolution: number): number {
  return resolution <= ROLLUP_RESOLUTION ? ROLLUP_RESOLUTION : CUBE_RESOLUTION;
}

function filtered(
  table: 'incident' | 'harm_cube' | 'harm_rollup',
  f: IncidentFilter,
  extraWhere?: SqlFragment,
): { from: string; harm: string; bindings: Knex.RawBinding[] } {
  const def = definitionSql(f.definition);
  const bindings: Knex.RawBinding[] = [f.schemeId, f.schemeId, f.schemeId, monthToDate(f.from), monthToDate(f.to), ...def.bindings];
  let sources = '';
  if (f.sources?.length) {
    sources = ' AND i.source = ANY(?::text[])';
    bindings.push(f.sources as unknown as Knex.RawBinding);
  }
  let forces = '';
  if (f.forces?.length) {
    forces = ' AND i.force_code = ANY(?::text[])';
    bindings.push(f.forces as unknown as Knex.RawBinding);
  }
  let extra = '';
  if (extraWhere) {
    extra = ` AND ${extraWhere.sql}`;
    bindings.push(...extraWhere.bindings);
  }
  return {
    from: `${table} i
      LEFT JOIN harm_weight wc ON wc.scheme_id = ? AND wc.match_kind = 'offence_code' AND wc.match_value = i.offence_code
      LEFT JOIN harm_weight wk ON wk.scheme_id = ? AND wk.match_kind = 'category' AND wk.match_value = i.category
      JOIN harm_scheme s ON s.id = ?
      WHERE i.month BETWEEN ?::date AND ?::date AND ${def.sql}${sources}${forces}${extra}`,
    harm: 'COALESCE(wc.weight, wk.weight, s.default_weight, 0)',
    bindings,
  };
}

/** Above this many cells an area is tested by its cells' parents, not by one index range per cell. */
const MAX_CELL_RANGES = 64;

/**
 * Incidents inside any of the given cells (any resolution). `stored` is the resolution the table keeps
 * its cells at (incidents 12, the harm cube 11). A few cells: one index range per cell, which the b-tree
 * answers. Many (an HCHH area of res-11 cells has hundreds): each row's parent at the cells' resolution
 * looked up in the list (a hashed `= ANY`), because PostgreSQL tests a long OR of ranges row by row —
 * 1,432 ranges took 9 s over a year of Merseyside, the parent test a fraction of a second.
 */
export function cellsSql(cells: string[], alias = 'i', stored?: number): SqlFragment {
  if (cells.length === 0) return { sql: 'FALSE', bindings: [] };
  if (cells.length <= MAX_CELL_RANGES) {
    const ranges = cells.map((c) => storageRangeOf(c, stored));
    return {
      sql: `(${ranges.map(() => `${alias}.cell BETWEEN ?::bigint AND ?::bigint`).join(' OR ')})`,
      bindings: ranges.flatMap((r) => [r.lo, r.hi]),
    };
  }
  const byResolution = new Map<number, string[]>();
  for (const c of cells) {
    storageRangeOf(c, stored); // the same check: no cell finer than the stored resolution
    const res = getResolution(c);
    const list = byResolution.get(res) ?? [];
    list.push(BigInt(`0x${c}`).toString());
    byResolution.set(res, list);
  }
  const groups = [...byResolution.entries()];
  return {
    sql: `(${groups.map(() => `h3_parent(${alias}.cell, ?) = ANY(?::bigint[])`).join(' OR ')})`,
    bindings: groups.flatMap(([res, ids]) => [res, ids as unknown as Knex.RawBinding]),
  };
}

/** cellsSql over the harm cube, whose cells are kept at res 11, or (stored = 7) over the harm rollup. */
export function cubeCellsSql(cells: string[], alias = 'i', stored: number = CUBE_RESOLUTION): SqlFragment {
  return cellsSql(cells, alias, stored);
}
