/**
 * A number to `digits` decimal places, for answers people read (harm sums carry float noise).
 * @example round(15202.069999999972, 2) // 15202.07
 */
export function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
