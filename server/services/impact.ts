import { cellToLatLng, cellToParent, getResolution, latLngToCell, polygonToCells, polygonToCellsExperimental, POLYGON_TO_CELLS_FLAGS } from 'h3-js';
import type { AreaSelector } from '../db/areaQueries';
import type { IncidentFilter } from '../db/incidents';
import { matchComparisonCells, type MatchCell } from '../domain/comparisonArea';
import { boxOf, pointsInside } from '../domain/geography/areaShape';
import { bufferRing } from '../domain/geography/bufferRing';
import type { Polygonal } from '../domain/geography/places';
import { RegionIndex } from '../domain/geography/pointInPolygon';
import { assessImpact, FieldError, impactWindows, type HarmCounts } from '../domain/impact';
import { monthRange } from '../domain/months';
import { STORAGE_RESOLUTION } from '../domain/h3cell';
import { DomainError } from '../domain/errors';
import { round } from '../domain/round';
import type { Analysis, ResolvedParams } from './analysis';
import { COMPARISON_RULE, type AreaService, type AreaSpec, type ResolvedArea } from './areas';
import { requireComplete } from './coverage';

/** An area as the impact and briefing endpoints name it: hchh:N, zone:ID, site:ID, ward:CODE, district:CODE, lsoa:CODE. */
export type ImpactAreaSpec = AreaSpec | { kind: 'hchh'; rank: number };

export interface ImpactRequest {
  area?: string | undefined;
  geometry?: Polygonal | undefined;
  date?: string | undefined;
  phase?: 'clear' | 'hold' | 'build' | undefined;
  months: number;
  bufferMetres: number;
  comparison: string;
  definition?: string | undefined;
  force?: string | undefined;
  scheme?: string | undefined;
  resolution: number;
}

const fieldError = (field: string, message: string) => new DomainError('invalid', `${field}: ${message}`, [{ path: field, message }]);

/**
 * Parses an area spec string; errors name `field`.
 * @example parseAreaSpec('zone:3', 'area') // { kind: 'zone', id: 3 }
 */
export function parseAreaSpec(value: string, field: string): ImpactAreaSpec {
  const m = /^(hchh|zone|site|ward|district|lsoa):(.+)$/.exec(value.trim());
  if (!m) throw fieldError(field, `"${value}" is not an area; use hchh:N, zone:ID, site:ID, ward:CODE, district:CODE or lsoa:CODE`);
  const [, kind, rest] = m as unknown as [string, string, string];
  if (kind === 'hchh' || kind === 'zone' || kind === 'site') {
    if (!/^[1-9]\d{0,8}$/.test(rest)) throw fieldError(field, `${kind}: expects a whole number ≥ 1 after "${kind}:"; got "${rest}"`);
    return kind === 'hchh' ? { kind, rank: Number(rest) } : { kind, id: Number(rest) };
  }
  if (!/^[EW]\d{8}$/.test(rest)) throw fieldError(field, `${kind}: expects an ONS code such as E05000908 after "${kind}:"; got "${rest}"`);
  return { kind: kind as 'ward' | 'district' | 'lsoa', code: rest };
}

/**
 * Intervention impact: an area's incidents and harm before and after an intervention month, against
 * the force, a comparison area (chosen or matched) and its displacement buffer.
 */
export class ImpactService {
  constructor(
    private readonly analysis: Analysis,
    private readonly areas: AreaService,
  ) {}

  /** Resolves an area spec, HCHH areas included (as /api/hchh lists them with the same definition, scheme and resolution over all loaded months). */
  async resolve(spec: ImpactAreaSpec, r: ResolvedParams, field: string): Promise<ResolvedArea & { hchhRule?: string }> {
    if (spec.kind !== 'hchh') return this.areas.resolveArea(spec, r.to);
    const whole = await this.analysis.resolve({ resolution: r.resolution, definition: r.definition.key, scheme: r.scheme.key, force: r.force.codes[0] });
    const result = await this.analysis.hchh(whole, {});
    const a = result.areas.find((x) => x.rank === spec.rank);
    if (!a)
      throw new DomainError(
        'not_found',
        `${field}: no HCHH area ${spec.rank}; there are ${result.areas.length} (built from resolution-${result.cellResolution} cells, ${whole.from}–${whole.to}, ${result.rule.key} rule)`,
      );
    const resolved = await this.areas.resolveArea({ kind: 'cells', cells: a.cells }, r.to);
    return {
      ...resolved,
      kind: 'cells',
      id: `hchh:${a.rank}`,
      name: `HCHH area ${a.rank} (${a.name})`,
      hchhRule: `HCHH area ${a.rank} as /api/hchh lists it (${result.rule.text}), ${a.cells.length} cells of resolution ${result.cellResolution}, ${whole.from}–${whole.to} (all loaded months; the selection period includes the after window, so some regression to the mean is expected)`,
    };
  }

