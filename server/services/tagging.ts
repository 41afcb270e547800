import type { Knex } from 'knex';
import { rowsOf, type Db } from '../db/connection';
import { ForceStore } from '../db/forces';
import { GeographyStore } from '../db/geography';
import { IncidentStore } from '../db/incidents';
import { vintageFor } from '../domain/geography/boundaries';
import type { IncidentTags } from '../domain/geography/tags';
import { RegionIndex } from '../domain/geography/pointInPolygon';
import { monthRange } from '../domain/months';

/**
 * Tags incidents with their district, ward and LSOA by point in polygon, each incident against the
 * boundary vintage in force in its month. data.police.uk positions are snap points shared by many
 * incidents, so each distinct position is located once. Incidents outside the districts are kept and
 * flagged (in_study_area = false), never dropped. Districts then take the force of the incidents
 * inside them.
 */
export async function tagIncidents(db: Db | Knex.Transaction, opts: { importId?: number } = {}): Promise<{ positions: number; ms: number }> {
  const t0 = Date.now();
  const geo = new GeographyStore(db);
  const incidents = new IncidentStore(db);
  const loaded = await geo.vintages();
  const districts = await geo.boundaries('district');
  if (districts.length === 0 && loaded.length === 0) return { positions: 0, ms: 0 };
  const months = await incidents.months();
  if (months.length === 0) return { positions: 0, ms: 0 };
  const vintagesOf = (kind: 'ward' | 'lsoa') => loaded.filter((l) => l.kind === kind).map((l) => l.vintage);
  // Group months by the (ward, LSOA) vintages in force, so each group is tagged in one pass.
  const groups = new Map<string, { ward: string | null; lsoa: string | null; months: string[] }>();
  for (const m of monthRange(months[0]!, months[months.length - 1]!)) {
    const ward = vintageFor('ward', m, vintagesOf('ward'));
    const lsoa = vintageFor('lsoa', m, vintagesOf('lsoa'));
    const key = `${ward}|${lsoa}`;
    if (!groups.has(key)) groups.set(key, { ward, lsoa, months: [] });
    groups.get(key)!.months.push(m);
  }
  const districtIndex = districts.length ? new RegionIndex(districts) : null;
  let total = 0;
  for (const g of groups.values()) {
    const wardIndex = g.ward ? new RegionIndex(await geo.boundaries('ward', g.ward)) : null;
    const lsoaIndex = g.lsoa ? new RegionIndex(await geo.boundaries('lsoa', g.lsoa)) : null;
    const from = g.months[0]!,
      to = g.months[g.months.length - 1]!;
    const positions = await incidents.positions(from, to, opts.importId);
    const tags = positions.map((p) => {
      const district = districtIndex?.locate(p.lon, p.lat) ?? null;
      // Inside a district, a point in a sliver between generalised ward or LSOA outlines takes the nearest.
      const find = (index: RegionIndex | null) => (index ? (district ? index.locateOrNearest(p.lon, p.lat, 100) : index.locate(p.lon, p.lat)) : null);
      return { lon: p.lon, lat: p.lat, district, ward: find(wardIndex), lsoa: find(lsoaIndex) };
    });
    await incidents.applyTags({ from, to, importId: opts.importId }, { ward: g.ward, lsoa: g.lsoa }, tags);
    total += positions.length;
  }
  // A district belongs to the force whose incidents fall in it, unless the user declared its force.
  await new ForceStore(db).assignDistricts(opts.importId);
  return { positions: total, ms: Date.now() - t0 };
}

/** What tagging rows needs from one state of the boundaries: their indexes and the tags found so far. */
interface TagState {
  signature: string;
  vintages: { kind: string; vintage: string }[];
  districtIndex: RegionIndex | null;
  indexes: Map<string, Promise<RegionIndex | null>>;
  memo: Map<string, IncidentTags>;
}

