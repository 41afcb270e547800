import { cellArea } from 'h3-js';
import { selectionAccuracy, topCellsWithinArea, type Accuracy } from '../domain/hotspots/accuracy';
import { confidenceBins } from '../domain/hotspots/confidenceBins';
import { emergingPatterns, MIN_STEPS_EMERGING } from '../domain/hotspots/emerging';
import { gistar } from '../domain/hotspots/gistar';
import type { WeightScheme } from '../domain/hotspots/neighbours';
import { hchhAreas } from '../domain/hchh';
import { DomainError } from '../domain/errors';
import { monthRange } from '../domain/months';
import type { Analysis, ResolvedParams } from './analysis';
import { completeWeeks, longestCompleteRun, type PeriodCoverage } from '../domain/coverage';
import { coverageOf, requireComplete } from './coverage';

export interface GistarOptions {
  variable: 'count' | 'harm';
  k: number;
  weights: WeightScheme;
  fdr: boolean;
}

export type EmergingOptions = GistarOptions & {
  timeStep: number;
  alpha: number;
  trendAlpha: number;
  globalWindow: 'cube' | 'time-step';
  step?: 'month' | 'week';
};

/** The smallest |Gi_Bin| that is significant at alpha (0.10 → 1, 0.05 → 2, 0.01 → 3). */
export function binLevelFor(alpha: number): number {
  if (alpha === 0.1) return 1;
  if (alpha === 0.05) return 2;
  if (alpha === 0.01) return 3;
  throw new Error(`alpha must be 0.1, 0.05 or 0.01 (the Gi_Bin confidence levels); got ${alpha}`);
}

const km2 = (c: string) => cellArea(c, 'km2');

/**
 * Most neighbour pairs (cells × the k-ring's 3k²+3k+1 cells) one request may weigh, and most
 * cell-steps in an emerging cube: Gi* runs in this thread, so its cost bounds how long every other
 * request waits. Measured on 2 cores: 2.35 M binary pairs (resolution 11, k = 1, 650 km²) take about
 * 5 s; inverse-distance weights cost several times more per pair (1.8 M pairs about 11 s).
 */
export const NEIGHBOUR_BUDGET = { binary: 2_500_000, 'inverse-distance': 1_000_000 } as const;
export const CUBE_BUDGET = 5_000_000;

function checkBudget(cells: number, o: { k: number; weights: WeightScheme }, steps = 1): void {
  const pairs = cells * (3 * o.k * o.k + 3 * o.k + 1);
  const budget = NEIGHBOUR_BUDGET[o.weights];
  const advice = 'use a coarser resolution, a smaller k, binary weights, fewer districts or a shorter period';
  if (pairs > budget) {
    throw new DomainError(
      'invalid',
      `Gi* over ${cells.toLocaleString('en-GB')} cells with the ${o.k}-ring and ${o.weights} weights weighs ` +
        `${pairs.toLocaleString('en-GB')} neighbour pairs; at most ${budget.toLocaleString('en-GB')} are computed per request: ${advice}`,
    );
  }
  if (cells * steps > CUBE_BUDGET) {
    throw new DomainError(
      'invalid',
      `the space-time cube would hold ${cells.toLocaleString('en-GB')} cells × ${steps} steps = ${(cells * steps).toLocaleString('en-GB')} bins; ` +
        `at most ${CUBE_BUDGET.toLocaleString('en-GB')} per request: ${advice}`,
    );
  }
}

/** Hot spot statistics over the study area's cells (empty cells included). */
export class HotspotStatistics {
  constructor(private readonly analysis: Analysis) {}

  async gistar(r: ResolvedParams, o: GistarOptions) {
    const study = await this.analysis.studyArea(r);
    const cells = study.cells.map((c) => c.cell);
    checkBudget(cells.length, o);
    const values = Float64Array.from(study.cells, (c) => (o.variable === 'harm' ? c.harm : c.incidents));
    const z = gistar(values, await this.analysis.studyNeighbours(r, o.k, o.weights));
    const { bins, p, thresholds } = confidenceBins(z, { fdr: o.fdr });
    const areaKm2 = study.cellKm2.reduce((s, a) => s + a, 0);
    return { cells, values, z, p, bins, thresholds, studyArea: { cells: cells.length, areaKm2, basis: study.basis } };
  }