  async impact(q: ImpactRequest) {
    const scope = await this.analysis.forceScope(q.force);
    const loaded = await this.analysis.incidents.months(scope.codes.length ? scope.codes : undefined);
    if (loaded.length === 0) throw new DomainError('not_found', 'no incidents are loaded yet; import data first');
    if (!q.area && !q.geometry) throw fieldError('area', 'is required (hchh:N, zone:ID, site:ID, ward:CODE, district:CODE), or post a geometry');
    if (q.area && q.geometry) throw fieldError('geometry', 'give either area or geometry, not both');
    const spec: ImpactAreaSpec = q.geometry ? { kind: 'polygon', geometry: q.geometry } : parseAreaSpec(q.area!, 'area');

    // The intervention month: the date, or a zone's phase start.
    let date = q.date;
    if (q.phase) {
      if (q.date) throw fieldError('phase', 'give either date or phase, not both');
      if (spec.kind !== 'zone') throw fieldError('phase', 'only a zone (area=zone:ID) has Clear-Hold-Build phases; give date=YYYY-MM');
      const zone = await this.areas.places.getZone(spec.id);
      if (!zone) throw new DomainError('not_found', `area: no zone #${spec.id}`);
      const start = { clear: zone.clearStart, hold: zone.holdStart, build: zone.buildStart }[q.phase];
      if (!start) throw fieldError('phase', `zone #${zone.id} "${zone.name}" has no ${q.phase} date`);
      date = start.slice(0, 7);
    }
    if (!date) throw fieldError('date', 'is required as YYYY-MM (or phase=clear|hold|build for a zone)');
    let w: ReturnType<typeof impactWindows>;
    try {
      w = impactWindows(date, q.months, loaded[0]!, loaded[loaded.length - 1]!);
    } catch (e) {
      if (e instanceof FieldError) throw fieldError(e.field, e.message.slice(e.field.length + 2));
      throw e;
    }
    const r = await this.analysis.resolve({
      resolution: q.resolution,
      from: w.before.from,
      to: w.after.to,
      definition: q.definition,
      scheme: q.scheme,
      force: q.force,
    });
    // Before and after are compared month for month: a month not loaded on either side would read as a fall or a rise.
    requireComplete(r, 'an impact window', w.before.from, w.after.to);
    const before: IncidentFilter = { ...r.filter, from: w.before.from, to: w.before.to };
    const after: IncidentFilter = { ...r.filter, from: w.after.from, to: w.after.to };
    const area = await this.resolve(spec, r, 'area');
    if (!area.outline) throw fieldError('area', 'this area has no outline, so no buffer can be drawn');
    const outline = area.outline as Polygonal;

    const counts = async (sel: AreaSelector): Promise<HarmCounts> => {
      const [b, a] = await Promise.all([this.areas.queries.totals(before, sel), this.areas.queries.totals(after, sel)]);
      return { before: b.incidents, after: a.incidents, harmBefore: b.harm, harmAfter: a.harm };
    };

    // Buffer ring: positions inside the ring and not in the area.
    let ring: ReturnType<typeof bufferRing>;
    try {
      ring = bufferRing(outline, q.bufferMetres);
    } catch (e) {
      throw fieldError('bufferMetres', (e as Error).message);
    }
    const inArea = areaMembership(area.selector);
    const ringPositions = pointsInside(await this.areas.queries.positionsInBox(boxOf(ring.ring)), ring.ring).filter((p) => !inArea(p));

    // The comparison.
    let comparison: { kind: 'auto' | 'area' | 'force'; counts: HarmCounts | null; detail: Record<string, unknown> };
    if (q.comparison === 'force') {
      comparison = { kind: 'force', counts: null, detail: { rule: COMPARISON_RULE } };
    } else if (q.comparison === 'auto') {
      const m = await this.matchedCells(r, before, area, outline, ring.outer);
      comparison = { kind: 'auto', counts: await counts({ kind: 'cells', cells: m.cells.map((c) => c.cell) }), detail: m.detail };
    } else {
      const cspec = parseAreaSpec(q.comparison, 'comparison');
      const c = await this.resolve(cspec, r, 'comparison');
      comparison = {
        kind: 'area',
        counts: await counts(c.selector),
        detail: { area: { kind: c.kind, id: c.id, name: c.name, selection: c.selection }, outline: c.outline },
      };
    }

    const [areaCounts, force, buffer, areaSeries, forceSeries] = await Promise.all([
      counts(area.selector),
      counts({ kind: 'force' }),
      counts({ kind: 'positions', positions: ringPositions }),
      this.areas.queries.monthTotals(r.filter, area.selector),
      this.areas.queries.monthTotals(r.filter, { kind: 'force' }),
    ]);
    const subject = /serious violence/i.test(r.definition.name) ? 'serious violence' : r.definition.name;
    const assessed = assessImpact({ areaName: area.name, subject, area: areaCounts, force, buffer, comparison: comparison.counts });
    const months = monthRange(w.before.from, w.after.to);
    const am = new Map(areaSeries.map((s) => [s.month, s])),
      fm = new Map(forceSeries.map((s) => [s.month, s]));
    const out = (c: HarmCounts, pctKey: 'area' | 'force' | 'buffer' | 'comparison') => ({
      before: c.before,
      after: c.after,
      harmBefore: round(c.harmBefore),
      harmAfter: round(c.harmAfter),
      changePercent: nullRound(assessed.changePercent[pctKey], 1),
      harmChangePercent: nullRound(assessed.harmChangePercent[pctKey], 1),
    });
    return {
      area: {
        kind: spec.kind === 'hchh' ? 'hchh' : area.kind,
        id: area.id,
        name: area.name,
        areaKm2: area.areaKm2 === null ? null : round(area.areaKm2, 4),
        selection: area.selection,
        ...(area.hchhRule ? { rule: area.hchhRule } : {}),
      },
      outline,
      ...this.analysis.describe(r),
      intervention: {
        date,
        phase: q.phase ?? null,
        months: q.months,
        before: w.before,
        after: w.after,
        rule: 'before: the months before the intervention month; after: the intervention month and those following',
      },
      counts: {
        area: out(areaCounts, 'area'),
        force: { ...out(force, 'force'), rule: COMPARISON_RULE },
        buffer: {
          ...out(buffer, 'buffer'),
          bufferMetres: q.bufferMetres,
          positions: ringPositions.length,
          rule: `incidents whose published position lies within ${q.bufferMetres} m of the area and outside it`,
        },
        comparison: comparison.counts
          ? { kind: comparison.kind, ...out(comparison.counts, 'comparison'), ...comparison.detail }
          : { kind: 'force' as const, ...comparison.detail },
      },
      relativeChange: { againstForce: fmtRc(assessed.againstForce), againstComparison: assessed.againstComparison ? fmtRc(assessed.againstComparison) : null },
      displacement:
        'error' in assessed.displacement
          ? assessed.displacement
          : {
              ...assessed.displacement,
              successMeasure: round(assessed.displacement.successMeasure, 6),
              bufferMeasure: round(assessed.displacement.bufferMeasure, 6),
              wdq: assessed.displacement.wdq === null ? null : round(assessed.displacement.wdq, 4),
              totalNetEffect: round(assessed.displacement.totalNetEffect, 2),
              method:
                'Weighted Displacement Quotient (Bowers & Johnson 2003): WDQ = (B1/C1 − B0/C0) / (A1/C1 − A0/C0), A the area, B the buffer, C the control',
            },
      statement: assessed.statement,
      comparisonStatement: assessed.comparisonStatement,
      series: months.map((m) => ({
        month: m,
        period: m < date! ? ('before' as const) : ('after' as const),
        area: am.get(m)?.incidents ?? 0,
        force: fm.get(m)?.incidents ?? 0,
      })),
      caveats: [
        'A before/after change is not proof that the intervention caused it; the comparison and the interval say how unusual the change is.',
        'Counts are of published incidents under the chosen definition; data.police.uk positions are anonymised snap points, so incidents near the area edge may fall on either side.',
      ],
    };
  }

