import type { Knex } from 'knex';
import type { Db } from '../db/connection';
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

/**
 * Tags rows before they are stored, by the same rule as tagIncidents (the vintage in force in each
 * row's month; nearest ward or LSOA within 100 m inside a district), so a file's incidents are
 * written once with their tags instead of being updated after. Returns null when no boundaries are
 * loaded. Indexes are built once per boundary set and month group of the file.
 */
export async function tagsForRows(
  db: Db | Knex.Transaction,
  rows: { month: string; lon: number | null; lat: number | null }[],
): Promise<(IncidentTags | null)[] | null> {
  const geo = new GeographyStore(db);
  const loaded = await geo.vintages();
  if (loaded.length === 0) return null;
  const vintagesOf = (kind: 'ward' | 'lsoa') => loaded.filter((l) => l.kind === kind).map((l) => l.vintage);
  const districts = await geo.boundaries('district');
  const districtIndex = districts.length ? new RegionIndex(districts) : null;
  const indexes = new Map<string, RegionIndex | null>();
  const indexOf = async (kind: 'ward' | 'lsoa', vintage: string | null): Promise<RegionIndex | null> => {
    if (!vintage) return null;
    const key = `${kind}|${vintage}`;
    if (!indexes.has(key)) {
      const b = await geo.boundaries(kind, vintage);
      indexes.set(key, b.length ? new RegionIndex(b) : null);
    }
    return indexes.get(key)!;
  };
  const memo = new Map<string, IncidentTags>();
  const out: (IncidentTags | null)[] = [];
  for (const r of rows) {
    if (r.lon === null || r.lat === null) {
      out.push(null);
      continue;
    }
    const wardVintage = vintageFor('ward', r.month, vintagesOf('ward'));
    const lsoaVintage = vintageFor('lsoa', r.month, vintagesOf('lsoa'));
    const key = `${r.lon},${r.lat},${wardVintage},${lsoaVintage}`;
    let t = memo.get(key);
    if (!t) {
      const district = districtIndex?.locate(r.lon, r.lat) ?? null;
      const find = (index: RegionIndex | null) => (index ? (district ? index.locateOrNearest(r.lon!, r.lat!, 100) : index.locate(r.lon!, r.lat!)) : null);
      t = { district, ward: find(await indexOf('ward', wardVintage)), wardVintage, lsoa: find(await indexOf('lsoa', lsoaVintage)), lsoaVintage };
      memo.set(key, t);
    }
    out.push(t);
  }
  return out;
}
