import { AggregateStore } from '../db/aggregates';
import { AreaQueries, type AreaSelector } from '../db/areaQueries';
import type { Db } from '../db/connection';
import {
  SUCCESS_MEASURES,
  aggregateMeasureOf,
  knifeEnabledRules,
  forceFromDistricts,
  measureFromAggregates,
  measureFromMonthly,
  type MeasureValue,
  type PublishedValue,
  type SuccessMeasure,
} from '../domain/successMeasures';
import type { Analysis } from './analysis';
import { completeMonths, nameMonths, periodCoverage, type PeriodCoverage } from '../domain/coverage';
import { contextSeries } from './coverage';

/** A publisher names the whole force by its police force area code (ONS E23…/W15…), or by area_type force. */
const FORCE_AREA_TYPES = /^(force|police force area|pfa)$/i;
const POPULATION_NOTE = 'residents mid-2015 (English Indices of Deprivation 2019, File 6), summed over the LSOAs of each district';

export interface SuccessMeasuresReport {
  force: { codes: string[]; name: string };
  population: { year: string; source: string };
  areas: {
    code: string;
    name: string;
    type: 'force' | 'district';
    population: number | null;
    measures: (Pick<SuccessMeasure, 'key' | 'name' | 'source' | 'definition' | 'ratePer'> & {
      available: boolean;
      reason: string | null;
      values: MeasureValue[];
    })[];
  }[];
  notes: string[];
  /** Coverage of the knife-enabled measure's months (incidents); null when no weapon flags are loaded. */
  coverage: PeriodCoverage | null;
}

/**
 * The three Home Office success measures for the force and each district: knife-enabled serious
 * violence from incidents with weapon flags (unavailable where only data.police.uk is loaded), the
 * others from imported aggregates, suppression kept.
 */
export async function successMeasures(db: Db, analysis: Analysis, opts: { force?: string | undefined } = {}): Promise<SuccessMeasuresReport> {
  const scope = await analysis.forceScope(opts.force);
  const FORCE_AREA_CODES = new Set(scope.codes);
  const [districtShapes, lsoas, aggregates, months, flagged] = await Promise.all([
    analysis.districtsOf(scope),
    analysis.geography.deprivation(),
    new AggregateStore(db).list({}),
    analysis.incidents.months(scope.codes.length ? scope.codes : undefined),
    analysis.incidents.weaponFlagMonths(),
  ]);
  const districts = [...new Map(districtShapes.map((d) => [d.code, d.name])).entries()].sort((a, b) => a[1].localeCompare(b[1]));
  const population = new Map<string, number>();
  for (const l of lsoas) population.set(l.districtCode, (population.get(l.districtCode) ?? 0) + l.population);
  const districtCodes = districts.map(([code]) => code);
  const forcePopulation =
    districtCodes.every((c) => population.has(c)) && districtCodes.length ? districtCodes.reduce((s, c) => s + population.get(c)!, 0) : null;

  // Published aggregates, by measure, with force rows recognised by code or type.
  const published = new Map<SuccessMeasure['key'], PublishedValue[]>();
  for (const a of aggregates) {
    const key = aggregateMeasureOf(a.measure);
    if (!key) continue;
    const areaCode = FORCE_AREA_CODES.has(a.areaCode) || FORCE_AREA_TYPES.test(a.areaType) ? 'force' : a.areaCode;
    published.set(key, [...(published.get(key) ?? []), { ...a, areaCode }]);
  }

  // Knife-enabled violence, monthly, per district and force, through the one incident data layer.
  const first = months[0];
  const last = months[months.length - 1];
  const knife = new Map<string, Map<string, number>>();
  let coverage: PeriodCoverage | null = null;
  let covered = new Set(flagged);
  if (first && last && flagged.length) {
    const r = await analysis.resolve({ resolution: 9, from: first, to: last, scheme: 'count', force: opts.force });
    // A year holding a month that is not (fully) loaded is unavailable, never a partial sum.
    coverage = periodCoverage(
      await contextSeries(db, r.version, { definition: knifeEnabledRules, schemeId: r.scheme.id, forces: r.force.codes.length ? r.force.codes : undefined }),
      first,
      last,
    );
    const complete = new Set(completeMonths(coverage));
    covered = new Set(flagged.filter((m) => complete.has(m)));
    const filter = { ...r.filter, definition: knifeEnabledRules };
    const queries = new AreaQueries(db);
    const selectors: [string, AreaSelector][] = [
      ['force', { kind: 'force' }],
      ...districtCodes.map((code): [string, AreaSelector] => [code, { kind: 'district', code }]),
    ];
    for (const [code, selector] of selectors) {
      knife.set(code, new Map((await queries.monthTotals(filter, selector)).map((m) => [m.month, m.incidents])));
    }
  }
  const gaps = coverage && !coverage.complete ? [...coverage.missing, ...coverage.partial.map((p) => p.month)].sort() : [];
  const noFlags =
    'data.police.uk publishes no weapon flag: knife-enabled violence needs a force extract with a knife column for these months' +
    (gaps.length ? `, each wholly loaded (not loaded or partial: ${nameMonths([...new Set(gaps)])})` : '');

  const areaReport = (code: string, name: string, type: 'force' | 'district', pop: number | null): SuccessMeasuresReport['areas'][number] => ({
    code,
    name,
    type,
    population: pop,
    measures: SUCCESS_MEASURES.map((m) => {
      const meta = { key: m.key, name: m.name, source: m.source, definition: m.definition, ratePer: m.ratePer };
      if (m.from === 'incidents') {
        if (!first || !last || covered.size === 0) return { ...meta, available: false, reason: noFlags, values: [] };
        const values = measureFromMonthly(knife.get(code) ?? new Map(), covered, { first, last }, pop, m.ratePer, noFlags);
        return { ...meta, available: values.some((v) => v.status === 'value'), reason: values.some((v) => v.status === 'value') ? null : noFlags, values };
      }
      const all = published.get(m.key) ?? [];
      const rows =
        type === 'force'
          ? forceFromDistricts(all, new Set(['force']), districtCodes).filter((r) => r.areaCode === 'force')
          : all.filter((r) => r.areaCode === code);
      if (rows.length === 0)
        return {
          ...meta,
          available: false,
          reason: `no ${m.source.split(',')[0]} figures imported for ${name}; import them as published aggregates (see the README)`,
          values: [],
        };
      return { ...meta, available: true, reason: null, values: measureFromAggregates(rows, pop, m.ratePer) };
    }),
  });

  return {
    force: { codes: scope.codes, name: scope.label },
    population: { year: 'mid-2015', source: POPULATION_NOTE },
    areas: [
      areaReport('force', `${scope.label} (the ${districts.length} district${districts.length === 1 ? '' : 's'})`, 'force', forcePopulation),
      ...districts.map(([code, name]) => areaReport(code, name, 'district', population.get(code) ?? null)),
    ],
    notes: [
      'A suppressed or unpublished figure is shown as such, never as zero; a force total is summed from the districts only when every district has a value.',
      'Changes compare a financial year with the one before (and the latest rolling 12 months with the 12 before) with the exact conditional Poisson test where the values are counts.',
      'Knife-enabled violence counts incidents by where they happened; hospital admissions count patients by where they live.',
      ...(coverage && !coverage.complete ? [`Coverage: ${coverage.statement}. A year holding such a month is shown as unavailable.`] : []),
    ],
    coverage,
  };
}