  /** The matched comparison cells: study-area cells outside the area and its buffer, matched on pre-period count and IMD rank. */
  private async matchedCells(r: ResolvedParams, before: IncidentFilter, area: ResolvedArea, outline: Polygonal, outer: Polygonal) {
    // An area of cells (an HCHH area, built from res-11 cells) is matched cell for cell at its cells' resolution.
    const ownCells = area.selector.kind === 'cells' ? [...new Set(area.selector.cells.map((c) => getResolution(c)))] : [];
    const res = ownCells.length === 1 ? ownCells[0]! : r.resolution;
    const rBefore = { ...r, resolution: res, from: before.from, to: before.to, filter: before };
    const study = await this.analysis.studyArea(rBefore);
    const preByCell = new Map(study.cells.map((c) => [c.cell, c.incidents]));
    // Target cells: the area's own cells (HCHH), else the cells whose centre lies in the outline (at least the one at its centre).
    let targetIds: string[];
    if (area.selector.kind === 'cells' && ownCells.length === 1) targetIds = area.selector.cells;
    else {
      const set = new Set<string>();
      for (const p of polygonsOf(outline)) for (const c of polygonToCells(p, res, true)) set.add(c);
      if (set.size === 0)
        for (const p of polygonsOf(outline))
          for (const c of polygonToCellsExperimental(p, res, POLYGON_TO_CELLS_FLAGS.containmentOverlapping, true)) set.add(c);
      targetIds = [...set].sort();
    }
    const excluded = new Set<string>(targetIds);
    for (const p of polygonsOf(outer)) for (const c of polygonToCellsExperimental(p, res, POLYGON_TO_CELLS_FLAGS.containmentOverlapping, true)) excluded.add(c);

    const [lsoas, shapes] = await Promise.all([this.analysis.geography.deprivation(), this.analysis.geography.boundaries('lsoa', '2011')]);
    const rank = new Map(lsoas.map((l) => [l.lsoaCode, l.imdRank]));
    const index = shapes.length && lsoas.length ? new RegionIndex(shapes.filter((s) => rank.has(s.code))) : null;
    const imdOf = (cell: string): number | null => {
      if (!index) return null;
      const [lat, lng] = cellToLatLng(cell);
      const code = index.locate(lng, lat);
      return code ? (rank.get(code) ?? null) : null;
    };
    const areaImd = (area.deprivation as { meanImdRank?: number } | null)?.meanImdRank ?? null;
    const targets: MatchCell[] = targetIds.map((cell) => ({
      cell,
      before: preByCell.get(cell) ?? 0,
      imdRank: imdOf(cell) ?? (areaImd === null ? null : Math.round(areaImd)),
    }));
    let candidates: MatchCell[] = study.cells
      .filter((c) => !excluded.has(c.cell))
      .map((c) => ({ cell: c.cell, before: preByCell.get(c.cell) ?? 0, imdRank: imdOf(c.cell) }));
    if (index) candidates = candidates.filter((c) => c.imdRank !== null);
    let m: ReturnType<typeof matchComparisonCells>;
    try {
      m = matchComparisonCells(targets, candidates);
    } catch (e) {
      throw fieldError('comparison', `${(e as Error).message}; use comparison=force or name a comparison area`);
    }
    return {
      cells: m.cells,
      detail: {
        method: m.method,
        candidates: `${candidates.length} cells of the study area (${study.basis}) at resolution ${res}, leaving out ${excluded.size} cells that are in the area or touch its buffer (H3 overlapping containment of the area plus buffer)${index ? ' and cells whose centre is in no LSOA' : ''}`,
        targetCells: targets.length,
        targetBefore: m.targetBefore,
        matchedBefore: m.matchedBefore,
        targetMeanImdRank: meanOf(targets.map((t) => t.imdRank)),
        matchedMeanImdRank: meanOf(m.cells.map((c) => c.imdRank)),
        cellIds: m.cells.map((c) => c.cell),
      },
    };
  }
}

