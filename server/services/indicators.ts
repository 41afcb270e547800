import { indicatorTable } from '../domain/indicatorTable';
import { markCoverage, type CoverageAdjustment, type CoveredRow } from '../domain/indicatorCoverage';
import { nameMonths, type PeriodCoverage } from '../domain/coverage';
import type { IndicatorTable } from '../domain/indicatorTable';
import type { IndicatorInput } from '../domain/indicators';
import { monthRange } from '../domain/months';
import { runChart, type RunChart } from '../domain/runChart';
import { DomainError } from '../domain/errors';
import type { Analysis } from './analysis';
import type { AreaService, ResolvedArea } from './areas';
import { coverageOf, incompleteMonthsOf } from './coverage';

const RATE_PER = 100_000;

export interface IndicatorReport {
  indicator: IndicatorInput;
  definition: { key: string; name: string; isProxy: boolean };
  scheme: { key: string; unit: string } | null;
  unit: string;
  area: { name: string; selection: string; population: number | null };
  table: Omit<IndicatorTable, 'rows'> & { rows: CoveredRow[] };
  runChart: RunChart;
  lastMonth: string;
  /** What of the indicator's months is loaded; incomplete rows carry no test or RAG unless adjusted. */
  coverage: PeriodCoverage & { adjustment: CoverageAdjustment };
}

/** The incidents an indicator's area holds, its name and its residents. */
async function indicatorArea(
  analysis: Analysis,
  areas: AreaService,
  indicator: IndicatorInput,
  lastMonth: string,
): Promise<{ name: string; selection: string; population: number | null; area: ResolvedArea | null }> {
  const a = indicator.area;
  if (a.type === 'force') {
    const lsoas = await analysis.geography.deprivation();
    return {
      name: 'the force',
      area: null,
      population: lsoas.length ? lsoas.reduce((s, l) => s + l.population, 0) : null,
      selection: "every incident of the force (population: the LSOAs of the force's districts)",
    };
  }
  if (a.type === 'hchh') {
    const r = await analysis.resolve({
      resolution: a.resolution,
      from: indicator.baseline.from,
      to: indicator.baseline.to,
      definition: indicator.definition,
      scheme: indicator.scheme,
    });
    const hchh = await analysis.hchh(r, {});
    const found = hchh.areas;
    const chosen = a.rank === undefined ? found : found.filter((x) => x.rank === a.rank);
    if (chosen.length === 0)
      throw new DomainError(
        'unprocessable',
        a.rank === undefined
          ? 'no HCHH areas are found in the baseline period'
          : `no HCHH area of rank ${a.rank} in the baseline period (${found.length} areas)`,
      );
    const resolved = await areas.resolveArea({ kind: 'cells', cells: chosen.flatMap((x) => x.cells) }, lastMonth);
    const name =
      a.rank === undefined
        ? `the ${chosen.length} HCHH areas of ${indicator.baseline.from} to ${indicator.baseline.to}`
        : `HCHH area ${a.rank} (${chosen[0]!.name})`;
    return {
      name,
      area: resolved,
      population: resolved.population?.residents ?? null,
      selection: `${resolved.selection}; areas found on the baseline period by the default HCHH rule (${hchh.rule.text}) and kept fixed`,
    };
  }
  const resolved = await areas.resolveArea(
    a.type === 'zone' ? { kind: 'zone', id: a.id } : a.type === 'cells' ? { kind: 'cells', cells: a.cells } : { kind: a.type, code: a.code },
    lastMonth,
  );
  return {
    name: a.type === 'cells' ? a.name : resolved.name,
    area: resolved,
    population: resolved.population?.residents ?? null,
    selection: resolved.selection,
  };
}

/** Computes an indicator's table and run chart from the stored incidents. */
export async function indicatorReport(
  analysis: Analysis,
  areas: AreaService,
  indicator: IndicatorInput,
  opts: { adjustment?: CoverageAdjustment } = {},
): Promise<IndicatorReport> {
  const adjustment = opts.adjustment ?? 'none';
  const months = (await analysis.defaults()).months;
  const lastMonth = months[months.length - 1];
  if (!lastMonth) throw new Error('no incidents are loaded yet');
  const r = await analysis.resolve({
    resolution: 9,
    from: indicator.baseline.from,
    to: lastMonth,
    definition: indicator.definition,
    scheme: indicator.measure === 'harm' ? indicator.scheme : 'count',
    source: indicator.sources,
  });
  const where = await indicatorArea(analysis, areas, indicator, lastMonth);
  const rows = where.area ? await areas.queries.monthTotals(r.filter, where.area.selector) : await analysis.incidents.monthTotals(r.filter);
  if (indicator.measure === 'rate' && !where.population)
    throw new Error(`a rate needs the residents of ${where.name}, and none are known (load the deprivation folder)`);
  const scale = indicator.measure === 'rate' ? RATE_PER / where.population! : 1;
  const value = (x: { incidents: number; harm: number }) => (indicator.measure === 'harm' ? x.harm : x.incidents);
  const monthly = new Map(rows.map((x) => [x.month, value(x)]));
  const coverage = coverageOf(r, indicator.baseline.from, lastMonth);
  const series = monthRange(indicator.baseline.from, lastMonth);
  const incomplete = incompleteMonthsOf(coverage, series);
  const table = markCoverage(
    indicatorTable(monthly, { baseline: indicator.baseline, lastMonth, isCount: indicator.measure !== 'harm', rag: indicator.rag, scale }),
    monthly,
    incomplete,
    { rag: indicator.rag, isCount: indicator.measure !== 'harm', adjustment, scale },
  );
  if (indicator.measure === 'rate')
    table.notes.push(
      `Rates are per ${RATE_PER.toLocaleString('en-GB')} residents (${where.population!.toLocaleString('en-GB')}, mid-2015); the test is on the counts, as the population is the same in every period.`,
    );
  // A month not loaded is no point on the chart (not a zero); partial months are plotted and named in the notes.
  const missing = new Set(incomplete.missing);
  const plotted = series.filter((m) => !missing.has(m));
  if (missing.size) table.notes.push(`The run chart leaves out the months not loaded (${nameMonths(incomplete.missing)}); they are unknown, not zero.`);
  const baselinePoints = monthRange(indicator.baseline.from, indicator.baseline.to).filter((m) => !missing.has(m)).length;
  const chart = runChart(
    plotted.map((m) => ({ label: m, value: (monthly.get(m) ?? 0) * scale })),
    Math.max(2, baselinePoints),
  );
  return {
    indicator,
    definition: { key: r.definition.key, name: r.definition.name, isProxy: r.definition.isProxy },
    scheme: indicator.measure === 'harm' ? { key: r.scheme.key, unit: r.scheme.unit } : null,
    unit:
      indicator.measure === 'harm' ? r.scheme.unit : indicator.measure === 'rate' ? `incidents per ${RATE_PER.toLocaleString('en-GB')} residents` : 'incidents',
    area: { name: where.name, selection: where.selection, population: where.population },
    table,
    runChart: chart,
    lastMonth,
    coverage: { ...coverage, adjustment },
  };
}
