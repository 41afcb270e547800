import { cellsSql } from '../db/incidentQueries';
import { indicatorTable, type IndicatorTable } from '../domain/indicatorTable';
import type { IndicatorInput } from '../domain/indicators';
import { monthRange } from '../domain/months';
import { runChart, type RunChart } from '../domain/runChart';
import type { Analysis } from './analysis';

export interface IndicatorReport {
  indicator: IndicatorInput;
  definition: { key: string; name: string; isProxy: boolean };
  scheme: { key: string; unit: string } | null;
  unit: string;
  table: IndicatorTable;
  runChart: RunChart;
  lastMonth: string;
}

/** Computes an indicator's table and run chart from the stored incidents. */
export async function indicatorReport(analysis: Analysis, indicator: IndicatorInput): Promise<IndicatorReport> {
  const months = (await analysis.defaults()).months;
  const lastMonth = months[months.length - 1];
  if (!lastMonth) throw new Error('no incidents are loaded yet');
  const r = await analysis.resolve({
    resolution: 9, from: indicator.baseline.from, to: lastMonth, definition: indicator.definition,
    scheme: indicator.measure === 'harm' ? indicator.scheme : 'count', source: indicator.sources,
  });
  const area = indicator.area.type === 'cells' ? cellsSql(indicator.area.cells)
    : indicator.area.type === 'district' ? { sql: 'i.district_code = ?', bindings: [indicator.area.code] }
    : indicator.area.type === 'ward' ? { sql: 'i.ward_code = ?', bindings: [indicator.area.code] }
    : undefined;
  const rows = await analysis.incidents.monthTotals(r.filter, area);
  const value = (x: { incidents: number; harm: number }) => (indicator.measure === 'harm' ? x.harm : x.incidents);
  const monthly = new Map(rows.map((x) => [x.month, value(x)]));
  const table = indicatorTable(monthly, { baseline: indicator.baseline, lastMonth, isCount: indicator.measure === 'count', rag: indicator.rag });
  const series = monthRange(indicator.baseline.from, lastMonth);
  const baselinePoints = monthRange(indicator.baseline.from, indicator.baseline.to).length;
  const chart = runChart(series.map((m) => ({ label: m, value: monthly.get(m) ?? 0 })), Math.max(2, baselinePoints));
  return {
    indicator,
    definition: { key: r.definition.key, name: r.definition.name, isProxy: r.definition.isProxy },
    scheme: indicator.measure === 'harm' ? { key: r.scheme.key, unit: r.scheme.unit } : null,
    unit: indicator.measure === 'harm' ? r.scheme.unit : 'incidents',
    table, runChart: chart, lastMonth,
  };
}
