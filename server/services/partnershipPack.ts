import { AggregateStore } from '../db/aggregates';
import type { Db } from '../db/connection';
import { IndicatorStore } from '../db/indicators';
import { areaDeprivation } from '../domain/geography/deprivation';
import { addMonths } from '../domain/months';
import type { Analysis } from './analysis';
import type { AreaService } from './areas';
import { HotspotStatistics } from './hotspotStatistics';
import { indicatorReport, type IndicatorReport } from './indicators';
import { successMeasures, type SuccessMeasuresReport } from './successMeasures';
import { coverageOf, forceCoverage, nameMonths, type PeriodCoverage } from './coverage';

/** Emerging categories a partnership board acts on, in the order the pack lists them. */
const CATEGORIES_OF_CONCERN = ['new hot spot', 'consecutive hot spot', 'intensifying hot spot', 'persistent hot spot'];

export interface PartnershipPack {
  generated: string;
  months: { first: string; last: string };
  definition: { key: string; name: string; isProxy: boolean; description: string };
  scheme: { key: string; unit: string };
  successMeasures: SuccessMeasuresReport;
  indicators: { key: string; name: string; report: IndicatorReport | null; error: string | null }[];
  hchh: {
    period: { from: string; to: string };
    rule: string;
    /** The H3 resolution of the areas' cells. */
    cellResolution: number;
    areas: { rank: number; name: string; cells: number; areaKm2: number; incidents: number; harm: number; shareOfHarm: number; shareOfIncidents: number }[];
    totals: { areaKm2: number; shareOfArea: number; shareOfIncidents: number; shareOfHarm: number };
  };
  emerging: {
    period: { from: string; to: string };
    resolution: number;
    counts: Record<string, number>;
    insufficient: string | null;
    coverage: string;
    notable: { category: string; cell: string; place: string }[];
  };
  /** First page: what is loaded, per source, and the coverage of the pack's definition. */
  coverage: {
    definition: PeriodCoverage;
    sources: { force: string | null; source: string; loaded: number; missing: string; partial: { month: string; reasons: string[] }[] }[];
  };
  wards: { code: string; name: string; district: string; population: number; shareResidentsMostDeprived: number; incidents: number; ratePerThousand: number }[];
  sources: { incidents: Awaited<ReturnType<Analysis['incidents']['sources']>>; aggregates: Awaited<ReturnType<AggregateStore['sources']>> };
  caveats: string[];
}

/**
 * Everything a Serious Violence Duty board reads in one document: success measures, every indicator
 * with its table and run chart, the HCHH areas and emerging hot spots of the latest 12 months, wards by
 * deprivation with their serious-violence rate, and the sources with their caveats.
 */
