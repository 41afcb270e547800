import { countChange, type CountChange } from './countChange';
import type { DefinitionRules } from './definitions';
import { addMonths, monthRange, type Month } from './months';
import { parsePeriod } from './periods';

/**
 * The three Home Office success measures of the Serious Violence Duty, as every strategy in the seeds
 * reports them. Definitions and sources: shared/reference/user-needs.md §1.1 (HES X99; ONS knife or
 * sharp instrument special collection; Home Office Homicide Index). Rates follow the VRU evaluations:
 * admissions and knife-enabled violence per 100,000 residents, homicides per 1,000,000.
 */
export interface SuccessMeasure {
  key: 'hospital-admissions-knife-assault' | 'knife-enabled-serious-violence' | 'homicides';
  name: string;
  source: string;
  definition: string;
  /** Where harmgrid takes it from: published aggregates, or incidents with weapon flags. */
  from: 'aggregates' | 'incidents';
  ratePer: number;
}

export const SUCCESS_MEASURES: readonly SuccessMeasure[] = [
  {
    key: 'hospital-admissions-knife-assault',
    name: 'Hospital admissions for assault with a knife or sharp object',
    source: 'NHS Hospital Episode Statistics (admitted patient care), imported as published aggregates',
    definition:
      "Finished admission episodes with ICD-10 external cause X99 (assault by sharp object), by the financial year the episode ends and the patient's area of residence; A&E attendances without admission are not included. Aggregate rows count when their measure names X99, or admissions with a knife or sharp object.",
    from: 'aggregates',
    ratePer: 100_000,
  },
  {
    key: 'knife-enabled-serious-violence',
    name: 'Knife- and sharp-object-enabled serious violence recorded by the police',
    source: 'Force extract incidents with a knife or sharp instrument flag',
    definition:
      'The seven offence types the Home Office knife collection can flag (homicide, attempted murder, threats to kill, assault with injury and assault with intent to cause serious harm, robbery, rape, sexual assault; Home Office codes below) with the knife flag set. data.police.uk has no weapon flag, so months without force-extract data are unavailable, never zero.',
    from: 'incidents',
    ratePer: 100_000,
  },
  {
    key: 'homicides',
    name: 'Homicides',
    source: 'Home Office Homicide Index (police-recorded, victim-based), imported as published aggregates',
    definition:
      'Homicides as recorded by the police at the publication date; the Index revises figures as cases progress, so each value keeps its revision status. Aggregate rows count when their measure names homicide.',
    from: 'aggregates',
    ratePer: 1_000_000,
  },
];

// Home Office offence codes of the seven knife-flaggable offence types (ONS knife or sharp instrument
// collection; codes from the Home Office Counting Rules 2017/18 classification).
export const KNIFE_ENABLED_OFFENCE_CODES = [
  '1',
  '4.1',
  '4.2',
  '4.10',
  '1-4.1-4.10-4.2', // homicide
  '2', // attempted murder
  '3B', // threats to kill
  '5D',
  '8N',
  '8P',
  '8S', // assault with intent to cause serious harm; assault with injury
  '34A',
  '34B', // robbery
  '19C',
  '19D',
  '19E',
  '19F',
  '19G',
  '19H', // rape
  '17A',
  '17B',
  '20A',
  '20B', // sexual assault
] as const;

export const knifeEnabledRules: DefinitionRules = {
  anyOf: [{ label: 'Knife-flaggable offences with the knife flag set', offenceCodes: [...KNIFE_ENABLED_OFFENCE_CODES], weapon: 'knife', domestic: 'include' }],
};

/**
 * Which success measure a published aggregate's measure text belongs to, or null.
 * Rule: names X99, or speaks of admissions with a knife, blade or sharp object → admissions;
 * names homicide → homicides. Publishers word their measures differently, so the text is matched
 * loosely and the README lists the accepted wordings.
 * @example aggregateMeasureOf('Admissions for assault by sharp object (ICD-10 X99)') // 'hospital-admissions-knife-assault'
 */
export function aggregateMeasureOf(measure: string): SuccessMeasure['key'] | null {
  const t = measure.toLowerCase();
  if (/\bx99\b/.test(t) || (/admi(ssion|tted)/.test(t) && /(knife|sharp|blade)/.test(t))) return 'hospital-admissions-knife-assault';
  if (/homicide/.test(t)) return 'homicides';
  return null;
}

/** One published aggregate as the success measures read it. */
export interface PublishedValue {
  areaCode: string;
  periodType: string;
  periodLabel: string;
  ageBand: string;
  value: number | null;
  suppressionMarker: string | null;
  revision: string;
}

/** A measure's value for one area and period; never zero where it is unknown. */
export interface MeasureValue {
  period: string;
  periodType: 'financial_year' | 'rolling_12_months';
  months: [Month, Month];
  status: 'value' | 'suppressed' | 'not published' | 'unavailable';
  value: number | null;
  ratePerPopulation: number | null;
  revision: string | null;
  note: string | null;
  change: {
    against: string;
    previous: number;
    absolute: number;
    percent: number | null;
    test: CountChange | null;
  } | null;
}

