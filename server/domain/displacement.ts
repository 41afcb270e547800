/** Counts before and after an intervention in the target area, its buffer and a control area. */
export interface DisplacementCounts {
  target: { before: number; after: number };
  buffer: { before: number; after: number };
  control: { before: number; after: number };
}

export interface DisplacementResult {
  /** Success measure: A1/C1 − A0/C0; negative when the target area improved relative to the control. */
  successMeasure: number;
  /** Buffer displacement measure: B1/C1 − B0/C0; positive when crime rose in the buffer relative to the control. */
  bufferMeasure: number;
  /** Weighted Displacement Quotient: bufferMeasure / successMeasure, or null when there is no success to weigh. */
  wdq: number | null;
  /** Net effect in incidents: [A0·C1/C0 − A1] + [B0·C1/C0 − B1]; positive = fewer incidents than expected in the target and buffer together. */
  totalNetEffect: number;
  reading: string;
}

/**
 * Weighted Displacement Quotient (Bowers & Johnson 2003, "Measuring the geographical displacement
 * and diffusion of benefit effects of crime prevention activity", J. Quantitative Criminology 19(3)).
 *
 * With A the target area, B the buffer around it and C a control area, 0 before and 1 after:
 *   SM  = A1/C1 − A0/C0   (success measure)
 *   BDM = B1/C1 − B0/C0   (buffer displacement measure)
 *   WDQ = BDM / SM, defined only when SM < 0 (the target improved against the control).
 * Reading: WDQ > 1 diffusion of benefit larger than the direct effect; 0 < WDQ ≤ 1 diffusion of
 * benefit; WDQ = 0 no displacement or diffusion; −1 ≤ WDQ < 0 displacement smaller than the direct
 * effect (a net gain); WDQ < −1 displacement larger than the direct effect (a net loss).
 * @example weightedDisplacementQuotient({ target: { before: 100, after: 60 }, buffer: { before: 50, after: 45 }, control: { before: 1000, after: 1000 } })
 *          // SM = −0.04, BDM = −0.005, WDQ = 0.125 (some diffusion of benefit)
 */
export function weightedDisplacementQuotient(c: DisplacementCounts): DisplacementResult {
  for (const [area, v] of Object.entries(c) as [string, { before: number; after: number }][]) {
    for (const [period, n] of Object.entries(v)) {
      if (!Number.isFinite(n) || n < 0) throw new Error(`${area}.${period} must be a count ≥ 0; got ${n}`);
    }
  }
  if (c.control.before === 0 || c.control.after === 0) {
    throw new Error('the control area needs incidents in both periods (its counts divide every term)');
  }
  const sm = c.target.after / c.control.after - c.target.before / c.control.before;
  const bdm = c.buffer.after / c.control.after - c.buffer.before / c.control.before;
  const trend = c.control.after / c.control.before;
  const totalNetEffect = c.target.before * trend - c.target.after + (c.buffer.before * trend - c.buffer.after);
  const wdq = sm < 0 ? bdm / sm : null;
  return { successMeasure: sm, bufferMeasure: bdm, wdq, totalNetEffect, reading: readWdq(wdq) };
}

function readWdq(wdq: number | null): string {
  if (wdq === null) return 'no success to weigh: the target area did not improve relative to the control, so the WDQ is not defined';
  if (wdq > 1) return 'diffusion of benefit larger than the direct effect';
  if (wdq > 0) return 'diffusion of benefit into the buffer';
  if (wdq === 0) return 'no displacement or diffusion';
  if (wdq >= -1) return 'some displacement into the buffer, smaller than the direct effect (a net gain)';
  return 'displacement into the buffer larger than the direct effect (a net loss)';
}
