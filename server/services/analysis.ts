import { performance } from 'node:perf_hooks';
import { cellArea, cellToBoundary, cellToCenterChild, cellToLatLng, getResolution, polygonToCells } from 'h3-js';
import { protectUnits, type DisclosureRules } from '../domain/disclosure';
import { PUBLIC_SOURCES, sourceSensitivity } from '../domain/sources';
import { DisclosureSettings, currentDisclosure } from './disclosure';
import { vintageFor } from '../domain/geography/boundaries';
import { nameArea } from '../domain/geography/areaName';
import { RegionIndex } from '../domain/geography/pointInPolygon';
import { GeographyStore, type BoundaryRecord } from '../db/geography';
import { KeptGeography } from './keptGeography';
import { rowsOf } from '../db/connection';
import { ForceStore } from '../db/forces';
import { loadedDespiteDownShard } from './shards';
import { DomainError } from '../domain/errors';
import { findForce, scopeOf, type ForceScope } from '../domain/forces';
import { cellsSql } from '../db/incidentQueries';
import type { Db } from '../db/connection';
import { IncidentStore, type IncidentFilter } from '../db/incidents';
import { ReferenceStore, type DefinitionRecord, type HarmSchemeRecord } from '../db/reference';
import { DEFAULT_DEFINITION } from '../domain/definitions';
import { CCHI_KEY, COUNT_KEY } from '../domain/harm';
import { CUBE_RESOLUTION, ROLLUP_RESOLUTION, cellAreasKm2 } from '../domain/h3cell';
import { h3Neighbours, type Neighbours, type WeightScheme } from '../domain/hotspots/neighbours';
import { CellMonthSlice } from '../domain/cube/cellMonthSlice';
import { LocationSlice } from '../domain/cube/locationSlice';
import { CellIndex, type MapCell } from '../domain/cellIndex';
import {
  AREA_RESOLUTION,
  cellsOutline,
  describeHchhRule,
  hchhAreas,
  patrolPlanAreas,
  type CellTotal,
  type HchhOptions,
  type HchhRule,
  type PatrolPlanOptions,
} from '../domain/hchh';
import { monthRange, type Month } from '../domain/months';
import { contextSeries, coverageOf, type SeriesCoverage } from './coverage';

export interface AnalysisParams {
  resolution: number;
  from?: Month | undefined;
  to?: Month | undefined;
  definition?: string | undefined;
  scheme?: string | undefined;
  source?: string[] | undefined;
  /** Study area: these districts' codes (default all of the force's districts). */
  districts?: string[] | undefined;
  /** The force (ONS PFA code), or 'all' for every loaded force together (default: the only one). */
  force?: string | undefined;
}

export interface ResolvedParams {
  resolution: number;
  from: Month;
  to: Month;
  definition: DefinitionRecord;
  scheme: HarmSchemeRecord;
  filter: IncidentFilter;
  districts?: string[] | undefined;
  /** The forces the answer is about. */
  force: ForceScope;
  /** Core version of the stored data this context was resolved against (Analysis.versions: all but zones, sites and indicators). */
  version: number;
  /** What is loaded of the sources this context reads, month by month (services/coverage.ts). */
  coverage: SeriesCoverage[];
  /**
   * Set when the answer is for a disclosure-controlled caller and draws on a restricted source:
   * every count and harm of the context is then the sum of protected units (domain/disclosure.ts).
   */
  protection?: Protection | undefined;
}

/** The disclosure control of a context: the rules, the secret and the sources the units are keyed by. */
export interface Protection {
  rules: DisclosureRules;
  secret: string;
  /** The sources the answer draws on, sorted (part of every unit's key). */
  sources: string[];
}

/**
 * The study area: the cells an analysis ranks, counts and tests, empty cells included — one meaning
 * everywhere. Every cell whose centre lies in the force's districts (or the chosen ones); with no
 * districts loaded, in its wards; with neither, every cell holding an incident of the force.
 */
export interface StudyArea {
  force: ForceScope;
  resolution: number;
  cells: string[];
  /** Each cell's area (cellAreasKm2), in the order of `cells`. */
  cellKm2: Float64Array;
  areaKm2: number;
  districts: { code: string; name: string; vintage: string }[];
  basis: string;
}

type LoadedForce = Awaited<ReturnType<ForceStore['loaded']>>[number];