function meanOf(v: (number | null)[]): number | null {
  const x = v.filter((n): n is number => n !== null);
  return x.length ? round(x.reduce((s, n) => s + n, 0) / x.length, 1) : null;
}

function polygonsOf(g: Polygonal): number[][][][] {
  return g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
}

/** Whether a position belongs to the area by its selector (positions and cells exactly; tagged areas are left to geometry). */
function areaMembership(sel: AreaSelector): (p: { lon: number; lat: number }) => boolean {
  if (sel.kind === 'positions') {
    const set = new Set(sel.positions.map((p) => `${p.lon},${p.lat}`));
    return (p) => set.has(`${p.lon},${p.lat}`);
  }
  if (sel.kind === 'cells') {
    const set = new Set(sel.cells);
    const resolutions = [...new Set(sel.cells.map((c) => getResolution(c)))];
    // The same rule as the database: an incident is in a cell when its storage cell (res 12) descends from it.
    return (p) => {
      const storage = latLngToCell(p.lat, p.lon, STORAGE_RESOLUTION);
      return resolutions.some((res) => set.has(cellToParent(storage, res)));
    };
  }
  return () => false;
}

function nullRound(v: number | null, d: number): number | null {
  return v === null ? null : round(v, d);
}

function fmtRc(rc: ReturnType<typeof assessImpact>['againstForce']) {
  return {
    ...rc,
    ratio: round(rc.ratio, 4),
    ci: [round(rc.ci[0], 4), round(rc.ci[1], 4)] as [number, number],
    pValue: Number(rc.pValue.toPrecision(4)),
    areaChangePercent: nullRound(rc.areaChangePercent, 1),
    comparisonChangePercent: nullRound(rc.comparisonChangePercent, 1),
  };
}
