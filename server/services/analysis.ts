import { cellArea, cellToBoundary, cellToLatLng, polygonToCells } from 'h3-js';
import { vintageFor } from '../domain/geography/boundaries';
import { nameArea } from '../domain/geography/areaName';
import { RegionIndex } from '../domain/geography/pointInPolygon';
import { GeographyStore } from '../db/geography';
import { cellsSql } from '../db/incidentQueries';
import type { Db } from '../db/connection';
import { IncidentStore, type IncidentFilter } from '../db/incidents';
import { ReferenceStore, type DefinitionRecord, type HarmSchemeRecord } from '../db/reference';
import { DEFAULT_DEFINITION } from '../domain/definitions';
import { CCHI_KEY, COUNT_KEY } from '../domain/harm';
import { cellsOutline, hchhAreas, type CellTotal, type HchhOptions } from '../domain/hchh';
import { monthRange, type Month } from '../domain/months';
import { HttpError } from '../http/httpError';

export interface AnalysisParams {
  resolution: number;
  from?: Month | undefined;
  to?: Month | undefined;
  definition?: string | undefined;
  scheme?: string | undefined;
  source?: string[] | undefined;
  /** Study area: these districts' codes (default all loaded districts). */
  districts?: string[] | undefined;
}

export interface ResolvedParams {
  resolution: number;
  from: Month;
  to: Month;
  definition: DefinitionRecord;
  scheme: HarmSchemeRecord;
  filter: IncidentFilter;
  districts?: string[] | undefined;
}

/**
 * Hotspot analysis over stored incidents: resolves the request's definition, harm scheme and period,
 * then asks the incident store and the pure domain functions.
 */
export class Analysis {
  readonly incidents: IncidentStore;
  readonly reference: ReferenceStore;
  readonly geography: GeographyStore;
  private readonly studyCellsCache = new Map<string, string[]>();

  constructor(db: Db) {
    this.incidents = new IncidentStore(db);
    this.reference = new ReferenceStore(db);
    this.geography = new GeographyStore(db);
  }

  async defaults(): Promise<{ definition: string; scheme: string; months: Month[] }> {
    const schemes = await this.reference.schemes();
    return {
      definition: DEFAULT_DEFINITION,
      scheme: schemes.some((s) => s.key === CCHI_KEY) ? CCHI_KEY : COUNT_KEY,
      months: await this.incidents.months(),
    };
  }

  async resolve(p: AnalysisParams): Promise<ResolvedParams> {
    const defaults = await this.defaults();
    const definitionKey = p.definition ?? defaults.definition;
    const definition = await this.reference.definition(definitionKey);
    if (!definition) {
      const known = (await this.reference.definitions()).map((d) => d.key).join(', ');
      throw new HttpError(400, `unknown definition "${definitionKey}"; known definitions: ${known}`);
    }
    const schemeKey = p.scheme ?? defaults.scheme;
    const scheme = await this.reference.scheme(schemeKey);
    if (!scheme) {
      const known = (await this.reference.schemes()).map((s) => s.key).join(', ');
      throw new HttpError(400, `unknown harm scheme "${schemeKey}"; known schemes: ${known}`);
    }
    const first = defaults.months[0];
    const last = defaults.months[defaults.months.length - 1];
    const from = p.from ?? first;
    const to = p.to ?? last;
    if (!from || !to) throw new HttpError(404, 'no incidents are loaded yet; import data first (see README)');
    if (from > to) throw new HttpError(400, `from (${from}) is after to (${to})`);
    return {
      resolution: p.resolution, from, to, definition, scheme, districts: p.districts,
      filter: { from, to, definition: definition.rules, schemeId: scheme.id, sources: p.source },
    };
  }

  describe(r: ResolvedParams) {
    return {
      resolution: r.resolution, from: r.from, to: r.to, monthCount: monthRange(r.from, r.to).length,
      definition: { key: r.definition.key, name: r.definition.name, isProxy: r.definition.isProxy },
      scheme: { key: r.scheme.key, name: r.scheme.name, unit: r.scheme.unit },
    };
  }

  /** Cells with incidents, highest harm first. */
  async cells(r: ResolvedParams): Promise<(CellTotal & { rank: number })[]> {
    const totals = await this.incidents.cellTotals(r.filter, r.resolution);
    totals.sort((a, b) => b.harm - a.harm || b.incidents - a.incidents || a.cell.localeCompare(b.cell));
    return totals.map((t, i) => ({ ...t, rank: i + 1 }));
  }