// Per database (knex shares its config object between a handle and its transactions): the boundary
// indexes and the tags of positions already located. data.police.uk snap points recur month after
// month, so a first start of 45 files locates each point once instead of once per file, and builds
// the indexes once instead of per file. The state is kept while the boundaries are unchanged: any
// load or reload inserts rows with new ids (a sequence never goes back, even on rollback).
const tagStates = new WeakMap<object, TagState>();
const MEMO_LIMIT = 1_000_000;

async function tagState(db: Db | Knex.Transaction): Promise<TagState | null> {
  const loaded = rowsOf<{ kind: string; vintage: string; count: number; last: number }>(
    await db.raw('SELECT kind, vintage, count(*)::int AS count, max(id)::int AS last FROM boundary GROUP BY 1, 2 ORDER BY 1, 2'),
  );
  if (loaded.length === 0) return null;
  const signature = JSON.stringify(loaded);
  const key = (db.client as { config: object }).config;
  const known = tagStates.get(key);
  if (known?.signature === signature) return known;
  const geo = new GeographyStore(db);
  const districts = await geo.boundaries('district');
  const state: TagState = {
    signature,
    vintages: loaded,
    districtIndex: districts.length ? new RegionIndex(districts) : null,
    indexes: new Map(),
    memo: new Map(),
  };
  const index = (kind: 'ward' | 'lsoa', vintage: string) => geo.boundaries(kind, vintage).then((b) => (b.length ? new RegionIndex(b) : null));
  for (const v of loaded) if (v.kind === 'ward' || v.kind === 'lsoa') state.indexes.set(`${v.kind}|${v.vintage}`, index(v.kind, v.vintage));
  await Promise.all(state.indexes.values());
  tagStates.set(key, state);
  return state;
}

/**
 * Tags rows before they are stored, by the same rule as tagIncidents (the vintage in force in each
 * row's month; nearest ward or LSOA within 100 m inside a district), so a file's incidents are
 * written once with their tags instead of being updated after. Returns null when no boundaries are
 * loaded. Indexes are built once per state of the boundaries, and each position is located once per
 * boundary vintages (see tagStates).
 */
export async function tagsForRows(
  db: Db | Knex.Transaction,
  rows: { month: string; lon: number | null; lat: number | null }[],
): Promise<(IncidentTags | null)[] | null> {
  const state = await tagState(db);
  if (!state) return null;
  const vintagesOf = (kind: 'ward' | 'lsoa') => state.vintages.filter((l) => l.kind === kind).map((l) => l.vintage);
  const wardVintages = vintagesOf('ward');
  const lsoaVintages = vintagesOf('lsoa');
  const byMonth = new Map<string, { ward: string | null; lsoa: string | null; wardIndex: RegionIndex | null; lsoaIndex: RegionIndex | null }>();
  const { memo, districtIndex } = state;
  if (memo.size > MEMO_LIMIT) memo.clear();
  const out: (IncidentTags | null)[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r.lon === null || r.lat === null) {
      out[i] = null;
      continue;
    }
    let v = byMonth.get(r.month);
    if (!v) {
      const ward = vintageFor('ward', r.month, wardVintages);
      const lsoa = vintageFor('lsoa', r.month, lsoaVintages);
      v = {
        ward,
        lsoa,
        wardIndex: ward ? ((await state.indexes.get(`ward|${ward}`)) ?? null) : null,
        lsoaIndex: lsoa ? ((await state.indexes.get(`lsoa|${lsoa}`)) ?? null) : null,
      };
      byMonth.set(r.month, v);
    }
    const key = `${r.lon},${r.lat},${v.ward},${v.lsoa}`;
    let t = memo.get(key);
    if (!t) {
      const lon = r.lon;
      const lat = r.lat;
      const district = districtIndex?.locate(lon, lat) ?? null;
      const find = (index: RegionIndex | null) => (index ? (district ? index.locateOrNearest(lon, lat, 100) : index.locate(lon, lat)) : null);
      t = { district, ward: find(v.wardIndex), wardVintage: v.ward, lsoa: find(v.lsoaIndex), lsoaVintage: v.lsoa };
      memo.set(key, t);
    }
    out[i] = t;
  }
  return out;
}