  /**
   * Emerging hot spots. The space-time cube never fills a month that is not loaded with zeros (two
   * such months before the last would make every steady hot cell look "historical"): over a period
   * with missing or partial months it uses the longest run of complete months, and says so in
   * `coverage`; with no complete month it refuses.
   */
  async emerging(
    r: ResolvedParams,
    o: EmergingOptions,
  ): Promise<Awaited<ReturnType<HotspotStatistics['emergingOver']>> & { coverage: PeriodCoverage & { used: { from: string; to: string; months: number } } }> {
    const c = coverageOf(r);
    if (o.step === 'week') {
      // Weeks are held when each of their days is: an extract starting on 8 July holds the weeks from then.
      const all = weeksBetween(r.from, r.to);
      const ok = completeWeeks(r.coverage, all);
      let best: string[] = [],
        run: string[] = [];
      all.forEach((w, i) => {
        if (ok[i]) {
          run.push(w);
          if (run.length >= best.length) best = [...run];
        } else run = [];
      });
      if (best.length === 0) requireComplete(r, 'the weekly emerging hot spot cube');
      const used = await this.emergingOver(r, o, best);
      const whole = best.length === all.length;
      return {
        ...used,
        coverage: {
          ...c,
          used: { from: r.from, to: r.to, months: monthRange(r.from, r.to).length },
          statement: whole
            ? c.statement
            : `${c.statement}. The weekly cube never fills a week without data with zeros: it uses the longest run of wholly held weeks, ${best[0]} to ${best[best.length - 1]} (${best.length} weeks)`,
        },
      };
    }
    if (c.complete)
      return { ...(await this.emergingOver(r, o)), coverage: { ...c, used: { from: r.from, to: r.to, months: monthRange(r.from, r.to).length } } };
    const run = longestCompleteRun(c);
    if (!run) requireComplete(r, 'the emerging hot spot cube');
    const used = await this.emergingOver({ ...r, from: run!.from, to: run!.to }, o);
    return {
      ...used,
      coverage: {
        ...c,
        used: run!,
        statement: `${c.statement}. The space-time cube never fills a missing month with zeros: it uses the longest run of complete months, ${run!.from} to ${run!.to} (${run!.months} months)`,
      },
    };
  }

  private async emergingOver(r: ResolvedParams, o: EmergingOptions, weeks?: string[]) {
    const study = await this.analysis.studyArea(r);
    const cells = study.cells.map((c) => c.cell);
    let months: string[];
    let cube: Float64Array;
    if (o.step === 'week') {
      if (r.protection) {
        throw new DomainError(
          'forbidden',
          `weekly steps are finer than disclosure control allows for restricted sources (its units are cell × month); use step=month, or public sources only`,
        );
      }
      // Weeks only where every incident has a time: data.police.uk gives months only.
      const weekly = await this.analysis.incidents.cellWeekTotals(r.filter, r.resolution);
      if (weekly.untimed > 0)
        throw new DomainError(
          'invalid',
          `${weekly.untimed} incidents in this selection have no time (data.police.uk publishes months only), so weekly steps would leave them out; use step=month, or restrict source to force-extract`,
        );
      months = weeks ?? weeksBetween(r.from, r.to);
      checkBudget(cells.length, o, months.length);
      const index = new Map(cells.map((c, i) => [c, i]));
      const weekIndex = new Map(months.map((m, t) => [m, t]));
      cube = new Float64Array(cells.length * months.length);
      for (const row of weekly.rows) {
        const i = index.get(row.cell),
          t = weekIndex.get(row.week);
        if (i !== undefined && t !== undefined) cube[t * cells.length + i] = o.variable === 'harm' ? row.harm : row.incidents;
      }
    } else {
      months = monthRange(r.from, r.to);
      checkBudget(cells.length, o, months.length);
      cube = await this.analysis.cellMonthCube(r, months, cells, o.variable === 'harm' ? 'harm' : 'incidents');
    }
    const n = cells.length,
      T = months.length;
    const nb = await this.analysis.studyNeighbours(r, o.k, o.weights);
    const { results, enough } = emergingPatterns(cube, n, T, nb, { ...o, level: binLevelFor(o.alpha) });
    return {
      cells,
      months,
      results,
      step: o.step ?? 'month',
      insufficient: enough
        ? null
        : `the ArcGIS patterns need at least ${MIN_STEPS_EMERGING} time steps and this period has ${T}; the short-series (sfhotspot) patterns are given instead`,
      studyArea: { cells: n, areaKm2: study.cellKm2.reduce((s, a) => s + a, 0), basis: study.basis },
    };
  }