/**
 * Hotspot analysis over stored incidents: resolves the request's force, definition, harm scheme and
 * period once into a context, then asks the incident store and the pure domain functions. Everything
 * read for a context (forces, study areas, cell totals) is kept until the data version changes, so a
 * site review that needs the study area three times builds it once, and a repeated request is free.
 */
export class Analysis {
  readonly incidents: IncidentStore;
  readonly reference: ReferenceStore;
  /** Boundaries, deprivation and the ward lookup, read once per data version. */
  readonly geography: KeptGeography;
  readonly forces: ForceStore;
  private readonly db: Db;
  private cache = new Map<string, Promise<unknown>>();
  private cacheVersion = -1;
  /** Disclosure control's rules and secret (server/services/disclosure.ts). */
  readonly disclosure: DisclosureSettings;
  /** The last few answers' cell indexes (cellIndex), outside `cache`: each holds a box per cell. */
  private readonly indexes = new Map<string, Promise<CellIndex>>();

  constructor(db: Db, env: NodeJS.ProcessEnv = process.env) {
    this.db = db;
    this.disclosure = new DisclosureSettings(db, env);
    this.incidents = new IncidentStore(db);
    this.reference = new ReferenceStore(db);
    this.geography = new KeptGeography(new GeographyStore(db), (key, compute) => this.keep(`geography|${key}`, compute));
    this.forces = new ForceStore(db);
  }

  /**
   * The database's announcements of new versions (server/db/notify.ts). Kept for the nodes' read
   * routing; the version itself is always read from the database, because an announcement arrives
   * after the write that made it, and a request right after an import must see the import.
   */
  versionFeed: { current: number | null } | null = null;

  /** Told when a request finds a new core data version (prepareAhead reads ahead then). */
  onNewVersion: ((version: number) => void) | null = null;

  /** The stored data's version (bumped by triggers on every change; see migration 20261203000001). */
  async version(): Promise<number> {
    return (await this.versions()).version;
  }

  /**
   * The stored data's two versions (migration 20261206000010): `version` follows every change (the
   * answers kept by the API), `core` every change but to zones, sites and indicators. What this
   * analysis keeps (slices, study areas, HCHH areas) depends on the core data only, so it is kept per
   * core version: drawing a site does not retire it.
   */
  async versions(): Promise<{ version: number; core: number }> {
    const row = rowsOf<{ version: string | number; core_version: string | number }>(
      await this.db.raw('SELECT version, core_version FROM data_version WHERE id = 1'),
    )[0];
    const version = Number(row?.version ?? 0);
    const core = Number(row?.core_version ?? 0);
    // An older version (two reads answered out of order, or a replica behind another) retires nothing.
    if (core > this.cacheVersion) {
      const first = this.cacheVersion === -1;
      this.cache = new Map();
      this.cacheVersion = core;
      if (!first) this.onNewVersion?.(core);
    }
    return { version, core };
  }

  /** Whether prepare() has read ahead the current core data. */
  async prepared(): Promise<boolean> {
    return this.preparedVersion === (await this.versions()).core;
  }

  /**
   * Runs `compute` once per key until the core data version changes (versions()), for services that
   * compose on this analysis. What is kept must read only core data (not zones, sites or indicators),
   * and callers must not change it.
   */
  async keep<T>(key: string, compute: () => Promise<T>): Promise<T> {
    await this.version();
    return this.memo(`kept|${key}`, compute);
  }