  /**
   * The study area's cells with their totals, empty cells included. Until boundaries are loaded the
   * study area is every cell that holds at least one incident of any kind in any loaded month.
   */
  async studyArea(r: ResolvedParams, opts: { districts?: string[] | undefined } = {}): Promise<{ cells: CellTotal[]; basis: string }> {
    opts = { districts: opts.districts ?? r.districts };
    const loadedDistricts = await this.geography.boundaries('district');
    const unknown = (opts.districts ?? []).filter((c) => !loadedDistricts.some((d) => d.code === c));
    if (unknown.length) throw new HttpError(400, `unknown district ${unknown.join(', ')}; loaded districts: ${loadedDistricts.map((d) => `${d.code} ${d.name}`).join(', ') || 'none'}`);
    // Optional filter: the union of the chosen districts (default all loaded: the five Merseyside districts).
    const districts = opts.districts?.length ? loadedDistricts.filter((d) => opts.districts!.includes(d.code)) : loadedDistricts;
    const totals = await this.incidents.cellTotals(r.filter, r.resolution);
    const byCell = new Map(totals.map((t) => [t.cell, t]));
    if (districts.length) {
      // The study area: every cell whose centre lies in one of the districts, empty cells included.
      const key = `${r.resolution}:${districts.map((d) => `${d.code}/${d.vintage}`).join(',')}`;
      let cells = this.studyCellsCache.get(key);
      if (!cells) {
        const set = new Set<string>();
        for (const d of districts) {
          const polygons = d.geometry.type === 'Polygon' ? [d.geometry.coordinates] : (d.geometry.coordinates as unknown[]);
          for (const p of polygons) for (const c of polygonToCells(p as number[][][], r.resolution, true)) set.add(c);
        }
        cells = [...set].sort();
        this.studyCellsCache.set(key, cells);
      }
      return {
        cells: cells.map((cell) => byCell.get(cell) ?? { cell, incidents: 0, harm: 0 }),
        basis: `H3 cells whose centre lies in the ${districts.length} district${districts.length === 1 ? "" : "s"} (${districts.map((d) => d.name).join(', ')}; ${districts[0]!.vintage} boundaries, ${districts.reduce((s, d) => s + d.areaKm2, 0).toFixed(0)} km²)`,
      };
    }
    const occupied = await this.incidents.occupiedCells(r.resolution);
    const cells = occupied.map((cell) => byCell.get(cell) ?? { cell, incidents: 0, harm: 0 });
    return { cells, basis: 'cells holding at least one incident of any kind in any loaded month (boundaries not loaded)' };
  }

  /** Names areas of cells by the wards (vintage in force at `month`) and district their cell centres fall in. */
  async areaNamer(month: string): Promise<AreaNamer> {
    const loaded = (await this.geography.vintages()).filter((v) => v.kind === 'ward').map((v) => v.vintage);
    const vintage = vintageFor('ward', month, loaded);
    const [wards, districts] = await Promise.all([vintage ? this.geography.boundaries('ward', vintage) : [], this.geography.boundaries('district')]);
    const wardIndex = wards.length ? new RegionIndex(wards) : null;
    const districtIndex = districts.length ? new RegionIndex(districts) : null;
    const wardName = new Map(wards.map((w) => [w.code, w.name]));
    const districtName = new Map(districts.map((d) => [d.code, d.name]));
    return (cells, topLocations) => {
      const counts = new Map<string, number>();
      const districtCounts = new Map<string, number>();
      for (const c of cells) {
        const [lat, lng] = cellToLatLng(c);
        const w = wardIndex?.locate(lng, lat);
        const d = districtIndex?.locate(lng, lat);
        if (w) counts.set(w, (counts.get(w) ?? 0) + 1);
        if (d) districtCounts.set(d, (districtCounts.get(d) ?? 0) + 1);
      }
      const byCount = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k);
      const district = byCount(districtCounts)[0];
      return nameArea(byCount(counts).map((w) => wardName.get(w)!), district ? districtName.get(district)! : null, topLocations);
    };
  }

  async hchh(r: ResolvedParams, options: Partial<HchhOptions>) {
    const study = await this.studyArea(r);
    const result = hchhAreas(study.cells, options);
    const namer = await this.areaNamer(r.to);
    const areas = await Promise.all(result.areas.map(async (a) => {
      const topLocations = await this.incidents.topLocations(r.filter, cellsSql(a.cells), 5);
      return {
        ...a,
        name: namer(a.cells, topLocations.map((l) => l.location)),
        shareOfArea: a.areaKm2 / result.studyArea.areaKm2,
        shareOfIncidents: result.studyArea.incidents ? a.incidents / result.studyArea.incidents : 0,
        shareOfHarm: result.studyArea.harm ? a.harm / result.studyArea.harm : 0,
        topLocations,
      };
    }));
    const sum = (f: (a: (typeof areas)[number]) => number) => areas.reduce((s, a) => s + f(a), 0);
    return {
      areas,
      thresholds: result.thresholds,
      studyArea: { ...result.studyArea, basis: study.basis },
      totals: {
        areas: areas.length,
        cells: sum((a) => a.cells.length),
        areaKm2: sum((a) => a.areaKm2),
        incidents: sum((a) => a.incidents),
        harm: sum((a) => a.harm),
        shareOfArea: sum((a) => a.shareOfArea),
        shareOfIncidents: sum((a) => a.shareOfIncidents),
        shareOfHarm: sum((a) => a.shareOfHarm),
      },
    };
  }
}

export type AreaNamer = (cells: string[], topLocations: string[]) => string;

/** GeoJSON polygon of one H3 cell ([lng, lat], closed ring). */
export function cellPolygon(cell: string): { type: 'Polygon'; coordinates: number[][][] } {
  return { type: 'Polygon', coordinates: [cellToBoundary(cell, true)] };
}

export { cellArea, cellsOutline };