  /**
   * Trains three hotspot selections on one period and scores them on a later one, at equal area:
   * HCHH areas (the published threshold rule, at the request's percentages), Gi*-significant hot cells (95 %, FDR, highest z first) and the naive
   * top-count ranking. The area budget is the HCHH selection's area.
   */
  async accuracy(train: ResolvedParams, evaluate: ResolvedParams, hchhOptions: { crimeTopPercent: number; harmTopPercent: number }) {
    const study = await this.analysis.studyArea(train);
    const cells = study.cells.map((c) => c.cell);
    const studyAreaKm2 = study.cellKm2.reduce((s, a) => s + a, 0);
    const inStudy = new Set(cells);
    const trainCounts = new Map(study.cells.map((c) => [c.cell, c.incidents]));
    const trainHarm = new Map(study.cells.map((c) => [c.cell, c.harm]));
    const evalTotals = (await this.analysis.cellTotals(evaluate)).filter((c) => inStudy.has(c.cell));
    const evalCounts = new Map(evalTotals.map((c) => [c.cell, c.incidents]));
    const evalHarm = new Map(evalTotals.map((c) => [c.cell, c.harm]));

    const hchh = hchhAreas(study.cells, hchhOptions).areas.flatMap((a) => a.cells);
    const budget = hchh.reduce((s, c) => s + km2(c), 0);
    const values = Float64Array.from(study.cells, (c) => c.incidents);
    const z = gistar(values, await this.analysis.studyNeighbours(train, 1, 'binary'));
    const { bins } = confidenceBins(z, { fdr: true });
    const giRanking = cells
      .map((c, i) => ({ c, z: z[i]!, bin: bins[i]! }))
      .filter((x) => x.bin >= 2)
      .sort((a, b) => b.z - a.z)
      .map((x) => x.c);
    const countRanking = [...study.cells].sort((a, b) => b.incidents - a.incidents || b.harm - a.harm).map((c) => c.cell);
    const harmRanking = [...study.cells].sort((a, b) => b.harm - a.harm || b.incidents - a.incidents).map((c) => c.cell);
    const score = (selected: string[]) => {
      const counts: Accuracy = selectionAccuracy({ selected, train: trainCounts, evaluate: evalCounts, areaOf: km2, studyAreaKm2 });
      const harm: Accuracy = selectionAccuracy({ selected, train: trainHarm, evaluate: evalHarm, areaOf: km2, studyAreaKm2 });
      return { ...counts, harmHitRate: harm.hitRate, harmPai: harm.pai, harmRri: harm.rri };
    };
    return {
      budgetKm2: budget,
      studyArea: { cells: cells.length, areaKm2: studyAreaKm2, basis: study.basis },
      rules: [
        {
          rule: 'HCHH areas',
          description: `cells in the top ${hchhOptions.crimeTopPercent} % by count and top ${hchhOptions.harmTopPercent} % by harm`,
          ...score(hchh),
        },
        {
          rule: 'Gi* hot spots',
          description: 'cells with a significant hot Gi* at 95 % (FDR), highest z first, cut at the same area',
          ...score(topCellsWithinArea(giRanking, budget, km2)),
        },
        {
          rule: 'top cells by count',
          description: 'cells with the most incidents, cut at the same area',
          ...score(topCellsWithinArea(countRanking, budget, km2)),
        },
        { rule: 'top cells by harm', description: 'cells with the most harm, cut at the same area', ...score(topCellsWithinArea(harmRanking, budget, km2)) },
      ],
    };
  }
}

/** Monday of every ISO week that overlaps the months from…to ('YYYY-MM-DD', UK calendar dates). */
export function weeksBetween(from: string, to: string): string[] {
  const start = new Date(`${from}-01T00:00:00Z`);
  const [y, m] = to.split('-').map(Number) as [number, number];
  const end = new Date(Date.UTC(y, m, 0)); // last day of the final month
  const day = (start.getUTCDay() + 6) % 7; // days since Monday
  const monday = new Date(start.getTime() - day * 86_400_000);
  const out: string[] = [];
  for (let d = monday; d <= end; d = new Date(d.getTime() + 7 * 86_400_000)) out.push(d.toISOString().slice(0, 10));
  return out;
}