const ALL_AGES = /^(all( ages)?|total|all_ages)$/i;

/**
 * The published value of one area and period: the all-ages row, else the sum of the age bands when
 * none is suppressed. A suppressed cell stays suppressed: it is never summed as zero.
 */
export function publishedValue(rows: PublishedValue[]): Pick<MeasureValue, 'status' | 'value' | 'revision' | 'note'> {
  if (rows.length === 0) return { status: 'not published', value: null, revision: null, note: null };
  const all = rows.find((r) => ALL_AGES.test(r.ageBand.trim()));
  const revisionOf = (rs: PublishedValue[]) => [...new Set(rs.map((r) => r.revision))].join(', ');
  if (all) {
    return all.value === null
      ? {
          status: 'suppressed',
          value: null,
          revision: all.revision,
          note: all.suppressionMarker?.startsWith('unknown') ? all.suppressionMarker : `suppressed by the publisher (${all.suppressionMarker})`,
        }
      : { status: 'value', value: all.value, revision: all.revision, note: null };
  }
  const suppressed = rows.filter((r) => r.value === null);
  if (suppressed.length) {
    return {
      status: 'suppressed',
      value: null,
      revision: revisionOf(rows),
      note: `age bands ${suppressed.map((r) => `${r.ageBand} (${r.suppressionMarker})`).join(', ')} suppressed by the publisher, so the total is unknown`,
    };
  }
  return {
    status: 'value',
    value: rows.reduce((s, r) => s + r.value!, 0),
    revision: revisionOf(rows),
    note: `sum of age bands ${rows.map((r) => r.ageBand).join(', ')}`,
  };
}

/** The financial years ('2019/20') that overlap a span of months, in order. */
export function financialYearsOverlapping(first: Month, last: Month): string[] {
  const out: string[] = [];
  const y0 = Number(first.slice(0, 4)) - 1;
  const y1 = Number(last.slice(0, 4));
  for (let y = y0; y <= y1; y++) {
    const p = parsePeriod('financial_year', `${y}/${String(y + 1).slice(2)}`);
    if (p.end >= first && p.start <= last) out.push(p.label);
  }
  return out;
}

function withChange(values: MeasureValue[], isCount: boolean): MeasureValue[] {
  return values.map((v, i) => {
    const prev = v.periodType === 'financial_year' ? values[i - 1] : undefined;
    return v.change || !prev ? v : { ...v, change: changeBetween(prev, v, isCount) };
  });
}

function changeBetween(prev: MeasureValue, v: MeasureValue, isCount: boolean): MeasureValue['change'] {
  if (prev.value === null || v.value === null) return null;
  const test =
    isCount && Number.isInteger(prev.value) && Number.isInteger(v.value) && prev.value + v.value > 0
      ? countChange({ before: { count: prev.value, exposure: 12 }, after: { count: v.value, exposure: 12 } })
      : null;
  return {
    against: prev.period,
    previous: prev.value,
    absolute: v.value - prev.value,
    percent: prev.value > 0 ? ((v.value - prev.value) / prev.value) * 100 : null,
    test,
  };
}

const rateOf = (value: number | null, population: number | null, per: number) => (value === null || !population ? null : (value / population) * per);

/**
 * A success measure from monthly incident counts: each financial year and the latest rolling 12
 * months, with the change against the year (or 12 months) before and the exact conditional Poisson
 * test. A period is a value only when every one of its months is covered by data that can carry the
 * measure (for knife-enabled violence: force-extract months with weapon flags); otherwise it is
 * 'unavailable', with the months missing, never a partial sum.
 * @example measureFromMonthly(new Map([['2019-04', 3], …]), covered, { first: '2019-04', last: '2021-03' }, 250_000, 100_000)
 */
export function measureFromMonthly(
  monthly: Map<Month, number>,
  covered: Set<Month>,
  span: { first: Month; last: Month },
  population: number | null,
  ratePer: number,
  unavailableReason: string,
): MeasureValue[] {
  const valueOver = (period: string, periodType: MeasureValue['periodType'], start: Month, end: Month): MeasureValue => {
    const months = monthRange(start, end);
    const missing = months.filter((m) => !covered.has(m));
    if (missing.length) {
      return {
        period,
        periodType,
        months: [start, end],
        status: 'unavailable',
        value: null,
        ratePerPopulation: null,
        revision: null,
        change: null,
        note:
          missing.length === months.length
            ? unavailableReason
            : `${unavailableReason} (${missing.length} of ${months.length} months missing: ${missing[0]}${missing.length > 1 ? ` … ${missing[missing.length - 1]}` : ''})`,
      };
    }
    const value = months.reduce((s, m) => s + (monthly.get(m) ?? 0), 0);
    return {
      period,
      periodType,
      months: [start, end],
      status: 'value',
      value,
      ratePerPopulation: rateOf(value, population, ratePer),
      revision: null,
      note: null,
      change: null,
    };
  };
  const years = financialYearsOverlapping(span.first, span.last)
    .map((label) => parsePeriod('financial_year', label))
    .filter((p) => p.end <= span.last)
    .map((p) => valueOver(p.label, 'financial_year', p.start, p.end));
  const out = withChange(years, true);
  const rollStart = addMonths(span.last, -11);
  const rolling = valueOver(`12 months to ${span.last}`, 'rolling_12_months', rollStart, span.last);
  const before = valueOver('the 12 months before', 'rolling_12_months', addMonths(rollStart, -12), addMonths(span.last, -12));
  out.push({ ...rolling, change: changeBetween(before, rolling, true) });
  return out;
}