  /** Runs `compute` once per key and data version; concurrent callers share the one promise. */
  private memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let hit = this.cache.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = compute();
      this.cache.set(key, hit);
      hit.catch(() => this.cache.delete(key));
    }
    return hit;
  }

  /** The core data version whose first answers prepare() has read ahead (null before the first run). */
  preparedVersion: number | null = null;

  /**
   * Reads ahead, for the stored data's core version, what an analyst's first answers need and no answer
   * should wait for: for each loaded force, its default cut's cube slice and location slice and its
   * study area at resolutions 9–11 (the map's cells and the patrol plan's res-11 cells; building the
   * res-11 study area alone is about 300,000 cells). A request that comes meanwhile shares the work in
   * progress (memo), so nothing is read twice. `stopped` is asked between steps (the service is closing).
   * Returns what it prepared (no forces when it stopped or new data landed meanwhile).
   */
  async prepare(stopped: () => boolean = () => false): Promise<{ version: number; forces: string[]; ms: number }> {
    const t0 = performance.now();
    const version = (await this.versions()).core;
    const forces = (await this.loadedForces()).map((f) => f.code);
    for (const force of forces.length > 1 ? forces : [undefined]) {
      for (const resolution of [9, 10, 11]) {
        if (stopped()) return { version, forces: [], ms: performance.now() - t0 };
        const r = await this.resolve({ resolution, force });
        if (r.version !== version) return { version, forces: [], ms: performance.now() - t0 }; // new data landed: the next prepare starts again
        await Promise.all([this.studyAreaOf(r), this.slice(r), resolution === 11 ? this.locations(r) : null]);
      }
    }
    this.preparedVersion = version;
    return { version, forces: forces.length ? forces : ['(the one study area)'], ms: performance.now() - t0 };
  }

  /** Incidents stored, counted once per data version (the health check asks it every few seconds behind a balancer). */
  async incidentCount(): Promise<number> {
    await this.version();
    return this.memo('incident-count', () => this.incidents.count());
  }

  async loadedForces(): Promise<LoadedForce[]> {
    await this.version();
    // A shard that is down leaves its forces uncounted (not cached), so the others still answer.
    return this.memo('forces', () => this.forces.loaded()).catch((err: unknown) => loadedDespiteDownShard(this.db, this.forces, err));
  }

  /**
   * The forces a request is about: `force=CODE`, `force=all` (every loaded force together), or by
   * default the only force loaded. With several loaded and none named, the caller must choose.
   */
  async forceScope(param?: string): Promise<ForceScope> {
    const loaded = await this.loadedForces();
    if (param === undefined || param === '') {
      if (loaded.length <= 1) return scopeOf(loaded);
      throw new DomainError(
        'invalid',
        `${loaded.length} forces are loaded; choose one with force= (${loaded.map((f) => `${f.code} ${f.name}`).join(', ')}) or force=all for all of them together`,
      );
    }
    if (param.toLowerCase() === 'all') return scopeOf(loaded);
    const f = findForce(loaded, param);
    if (!f) {
      const known = findForce(await this.forces.registry(), param);
      throw new DomainError(
        known ? 'not_found' : 'invalid',
        known
          ? `no data of ${known.name} (${known.code}) is loaded; loaded forces: ${loaded.map((x) => `${x.code} ${x.name}`).join(', ') || 'none'}`
          : `unknown force "${param}"; give an ONS police force area code such as ${loaded[0]?.code ?? 'E23000001'}, or all`,
      );
    }
    return scopeOf([f]);
  }

  async defaults(force?: ForceScope): Promise<{ definition: string; scheme: string; months: Month[] }> {
    const version = (await this.versions()).core;
    return this.memo(`defaults|${force?.codes.join(',') ?? '*'}|${version}`, async () => {
      const schemes = await this.reference.schemes();
      return {
        definition: DEFAULT_DEFINITION,
        scheme: schemes.some((s) => s.key === CCHI_KEY) ? CCHI_KEY : COUNT_KEY,
        months: await this.incidents.months(force?.codes.length ? force.codes : undefined),
      };
    });
  }

  /**
   * Disclosure control of a request (see DisclosureContext): nothing for callers it does not apply
   * to or answers on public sources only; for a controlled caller on a route that does not present
   * protected figures, the sources narrowed to the public ones (naming a restricted one is refused);
   * on a protected route, the protection the context's figures are built with.
   */
  private async protect(p: AnalysisParams): Promise<{ params: AnalysisParams; protection?: Protection }> {
    const ctx = currentDisclosure();
    if (!ctx?.controlled) return { params: p };
    await this.version();
    const loaded = await this.memo('cube-sources', () => this.incidents.cubeSources());
    const sources = p.source?.length ? [...new Set(p.source)] : loaded;
    const restricted = sources.filter((s) => sourceSensitivity(s) === 'restricted');
    if (!restricted.length) return { params: p };
    if (!ctx.protectedRoute) {
      if (p.source?.length) {
        throw new DomainError(
          'forbidden',
          `this answer is not disclosure-controlled, so a partner sees public sources only (${PUBLIC_SOURCES.join(', ')}), not ${restricted.join(', ')}; protected figures of restricted sources are given by the cell, hotspot, HCHH and area statistics routes (README, "Disclosure control")`,
        );
      }
      return { params: { ...p, source: [...PUBLIC_SOURCES] } };
    }
    const rules = this.disclosure.rules;
    if (p.resolution > rules.resolution) {
      throw new DomainError(
        'forbidden',
        `resolution ${p.resolution} is finer than disclosure control allows for restricted sources (${restricted.join(', ')}): a partner may ask for resolution ${rules.resolution} or coarser, or for public sources only (source=${PUBLIC_SOURCES.join(',')})`,
      );
    }
    return { params: p, protection: { rules, secret: await this.disclosure.secret(), sources: [...sources].sort() } };
  }

  async resolve(asked: AnalysisParams): Promise<ResolvedParams> {
    const { params: p, protection } = await this.protect(asked);
    const version = (await this.versions()).core;
    const force = await this.forceScope(p.force);
    const defaults = await this.defaults(force);
    const definitionKey = p.definition ?? defaults.definition;
    const definition = await this.memo(`definition|${definitionKey}`, () => this.reference.definition(definitionKey));
    if (!definition) {
      const known = (await this.reference.definitions()).map((d) => d.key).join(', ');
      throw new DomainError('invalid', `unknown definition "${definitionKey}"; known definitions: ${known}`);
    }
    const schemeKey = p.scheme ?? defaults.scheme;
    const scheme = await this.memo(`scheme|${schemeKey}`, () => this.reference.scheme(schemeKey));
    if (!scheme) {
      const known = (await this.reference.schemes()).map((s) => s.key).join(', ');
      throw new DomainError('invalid', `unknown harm scheme "${schemeKey}"; known schemes: ${known}`);
    }
    const first = defaults.months[0];
    const last = defaults.months[defaults.months.length - 1];
    const from = p.from ?? first;
    const to = p.to ?? last;
    if (!from || !to) throw new DomainError('not_found', `no incidents of ${force.label} are loaded yet; import data first (see README)`);
    if (from > to) throw new DomainError('invalid', `from (${from}) is after to (${to})`);
    const coverage = await contextSeries(this.db, version, {
      definition: definition.rules,
      schemeId: scheme.id,
      forces: force.codes.length ? force.codes : undefined,
      sources: p.source,
    });
    return {
      resolution: p.resolution,
      from,
      to,
      definition,
      scheme,
      districts: p.districts,
      force,
      version,
      coverage,
      ...(protection ? { protection } : {}),
      filter: {
        from,
        to,
        definition: definition.rules,
        schemeId: scheme.id,
        sources: p.source,
        ...(force.codes.length && p.force?.toLowerCase() !== 'all' ? { forces: force.codes } : {}),
      },
    };
  }

  describe(r: ResolvedParams) {
    return {
      force: { codes: r.force.codes, name: r.force.label },
      resolution: r.resolution,
      from: r.from,
      to: r.to,
      monthCount: monthRange(r.from, r.to).length,
      definition: { key: r.definition.key, name: r.definition.name, isProxy: r.definition.isProxy },
      scheme: { key: r.scheme.key, name: r.scheme.name, unit: r.scheme.unit },
      coverage: coverageOf(r),
    };
  }

  /**
   * The cube cut of a context's definition, scheme, sources and forces over every month, read once per
   * data version: every period and resolution of the same cut is then answered in memory.
   */
  private slice(r: ResolvedParams): Promise<CellMonthSlice> {
    return r.protection ? this.protectedSlice(r, r.protection) : this.trueSlice(r);
  }

  /**
   * The slice that answers a context at `resolution`: for a question at res 7 or coarser without
   * protection, the rollup's slice (res-7 cells; the same sums from about a tenth of the rows, so the
   * national overview does not read every force's res-11 cube), else the cube's.
   */
  private sliceAt(r: ResolvedParams, resolution: number): Promise<CellMonthSlice> {
    if (r.protection || resolution > ROLLUP_RESOLUTION) return this.slice(r);
    const { from: _from, to: _to, ...cut } = r.filter;
    return this.memo(
      `rollup-slice|${r.version}|${JSON.stringify(cut)}`,
      async () => new CellMonthSlice(await this.incidents.cellMonthSliceRows(r.filter, ROLLUP_RESOLUTION), ROLLUP_RESOLUTION),
    );
  }

  /** The cut's true counts (for a protected context, only to decide what is shown as "<5"). */
  private trueSlice(r: ResolvedParams): Promise<CellMonthSlice> {
    const { from: _from, to: _to, ...cut } = r.filter;
    return this.memo(`slice|${r.version}|${JSON.stringify(cut)}`, async () => new CellMonthSlice(await this.incidents.cellMonthSliceRows(r.filter)));
  }

  /**
   * The cut as protected units: each cell at the protection resolution and month holds its protected
   * count and harm, placed at the cell's centre res-11 child so the slice's sums at any resolution up
   * to the protection resolution are sums of whole units (H3 parenthood is by index).
   */
  private protectedSlice(r: ResolvedParams, protection: Protection): Promise<CellMonthSlice> {
    const { from: _from, to: _to, ...cut } = r.filter;
    return this.memo(`protected-slice|${r.version}|${JSON.stringify(cut)}|${protection.rules.resolution}|${protection.rules.base}`, async () => {
      const truth = await this.trueSlice(r);
      const first = truth.months[0],
        last = truth.months[truth.months.length - 1];
      const units = first && last ? truth.monthTotals(first, last, protection.rules.resolution) : [];
      const rows = protectUnits(units, protection.sources, protection.rules, protection.secret)
        .filter((u) => u.incidents > 0)
        .map((u) => ({ ...u, cell: cellToCenterChild(u.cell, 11) }));
      return new CellMonthSlice(rows);
    });
  }

  /** True counts per cell at the context's resolution (or `resolution`): for a protected context, what decides "<5" (never shown). */
  async trueCellTotals(r: ResolvedParams, resolution = r.resolution): Promise<Map<string, number>> {
    const totals = (await this.trueSlice(r)).totals(r.from, r.to, resolution);
    return new Map(totals.map((t) => [t.cell, t.incidents]));
  }

  /** True counts per cell (at `resolution`) and month over the period, keyed `cell|month`: for deciding "<5" only. */
  async trueUnits(r: ResolvedParams, resolution: number): Promise<Map<string, number>> {
    const rows = (await this.trueSlice(r)).monthTotals(r.from, r.to, resolution);
    return new Map(rows.map((t) => [`${t.cell}|${t.month}`, t.incidents]));
  }

  /** Protected counts and harm per unit (cell at the protection resolution × month) over the period. */
  async protectedUnits(r: ResolvedParams): Promise<(CellTotal & { month: string })[]> {
    if (!r.protection) throw new Error('protectedUnits needs a protected context');
    return (await this.slice(r)).monthTotals(r.from, r.to, r.protection.rules.resolution);
  }

  /** The location texts of a context's cut, read once per data version (see LocationSlice). */
  private locations(r: ResolvedParams): Promise<LocationSlice> {
    const { from: _from, to: _to, ...cut } = r.filter;
    return this.memo(`locations|${r.version}|${JSON.stringify(cut)}`, async () => new LocationSlice(await this.incidents.locationSliceRows(r.filter)));
  }

  /** The most frequent location texts of each area of cells over the context's period. */
  async topLocationsByArea(r: ResolvedParams, areas: string[][], limit = 5) {
    // Location texts of restricted incidents are addresses: a protected answer names areas by ward and district only.
    if (r.protection) return areas.map(() => []);
    return (await this.locations(r)).top(areas, r.from, r.to, limit);
  }

  /** Incidents and harm per cell (cells with incidents) over the context's period and resolution. */
  async cellTotals(r: ResolvedParams): Promise<CellTotal[]> {
    return this.memo(`cells|${r.version}|${r.resolution}|${JSON.stringify(r.filter)}|${r.protection ? 'protected' : 'true'}`, async () =>
      (await this.sliceAt(r, r.resolution)).totals(r.from, r.to, r.resolution),
    );
  }

  /** Incidents and harm per cell and month over the context's period and resolution. */
  async cellMonthTotals(r: ResolvedParams): Promise<(CellTotal & { month: string })[]> {
    return (await this.sliceAt(r, r.resolution)).monthTotals(r.from, r.to, r.resolution);
  }

  /** The study area's space-time cube over `months` (see CellMonthSlice.cube). */
  async cellMonthCube(r: ResolvedParams, months: readonly string[], cells: readonly string[], variable: 'incidents' | 'harm'): Promise<Float64Array> {
    return (await this.sliceAt(r, cells.length ? getResolution(cells[0]!) : CUBE_RESOLUTION)).cube(months, cells, variable);
  }

  /** Monthly incidents and harm inside one cell of any resolution 7–11. */
  async cellSeries(r: ResolvedParams, cell: string): Promise<{ month: string; incidents: number; harm: number }[]> {
    return (await this.sliceAt(r, getResolution(cell))).series(cell, r.from, r.to);
  }

  /** Cells with incidents, highest harm first. */
  async cells(r: ResolvedParams): Promise<(CellTotal & { rank: number })[]> {
    const totals = [...(await this.cellTotals(r))];
    totals.sort((a, b) => b.harm - a.harm || b.incidents - a.incidents || a.cell.localeCompare(b.cell));
    return totals.map((t, i) => ({ ...t, rank: i + 1 }));
  }

  /**
   * The cells the map draws: those with incidents, highest harm first, and with `zeros` every empty
   * cell of the study area after them (rank 0). The one list behind /api/cells and the cell tiles.
   */
  async mapCells(r: ResolvedParams, zeros: boolean): Promise<MapCell[]> {
    const cells: MapCell[] = await this.cells(r);
    if (!zeros) return cells;
    const seen = new Set(cells.map((c) => c.cell));
    const empty = (await this.studyArea(r)).cells.filter((c) => !seen.has(c.cell) && c.incidents === 0).map((c) => ({ ...c, rank: 0 }));
    return [...cells, ...empty];
  }

  /** The map's cells with their hexagons in an R-tree, built once per context and data version (tiles, top cells in view). */
  async cellIndex(r: ResolvedParams, zeros: boolean): Promise<CellIndex> {
    const key = `${r.version}|${r.resolution}|${zeros}|${JSON.stringify(r.filter)}|${(r.districts ?? []).join(',')}`;
    let hit = this.indexes.get(key);
    if (hit) this.indexes.delete(key);
    else {
      hit = this.mapCells(r, zeros).then((cells) => new CellIndex(cells));
      hit.catch(() => this.indexes.delete(key));
    }
    // Most recently used last; a few answers are kept (a map asks for one at a time, its panels for the same one).
    this.indexes.set(key, hit);
    for (const k of this.indexes.keys()) if (this.indexes.size > 8) this.indexes.delete(k);
    return hit;
  }

  /** The districts of the force scope (all loaded districts when no force is loaded). */
  async districtsOf(force: ForceScope): Promise<BoundaryRecord[]> {
    const [all, owned] = await Promise.all([
      this.memo('districts', () => this.geography.boundaries('district')),
      this.memo('district-forces', () => this.forces.districtForces()),
    ]);
    if (force.codes.length === 0) return all;
    return all.filter((d) => force.codes.includes(owned.get(d.code) ?? ''));
  }

  /** The study area of a context (see StudyArea), built once per force, districts, resolution and data version. */
  async studyAreaOf(r: ResolvedParams): Promise<StudyArea> {
    const key = `study|${r.version}|${r.force.codes.join(',')}|${(r.districts ?? []).join(',')}|${r.resolution}`;
    return this.memo(key, async () => {
      const forceDistricts = await this.districtsOf(r.force);
      const unknown = (r.districts ?? []).filter((c) => !forceDistricts.some((d) => d.code === c));
      if (unknown.length) {
        throw new DomainError(
          'invalid',
          `unknown district ${unknown.join(', ')} for ${r.force.label}; its districts: ${forceDistricts.map((d) => `${d.code} ${d.name}`).join(', ') || 'none loaded'}`,
        );
      }
      const districts = r.districts?.length ? forceDistricts.filter((d) => r.districts!.includes(d.code)) : forceDistricts;
      const regions: BoundaryRecord[] = districts.length ? districts : await this.fallbackWards();
      if (regions.length) {
        const cells = cellsWithCentreIn(regions, r.resolution);
        const km2 = regions.reduce((s, d) => s + d.areaKm2, 0);
        const what = districts.length
          ? `the ${districts.length} district${districts.length === 1 ? '' : 's'} of ${r.force.label} (${districts.map((d) => d.name).join(', ')}; ${districts[0]!.vintage} boundaries, ${km2.toFixed(0)} km²)`
          : `the ${regions.length} loaded ward${regions.length === 1 ? '' : 's'} (${regions[0]!.vintage} boundaries, ${km2.toFixed(0)} km²; no districts loaded)`;
        const cellKm2 = cellAreasKm2(cells);
        return {
          force: r.force,
          resolution: r.resolution,
          cells,
          cellKm2,
          areaKm2: sumOf(cellKm2),
          districts: districts.map((d) => ({ code: d.code, name: d.name, vintage: d.vintage })),
          basis: `H3 cells whose centre lies in ${what}`,
        };
      }
      const cells = await this.incidents.occupiedCells(r.resolution, r.force.codes.length ? r.force.codes : undefined);
      const cellKm2 = cellAreasKm2(cells);
      return {
        force: r.force,
        resolution: r.resolution,
        cells,
        cellKm2,
        areaKm2: sumOf(cellKm2),
        districts: [],
        basis: `cells holding at least one incident of ${r.force.label} of any kind in any loaded month (no district or ward boundaries loaded)`,
      };
    });
  }

  /** Wards of the latest loaded vintage: the study area's outline when no districts are loaded. */
  private async fallbackWards(): Promise<BoundaryRecord[]> {
    const vintages = (await this.geography.vintages())
      .filter((v) => v.kind === 'ward')
      .map((v) => v.vintage)
      .sort();
    const latest = vintages[vintages.length - 1];
    return latest ? this.memo(`wards|${latest}`, () => this.geography.boundaries('ward', latest)) : [];
  }

  /**
   * The study area's cells with their totals, empty cells included.
   */
  async studyArea(r: ResolvedParams): Promise<{ cells: CellTotal[]; basis: string; area: StudyArea; cellKm2: Float64Array }> {
    const [area, totals] = await Promise.all([this.studyAreaOf(r), this.cellTotals(r)]);
    const byCell = new Map(totals.map((t) => [t.cell, t]));
    return { cells: area.cells.map((cell) => byCell.get(cell) ?? { cell, incidents: 0, harm: 0 }), basis: area.basis, area, cellKm2: area.cellKm2 };
  }

  /** The study area's spatial weights (H3 k-ring), kept per data version: Gi* and the emerging cube reuse them. */
  async studyNeighbours(r: ResolvedParams, k: number, weights: WeightScheme): Promise<Neighbours> {
    const area = await this.studyAreaOf(r);
    const key = `nb|${r.version}|${r.force.codes.join(',')}|${(r.districts ?? []).join(',')}|${r.resolution}|${k}|${weights}`;
    return this.memo(key, async () => h3Neighbours(area.cells, { k, weights }));
  }

  /**
   * The force a drawn place belongs to: the force of the district holding the centre of its bounding
   * box, else the only force loaded, else none.
   */
  async forceAt(geometry: { type: string; coordinates: unknown }): Promise<string | null> {
    await this.version();
    const flat =
      JSON.stringify(geometry.coordinates)
        .match(/-?\d+(\.\d+)?(e-?\d+)?/gi)
        ?.map(Number) ?? [];
    const lons = flat.filter((_, i) => i % 2 === 0),
      lats = flat.filter((_, i) => i % 2 === 1);
    const lon = (Math.min(...lons) + Math.max(...lons)) / 2,
      lat = (Math.min(...lats) + Math.max(...lats)) / 2;
    const [districts, owned, loaded] = await Promise.all([
      this.memo('districts', () => this.geography.boundaries('district')),
      this.memo('district-forces', () => this.forces.districtForces()),
      this.loadedForces(),
    ]);
    const hit = districts.length ? new RegionIndex(districts).locate(lon, lat) : null;
    const force = hit ? owned.get(hit) : undefined;
    return force ?? (loaded.length === 1 ? loaded[0]!.code : null);
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
      return nameArea(
        byCount(counts).map((w) => wardName.get(w)!),
        district ? districtName.get(district)! : null,
        topLocations,
      );
    };
  }

  /**
   * HCHH areas by the request's rule (default: the patrol plan), named, with their shares and the rule
   * in words. The patrol plan builds its areas from cells of `areaResolution` (cellResolution), the
   * merseyside rule from the context's; the answer is kept per data version, so the pages, indicators
   * and impact answers that ask for the same areas build them once.
   */
  async hchh(r: ResolvedParams, request: HchhRequest = {}) {
    const rule = request.rule ?? 'patrol-plan';
    const cells = rule === 'patrol-plan' ? this.patrolCellResolution(r, request.areaResolution) : { resolution: r.resolution };
    const built = cells.resolution === r.resolution ? r : { ...r, resolution: cells.resolution };
    const key = `hchh|${r.version}|${r.force.codes.join(',')}|${(r.districts ?? []).join(',')}|${cells.resolution}|${JSON.stringify(r.filter)}|${r.protection ? 'protected' : 'true'}|${JSON.stringify({ ...request, rule })}`;
    return this.memo(key, () => this.buildHchh(built, rule, request, cells));
  }

  /**
   * The resolution of the cells patrol-plan areas are built from (the HCHH patrol plan and
   * /api/patrol-areas; the merseyside rule uses the context's, as it is defined on the cells shown):
   * `areaResolution` (default 11, the cube's finest), but for a partner on restricted sources at most
   * the protection resolution — the finest they may see: by default lowered to it (and said so),
   * refused when asked for by name.
   */
  patrolCellResolution(r: ResolvedParams, asked: number | undefined): { resolution: number; why?: string } {
    const wanted = asked ?? AREA_RESOLUTION.default;
    const limit = r.protection?.rules.resolution;
    if (limit === undefined || wanted <= limit) return { resolution: wanted };
    const restricted = r.protection!.sources.filter((s) => sourceSensitivity(s) === 'restricted').join(', ');
    if (asked !== undefined) {
      throw new DomainError(
        'forbidden',
        `areaResolution ${asked} is finer than disclosure control allows for restricted sources (${restricted}): a partner's patrol-plan areas are built from cells of resolution ${limit} or coarser (areaResolution=${limit}, the default for a partner), or ask for public sources only (source=${PUBLIC_SOURCES.join(',')})`,
      );
    }
    return {
      resolution: limit,
      why: `the finest disclosure control allows a partner on restricted sources (${restricted}); resolution ${wanted} on public sources`,
    };
  }

  private async buildHchh(r: ResolvedParams, rule: HchhRule, request: HchhRequest, cells: { resolution: number; why?: string }) {
    const study = await this.studyArea(r);
    const result =
      rule === 'patrol-plan'
        ? patrolPlanAreas(study.cells, request.patrol, study.cellKm2, study.area.cells)
        : hchhAreas(study.cells, request.threshold, study.cellKm2);
    const [namer, locations] = await Promise.all([
      this.areaNamer(r.to),
      this.topLocationsByArea(
        r,
        result.areas.map((a) => a.cells),
        5,
      ),
    ]);
    const areas = result.areas.map((a, i) => {
      const topLocations = locations[i]!;
      return {
        ...a,
        name: namer(
          a.cells,
          topLocations.map((l) => l.location),
        ),
        shareOfArea: a.areaKm2 / result.studyArea.areaKm2,
        shareOfIncidents: result.studyArea.incidents ? a.incidents / result.studyArea.incidents : 0,
        shareOfHarm: result.studyArea.harm ? a.harm / result.studyArea.harm : 0,
        topLocations,
      };
    });
    const sum = (f: (a: (typeof areas)[number]) => number) => areas.reduce((s, a) => s + f(a), 0);
    return {
      rule: {
        key: rule,
        text: describeHchhRule(rule, { ...request, cellResolution: cells.resolution, ...(cells.why ? { cellResolutionWhy: cells.why } : {}) }),
      },
      /** The H3 resolution of every area's cells. */
      cellResolution: cells.resolution,
      areas,
      thresholds: result.thresholds,
      studyArea: { ...result.studyArea, resolution: cells.resolution, basis: study.basis },
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

/** Which HCHH rule, and its options (see domain/hchh.ts). */
export interface HchhRequest {
  rule?: HchhRule;
  /** The patrol plan's cell resolution (AREA_RESOLUTION; default 11, whatever the context's resolution). */
  areaResolution?: number;
  threshold?: Partial<HchhOptions>;
  patrol?: Partial<PatrolPlanOptions>;
}

export type AreaNamer = (cells: string[], topLocations: string[]) => string;

/** GeoJSON polygon of one H3 cell ([lng, lat], closed ring). */
export function cellPolygon(cell: string): { type: 'Polygon'; coordinates: number[][][] } {
  return { type: 'Polygon', coordinates: [cellToBoundary(cell, true)] };
}

export { cellArea, cellsOutline };

/** Cells whose centre lies in any of the regions, sorted. */
function cellsWithCentreIn(regions: BoundaryRecord[], resolution: number): string[] {
  const set = new Set<string>();
  for (const d of regions) {
    const polygons = d.geometry.type === 'Polygon' ? [d.geometry.coordinates] : (d.geometry.coordinates as unknown[]);
    for (const p of polygons) for (const c of polygonToCells(p as number[][][], resolution, true)) set.add(c);
  }
  return [...set].sort();
}

function sumOf(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s;
}