export async function partnershipPack(
  db: Db,
  analysis: Analysis,
  areas: AreaService,
  opts: { definition?: string | undefined; resolution?: number | undefined; force?: string | undefined },
): Promise<PartnershipPack> {
  const { months } = await analysis.defaults(await analysis.forceScope(opts.force));
  const first = months[0];
  const last = months[months.length - 1];
  if (!first || !last) throw new Error('no incidents are loaded yet');
  const yearFrom = addMonths(last, -11) < first ? first : addMonths(last, -11);
  const resolution = opts.resolution ?? 9;
  const year = await analysis.resolve({ resolution, from: yearFrom, to: last, definition: opts.definition, force: opts.force });
  const all = await analysis.resolve({ resolution, from: first, to: last, definition: opts.definition, scheme: 'count', force: opts.force });

  const stored = await new IndicatorStore(db).list();
  const indicators = [];
  for (const { id: _id, ...i } of stored) {
    try {
      indicators.push({ key: i.key, name: i.name, report: await indicatorReport(analysis, areas, i), error: null });
    } catch (e) {
      indicators.push({ key: i.key, name: i.name, report: null, error: (e as Error).message });
    }
  }

  const hchh = await analysis.hchh(year, {});
  const emerging = await new HotspotStatistics(analysis).emerging(all, {
    variable: 'count',
    k: 1,
    weights: 'binary',
    fdr: true,
    timeStep: 1,
    alpha: 0.05,
    trendAlpha: 0.05,
    globalWindow: 'cube',
  });
  const counts: Record<string, number> = {};
  for (const x of emerging.results) {
    const key = x.emerging?.category ?? x.shortSeries ?? 'none';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  const namer = await analysis.areaNamer(last);
  // Within a pattern, the cells with the strongest upward trend first.
  const notable = CATEGORIES_OF_CONCERN.flatMap((category) =>
    emerging.cells
      .map((cell, i) => ({ cell, r: emerging.results[i]!.emerging }))
      .filter((x) => x.r?.category === category)
      .sort((a, b) => b.r!.trend.tau - a.r!.trend.tau)
      .slice(0, 8)
      .map(({ cell }) => ({ category, cell, place: namer([cell], []) })),
  );

  const [lsoas, lookup, wardCounts] = await Promise.all([
    analysis.geography.deprivation(),
    analysis.geography.lookup(),
    areas.queries.wardCounts(year.filter, { kind: 'force' }),
  ]);
  const wardOf = new Map(lookup.map((l) => [l.lsoaCode, l.wardCode]));
  const wardName = new Map(lookup.map((l) => [l.wardCode, { name: l.wardName, district: l.districtName }]));
  const incidentsIn = new Map(wardCounts.filter((w) => w.wardCode).map((w) => [w.wardCode!, w.incidents]));
  const monthsInYear = months.filter((m) => m >= yearFrom).length;
  const wards = areaDeprivation(lsoas, wardOf)
    .map((w) => {
      const incidents = incidentsIn.get(w.code) ?? 0;
      return {
        code: w.code,
        name: wardName.get(w.code)?.name ?? w.code,
        district: wardName.get(w.code)?.district ?? '',
        population: w.population,
        shareResidentsMostDeprived: w.shareResidentsMostDeprived,
        incidents,
        ratePerThousand: w.population ? (incidents / w.population) * 1000 * (12 / monthsInYear) : 0,
      };
    })
    .sort((a, b) => b.shareResidentsMostDeprived - a.shareResidentsMostDeprived || b.ratePerThousand - a.ratePerThousand);

  const definition = await analysis.reference.definition(year.definition.key);
  return {
    generated: new Date().toISOString(),
    months: { first, last },
    definition: { key: year.definition.key, name: year.definition.name, isProxy: year.definition.isProxy, description: definition?.description ?? '' },
    scheme: { key: year.scheme.key, unit: year.scheme.unit },
    successMeasures: await successMeasures(db, analysis, { force: opts.force }),
    indicators,
    hchh: {
      period: { from: yearFrom, to: last },
      rule: `${hchh.rule.text}; ranked by harm`,
      cellResolution: hchh.cellResolution,
      areas: hchh.areas.map((a) => ({
        rank: a.rank,
        name: a.name,
        cells: a.cells.length,
        areaKm2: a.areaKm2,
        incidents: a.incidents,
        harm: a.harm,
        shareOfHarm: a.shareOfHarm,
        shareOfIncidents: a.shareOfIncidents,
      })),
      totals: {
        areaKm2: hchh.totals.areaKm2,
        shareOfArea: hchh.totals.shareOfArea,
        shareOfIncidents: hchh.totals.shareOfIncidents,
        shareOfHarm: hchh.totals.shareOfHarm,
      },
    },
    emerging: {
      period: { from: emerging.coverage.used.from, to: emerging.coverage.used.to },
      resolution,
      counts,
      insufficient: emerging.insufficient,
      coverage: emerging.coverage.statement,
      notable,
    },
    coverage: {
      definition: coverageOf(all),
      sources: (await forceCoverage(db, all.version, all.force.codes.length ? all.force.codes : undefined)).flatMap((f) =>
        f.sources.map((s) => {
          const inPack = s.months.filter((m) => m.month >= first && m.month <= last);
          return {
            force: s.force,
            source: s.source,
            loaded: inPack.filter((m) => m.status !== 'missing').length,
            missing: nameMonths(inPack.filter((m) => m.status === 'missing').map((m) => m.month)),
            partial: inPack.filter((m) => m.status === 'partial').map((m) => ({ month: m.month, reasons: m.reasons })),
          };
        }),
      ),
    },
    wards,
    sources: { incidents: await analysis.incidents.sources(), aggregates: await new AggregateStore(db).sources() },
    caveats: [
      'data.police.uk positions are anonymised: each is snapped to the centre of a street or place covering at least eight addresses, and months carry no day or time.',
      'Recorded crime reflects recording practice and reporting as well as crime; a rise can be a recording change.',
      ...(year.definition.isProxy
        ? [
            "The serious-violence definition in use is a public-data proxy: it includes common assault, harassment and domestic abuse that the partnership's own definition excludes. Read it as an upper bound.",
          ]
        : []),
      'Hospital admissions count patients by where they live; police figures count offences by where they happened.',
      'A suppressed or unpublished figure is never read as zero; small changes are tested (exact conditional Poisson test) before a RAG colour is given.',
    ],
  };
}