/**
 * A success measure from published aggregates for one area: each financial year published (or the
 * four financial quarters of a year when all are published and none suppressed) and the latest
 * rolling 12 months published, with changes and rates. Suppressed values stay suppressed.
 */
export function measureFromAggregates(rows: PublishedValue[], population: number | null, ratePer: number): MeasureValue[] {
  const byPeriod = new Map<string, PublishedValue[]>();
  for (const r of rows) {
    const k = `${r.periodType}|${r.periodLabel}`;
    byPeriod.set(k, [...(byPeriod.get(k) ?? []), r]);
  }
  const years = new Set<string>();
  for (const r of rows) {
    if (r.periodType === 'financial_year') years.add(r.periodLabel);
    if (r.periodType === 'financial_quarter') years.add(r.periodLabel.split(' ')[0]!);
  }
  const yearValues: MeasureValue[] = [...years].sort().map((label) => {
    const p = parsePeriod('financial_year', label);
    let v = publishedValue(byPeriod.get(`financial_year|${label}`) ?? []);
    if (v.status === 'not published') {
      const quarters = [1, 2, 3, 4].map((q) => publishedValue(byPeriod.get(`financial_quarter|${label} Q${q}`) ?? []));
      if (quarters.every((q) => q.status === 'value')) {
        v = {
          status: 'value',
          value: quarters.reduce((s, q) => s + q.value!, 0),
          revision: [...new Set(quarters.map((q) => q.revision))].join(', '),
          note: 'sum of the four published financial quarters',
        };
      } else if (quarters.some((q) => q.status === 'suppressed')) {
        v = { status: 'suppressed', value: null, revision: null, note: 'a quarter of the year is suppressed by the publisher, so the year is unknown' };
      } else {
        v = { status: 'not published', value: null, revision: null, note: 'the year is not published, nor all four of its quarters' };
      }
    }
    return {
      period: label,
      periodType: 'financial_year',
      months: [p.start, p.end],
      ...v,
      ratePerPopulation: rateOf(v.value, population, ratePer),
      change: null,
    };
  });
  const out = withChange(yearValues, true);
  const rolling = [...new Set(rows.filter((r) => r.periodType === 'rolling_12_months').map((r) => r.periodLabel))]
    .map((label) => parsePeriod('rolling_12_months', label))
    .sort((a, b) => a.end.localeCompare(b.end));
  const latest = rolling[rolling.length - 1];
  if (latest) {
    const v = publishedValue(byPeriod.get(`rolling_12_months|${latest.label}`) ?? []);
    const prevLabel = rolling.find((p) => p.end === addMonths(latest.end, -12));
    const prev = prevLabel ? publishedValue(byPeriod.get(`rolling_12_months|${prevLabel.label}`) ?? []) : null;
    const current: MeasureValue = {
      period: latest.label,
      periodType: 'rolling_12_months',
      months: [latest.start, latest.end],
      ...v,
      ratePerPopulation: rateOf(v.value, population, ratePer),
      change: null,
    };
    out.push({ ...current, change: prev && prevLabel ? changeBetween({ ...current, period: prevLabel.label, value: prev.value }, current, true) : null });
  }
  return out;
}

/**
 * The force's published values: a force-level row where the publisher gives one, else the sum of
 * the districts, period by period, only when every district has a value (one suppressed or missing
 * district makes the force total unknown, not smaller).
 */
export function forceFromDistricts(rows: PublishedValue[], forceCodes: Set<string>, districtCodes: string[]): PublishedValue[] {
  const forceRows = rows.filter((r) => forceCodes.has(r.areaCode));
  const havePeriods = new Set(forceRows.map((r) => `${r.periodType}|${r.periodLabel}`));
  const out = [...forceRows];
  const periods = new Map<string, PublishedValue[]>();
  for (const r of rows) {
    if (!districtCodes.includes(r.areaCode)) continue;
    const k = `${r.periodType}|${r.periodLabel}`;
    if (havePeriods.has(k)) continue;
    periods.set(k, [...(periods.get(k) ?? []), r]);
  }
  for (const [, rs] of periods) {
    const perDistrict = districtCodes.map((code) => publishedValue(rs.filter((r) => r.areaCode === code)));
    const first = rs[0]!;
    const known = perDistrict.every((d) => d.status === 'value');
    out.push({
      areaCode: 'force',
      periodType: first.periodType,
      periodLabel: first.periodLabel,
      ageBand: 'all ages',
      value: known ? perDistrict.reduce((s, d) => s + d.value!, 0) : null,
      suppressionMarker: known ? null : 'unknown: a district is suppressed or not published',
      revision: [...new Set(rs.map((r) => r.revision))].join(', '),
    });
  }
  return out;
}
