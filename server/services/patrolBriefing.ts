import fs from 'node:fs';
import path from 'node:path';
import Flatbush from 'flatbush';
import type { Db } from '../db/connection';
import { ImportStore } from '../db/imports';
import { cellsSql } from '../db/incidentQueries';
import { boxOf } from '../domain/geography/areaShape';
import { patrolBriefing, VISIT_GUIDANCE } from '../domain/patrolBriefing';
import { DomainError } from '../domain/errors';
import { round } from '../domain/round';
import { cellsOutline, type Analysis, type HchhRequest, type ResolvedParams } from './analysis';
import { AreaQueries } from '../db/areaQueries';

export interface Road {
  name: string | null;
  class: string;
  coordinates: number[][][];
}

/** The OSM roads of the offline basemap (basemap/roads.geojson), indexed by box; read once per file. */
class RoadIndex {
  private static cache = new Map<string, RoadIndex | null>();
  private constructor(
    private readonly roads: Road[],
    private readonly index: Flatbush,
  ) {}

  static load(file: string): RoadIndex | null {
    if (RoadIndex.cache.has(file)) return RoadIndex.cache.get(file)!;
    let idx: RoadIndex | null = null;
    if (fs.existsSync(file)) {
      const fc = JSON.parse(fs.readFileSync(file, 'utf8')) as {
        features: { properties?: { name?: string | null; class?: string }; geometry?: { type: string; coordinates: unknown } }[];
      };
      const roads: Road[] = [];
      for (const f of fc.features) {
        const g = f.geometry;
        if (!g) continue;
        const lines = g.type === 'LineString' ? [g.coordinates as number[][]] : g.type === 'MultiLineString' ? (g.coordinates as number[][][]) : null;
        if (!lines) continue;
        roads.push({ name: f.properties?.name ?? null, class: f.properties?.class ?? 'minor', coordinates: lines });
      }
      const index = new Flatbush(Math.max(1, roads.length));
      for (const r of roads) {
        let w = Infinity,
          s = Infinity,
          e = -Infinity,
          n = -Infinity;
        for (const line of r.coordinates)
          for (const [x, y] of line as [number, number][]) {
            w = Math.min(w, x);
            s = Math.min(s, y);
            e = Math.max(e, x);
            n = Math.max(n, y);
          }
        index.add(w, s, e, n);
      }
      if (roads.length === 0) index.add(0, 0, 0, 0);
      index.finish();
      idx = new RoadIndex(roads, index);
    }
    RoadIndex.cache.set(file, idx);
    return idx;
  }

  within(box: [number, number, number, number]): Road[] {
    return this.index
      .search(box[0], box[1], box[2], box[3])
      .map((i) => this.roads[i]!)
      .filter(Boolean);
  }
}

/**
 * Patrol briefings for High Crime High Harm areas: the areas as /api/hchh finds them, each with its
 * streets, peak months and times, suggested visits and the roads around it for an outline map.
 */
export class PatrolBriefingService {
  private readonly imports: ImportStore;
  private readonly queries: AreaQueries;

  constructor(
    db: Db,
    private readonly analysis: Analysis,
    private readonly dataDir: string,
  ) {
    this.imports = new ImportStore(db);
    this.queries = new AreaQueries(db);
  }

  async briefing(r: ResolvedParams, request: HchhRequest, ranks: number[] | undefined, withRoads: boolean, streets = 10) {
    const result = await this.analysis.hchh(r, request);
    if (ranks) {
      const missing = ranks.filter((n) => !result.areas.some((a) => a.rank === n));
      if (missing.length)
        throw new DomainError('not_found', `areas: no HCHH area ${missing.join(', ')}; there are ${result.areas.length} (ranks 1–${result.areas.length})`);
    }
    const chosen = ranks ? result.areas.filter((a) => ranks.includes(a.rank)) : result.areas;
    const [loaded, lastImport] = await Promise.all([this.analysis.incidents.months(), this.imports.list(20)]);
    const refreshed = lastImport.filter((i) => i.status === 'imported').map((i) => i.finishedAt ?? i.startedAt)[0] ?? null;
    const roads = withRoads ? RoadIndex.load(path.join(this.dataDir, 'basemap', 'roads.geojson')) : null;
    const areas = await Promise.all(
      chosen.map(async (a) => {
        const sel = { kind: 'cells' as const, cells: a.cells };
        const [locations, months, times] = await Promise.all([
          this.queries.topLocations(r.filter, sel, 100000),
          this.queries.monthTotals(r.filter, sel),
          this.analysis.incidents.timeProfile(r.filter, cellsSql(a.cells)),
        ]);
        const b = patrolBriefing({ locations, months, times }, { streets });
        const outline = cellsOutline(a.cells);
        const box = padBox(boxOf(outline as never), 0.0015);
        return {
          rank: a.rank,
          name: a.name,
          cells: a.cells.length,
          cellIds: a.cells,
          areaKm2: round(a.areaKm2, 4),
          incidents: a.incidents,
          harm: round(a.harm),
          shareOfIncidents: round(a.shareOfIncidents, 6),
          shareOfHarm: round(a.shareOfHarm, 6),
          outline,
          box,
          streets: b.streets.map((s) => ({ ...s, harm: round(s.harm) })),
          peakMonths: b.peakMonths.map((m) => ({ ...m, harm: round(m.harm) })),
          peakTimes: b.peakTimes,
          visits: b.visits,
          ...(withRoads ? { roads: roads ? roads.within(box) : null } : {}),
        };
      }),
    );
    return {
      ...this.analysis.describe(r),
      rule: `${result.rule.text} (as /api/hchh)`,
      /** The H3 resolution of every area's cells (cellIds). */
      cellResolution: result.cellResolution,
      dataRefresh: { latestMonthLoaded: loaded[loaded.length - 1] ?? null, lastImport: refreshed ? new Date(refreshed).toISOString() : null },
      guidance: VISIT_GUIDANCE,
      streetsRule:
        'streets are data.police.uk location texts ("On or near …", an anonymised snap point on or near the street) summed by street name; most harm first',
      areas,
    };
  }
}

function padBox(b: [number, number, number, number], d: number): [number, number, number, number] {
  return [b[0] - d, b[1] - d * 0.6, b[2] + d, b[3] + d * 0.6];
}
