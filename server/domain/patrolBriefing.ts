/** What an area's incidents say, as input to a patrol briefing. */
export interface BriefingInput {
  /** Incidents and harm per location text ("On or near Bold Street"), as data.police.uk publishes them. */
  locations: { location: string; incidents: number; harm: number }[];
  /** Incidents and harm per month of the period (months without incidents may be left out). */
  months: { month: string; incidents: number; harm: number }[];
  /** Incidents with a recorded time per weekday (0 = Sunday) and hour, UK time; untimed: those with a month only. */
  times: { rows: { dow: number; hour: number; incidents: number }[]; untimed: number };
}

export interface StreetLine {
  street: string;
  incidents: number;
  harm: number;
}

export interface PatrolBriefing {
  streets: StreetLine[];
  peakMonths: { month: string; incidents: number; harm: number }[];
  peakTimes:
    | { available: false; statement: string }
    | {
        available: true;
        statement: string;
        timed: number;
        untimed: number;
        days: { day: string; incidents: number }[];
        hours: { hour: string; incidents: number }[];
      };
  visits: { order: number; street: string; minutes: string; when: string }[];
}

export const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
export const VISIT_MINUTES = '15–20';
export const VISIT_GUIDANCE =
  'Visible patrols of 15–20 minutes in each hotspot, repeated at unpredictable times, as in the Home Office Grip hot spot policing programme (Serious Violence Fund, 2019 onwards); Koper (1995, Justice Quarterly 12(4)) found that a stop of about 10–15 minutes gave the longest residual deterrence, with diminishing returns beyond.';

/** "On or near Bold Street" → "Bold Street"; other texts unchanged. */
export function streetOf(location: string): string {
  return location.replace(/^\s*on or near\s+/i, '').trim();
}

/**
 * A patrol briefing for one hotspot: its streets with incidents and harm (most harm first), its peak
 * months, its peak days and hours when incident times exist (a plain statement when they do not — the
 * public data carry the month only), and suggested 15–20 minute visits to its top streets.
 * Rule: streets are the location texts with "On or near" removed, summed; peak months are the 3 months
 * with most incidents (ties: more harm, then earlier); peak days are the 2 weekdays and peak hours the
 * 3 clock hours with most timed incidents; visits go to the 3 streets with most harm.
 * Reference: Home Office Grip programme (hot spot policing of serious violence), Koper (1995).
 * @example patrolBriefing({ locations: [{ location: 'On or near Bold Street', incidents: 9, harm: 300 }], months: [{ month: '2019-07', incidents: 4, harm: 100 }], times: { rows: [], untimed: 9 } })
 *          // streets [{ street: 'Bold Street', incidents: 9, harm: 300 }], peakTimes.available false, one visit to Bold Street
 */
export function patrolBriefing(input: BriefingInput, opts: { streets?: number; visits?: number } = {}): PatrolBriefing {
  const maxStreets = opts.streets ?? 10;
  const maxVisits = opts.visits ?? 3;
  if (!Number.isInteger(maxStreets) || maxStreets < 1) throw new Error(`streets must be a whole number ≥ 1; got ${maxStreets}`);
  if (!Number.isInteger(maxVisits) || maxVisits < 1) throw new Error(`visits must be a whole number ≥ 1; got ${maxVisits}`);
  for (const l of input.locations)
    if (!Number.isInteger(l.incidents) || l.incidents < 0) throw new Error(`incidents at "${l.location}" must be a whole number ≥ 0; got ${l.incidents}`);
  for (const r of input.times.rows)
    if (!(r.dow >= 0 && r.dow <= 6 && r.hour >= 0 && r.hour <= 23)) throw new Error(`time profile row out of range: day ${r.dow}, hour ${r.hour}`);

  const byStreet = new Map<string, StreetLine>();
  for (const l of input.locations) {
    const street = streetOf(l.location);
    const s = byStreet.get(street) ?? { street, incidents: 0, harm: 0 };
    s.incidents += l.incidents;
    s.harm += l.harm;
    byStreet.set(street, s);
  }
  const streets = [...byStreet.values()].sort((a, b) => b.harm - a.harm || b.incidents - a.incidents || a.street.localeCompare(b.street)).slice(0, maxStreets);
  const peakMonths = input.months
    .filter((m) => m.incidents > 0)
    .sort((a, b) => b.incidents - a.incidents || b.harm - a.harm || a.month.localeCompare(b.month))
    .slice(0, 3);

  const timed = input.times.rows.reduce((s, r) => s + r.incidents, 0);
  let peakTimes: PatrolBriefing['peakTimes'];
  let when = 'at varied, unpredictable times (no incident times are known)';
  if (timed === 0) {
    peakTimes = {
      available: false,
      statement: `No incident times: ${input.times.untimed} incidents carry the month only (data.police.uk publishes no day or time), so peak days and hours cannot be given. Load the force's own records (with times) for them.`,
    };
  } else {
    const dayCounts = DAYS.map((day, i) => ({ day, incidents: input.times.rows.filter((r) => r.dow === i).reduce((s, r) => s + r.incidents, 0) }));
    const hourCounts = Array.from({ length: 24 }, (_, h) => ({
      hour: `${String(h).padStart(2, '0')}:00–${String((h + 1) % 24).padStart(2, '0')}:00`,
      incidents: input.times.rows.filter((r) => r.hour === h).reduce((s, r) => s + r.incidents, 0),
    }));
    const days = dayCounts
      .filter((d) => d.incidents > 0)
      .sort((a, b) => b.incidents - a.incidents || DAYS.indexOf(a.day) - DAYS.indexOf(b.day))
      .slice(0, 2);
    const hours = hourCounts
      .filter((h) => h.incidents > 0)
      .sort((a, b) => b.incidents - a.incidents || a.hour.localeCompare(b.hour))
      .slice(0, 3);
    peakTimes = {
      available: true,
      timed,
      untimed: input.times.untimed,
      days,
      hours,
      statement: `From ${timed} incidents with a recorded time${input.times.untimed ? ` (${input.times.untimed} others carry the month only)` : ''}: most on ${days.map((d) => d.day).join(' and ')}, most often ${hours.map((h) => h.hour).join(', ')}.`,
    };
    when = `at varied times within the peaks (${days.map((d) => d.day).join(', ')}; ${hours.map((h) => h.hour).join(', ')})`;
  }
  const visits = streets.slice(0, maxVisits).map((s, i) => ({ order: i + 1, street: s.street, minutes: VISIT_MINUTES, when }));
  return { streets, peakMonths, peakTimes, visits };
}
