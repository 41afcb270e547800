import { weightedDisplacementQuotient, type DisplacementResult } from './displacement';
import { addMonths, isMonth, monthRange, type Month } from './months';
import { relativeChange, type RelativeChange } from './relativeChange';

export interface Window {
  from: Month;
  to: Month;
  months: number;
}

/**
 * The before and after windows of an intervention: `months` months before the intervention month,
 * and `months` months from it (the intervention month counts as "after").
 * Checks first: the date is a month, months a whole number from 1 to 60, and both windows lie inside
 * the loaded months (an error names the field to change).
 * @example impactWindows('2019-07', 12, '2018-01', '2021-09') // before 2018-07..2019-06, after 2019-07..2020-06
 */
export function impactWindows(date: Month, months: number, first: Month, last: Month): { before: Window; after: Window } {
  if (!isMonth(date)) throw new FieldError('date', `must be a month as YYYY-MM; got ${date}`);
  if (!Number.isInteger(months) || months < 1 || months > 60) throw new FieldError('months', `must be a whole number from 1 to 60; got ${months}`);
  const before = { from: addMonths(date, -months), to: addMonths(date, -1), months };
  const after = { from: date, to: addMonths(date, months - 1), months };
  if (before.from < first)
    throw new FieldError(
      'date',
      `${months} months before ${date} start at ${before.from}, before the first month loaded (${first}); choose a later date or fewer months`,
    );
  if (after.to > last)
    throw new FieldError(
      'date',
      `${months} months from ${date} end at ${after.to}, after the last month loaded (${last}); choose an earlier date or fewer months`,
    );
  monthRange(before.from, after.to);
  return { before, after };
}

/** An input problem tied to one request field. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export interface Counts {
  before: number;
  after: number;
}
export interface HarmCounts extends Counts {
  harmBefore: number;
  harmAfter: number;
}

export interface ImpactInput {
  areaName: string;
  /** What is counted, e.g. "serious violence". */
  subject: string;
  area: HarmCounts;
  force: HarmCounts;
  buffer: HarmCounts;
  /** The comparison area (user-chosen or matched); null when the force is the comparison. */
  comparison: HarmCounts | null;
  alpha?: number;
}

export interface ImpactAssessment {
  changePercent: { area: number | null; force: number | null; buffer: number | null; comparison: number | null };
  harmChangePercent: { area: number | null; force: number | null; buffer: number | null; comparison: number | null };
  againstForce: RelativeChange;
  againstComparison: RelativeChange | null;
  displacement: (DisplacementResult & { control: 'comparison' | 'force' }) | { error: string; control: 'comparison' | 'force' };
  statement: string;
  comparisonStatement: string | null;
}

const pct = (c: Counts) => (c.before > 0 ? ((c.after - c.before) / c.before) * 100 : null);
const harmPct = (c: HarmCounts) => (c.harmBefore > 0 ? ((c.harmAfter - c.harmBefore) / c.harmBefore) * 100 : null);

/**
 * Assembles an intervention's impact: the change in the area, the force and the comparison, the
 * relative change against each (ratio of rate ratios, domain/relativeChange), displacement or diffusion
 * of benefit into the buffer (Weighted Displacement Quotient, domain/displacement, with the comparison
 * area as control when there is one, else the force) and the one-line statement in the Merseyside
 * strategy's form — always with its interval, never without.
 * The force-wide counts include the area itself (as the strategy's own figures do).
 * @example assessImpact({ areaName: 'the HCHH areas', subject: 'serious violence', area: { before: 100, after: 46, … }, force: { before: 1000, after: 690, … }, … }).statement
 *          // 'serious violence fell 54% in the HCHH areas against 31% force-wide (ratio of rate ratios 0.67, 95% CI 0.46–0.96, p = 0.028)'
 */
export function assessImpact(i: ImpactInput): ImpactAssessment {
  const alpha = i.alpha ?? 0.05;
  for (const [name, c] of Object.entries({ area: i.area, force: i.force, buffer: i.buffer, ...(i.comparison ? { comparison: i.comparison } : {}) })) {
    for (const k of ['before', 'after'] as const) {
      if (!Number.isInteger(c[k]) || c[k] < 0) throw new Error(`${name}.${k} must be a whole number ≥ 0; got ${c[k]}`);
    }
  }
  const againstForce = relativeChange(i.area, i.force, alpha);
  const againstComparison = i.comparison ? relativeChange(i.area, i.comparison, alpha) : null;
  const control = i.comparison ?? i.force;
  const controlName = i.comparison ? ('comparison' as const) : ('force' as const);
  let displacement: ImpactAssessment['displacement'];
  try {
    displacement = { ...weightedDisplacementQuotient({ target: pick(i.area), buffer: pick(i.buffer), control: pick(control) }), control: controlName };
  } catch (e) {
    displacement = { error: (e as Error).message, control: controlName };
  }
  const level = Math.round((1 - alpha) * 100);
  return {
    changePercent: { area: pct(i.area), force: pct(i.force), buffer: pct(i.buffer), comparison: i.comparison ? pct(i.comparison) : null },
    harmChangePercent: { area: harmPct(i.area), force: harmPct(i.force), buffer: harmPct(i.buffer), comparison: i.comparison ? harmPct(i.comparison) : null },
    againstForce,
    againstComparison,
    displacement,
    statement: impactStatement(i.subject, i.areaName, i.area, i.force, 'force-wide', againstForce, level),
    comparisonStatement: againstComparison
      ? impactStatement(i.subject, i.areaName, i.area, i.comparison!, 'in the comparison area', againstComparison, level)
      : null,
  };
}

function pick(c: Counts): Counts {
  return { before: c.before, after: c.after };
}

/**
 * "serious violence fell 54% in X against 31% force-wide (ratio of rate ratios 0.67, 95% CI 0.46–0.96, p = 0.028)".
 * The interval is part of the sentence, so the sentence cannot be quoted without it.
 */
export function impactStatement(subject: string, areaName: string, area: Counts, other: Counts, where: string, rc: RelativeChange, level = 95): string {
  const a = pct(area),
    o = pct(other);
  const move = (p: number | null) => (p === null ? 'had no incidents before' : p < 0 ? `fell ${fmtPct(p)}` : p > 0 ? `rose ${fmtPct(p)}` : 'did not change');
  const areaPart = a === null ? `${subject} had no incidents in ${areaName} before (${area.after} after)` : `${subject} ${move(a)} in ${areaName}`;
  let otherPart: string;
  if (o === null) otherPart = `no incidents before ${where}`;
  else if (a !== null && Math.sign(a) === Math.sign(o) && o !== 0) otherPart = `${fmtPct(o)} ${where}`;
  else otherPart = o < 0 ? `a ${fmtPct(o)} fall ${where}` : o > 0 ? `a ${fmtPct(o)} rise ${where}` : `no change ${where}`;
  const p = rc.pValue < 0.001 ? 'p < 0.001' : `p = ${rc.pValue.toFixed(3)}`;
  return `${areaPart} against ${otherPart} (ratio of rate ratios ${rc.ratio.toFixed(2)}, ${level}% CI ${rc.ci[0].toFixed(2)}–${rc.ci[1].toFixed(2)}, ${p}${rc.significant ? '' : ', not significant'}${rc.corrected ? ', 0.5 added to each count' : ''})`;
}

function fmtPct(p: number): string {
  return `${Math.abs(p) >= 10 ? Math.round(Math.abs(p)) : Math.abs(p).toFixed(1)}%`;
}
