/** One location's incidents over a period, as the incident store groups them. */
export interface LocationTotal {
  source: string;
  location: string;
  lon: number;
  lat: number;
  incidents: number;
  harm: number;
  firstMonth: string;
  lastMonth: string;
  monthsActive: number;
  /** Incidents in the first and second half of the period (equal numbers of months; a middle month of an odd period is left out). */
  firstHalf: number;
  secondHalf: number;
  /** Incidents with a recorded time, and those in the night-time economy window. */
  timed: number;
  nightTime: number;
}

export interface RepeatLocation extends LocationTotal {
  rank: number;
  shareOfIncidents: number;
  shareOfHarm: number;
  /** Share of the timed incidents in the night-time economy window; null when none has a time. */
  nightTimeShare: number | null;
}

export interface RepeatLocationResult {
  locations: RepeatLocation[];
  totals: { incidents: number; harm: number; repeatIncidents: number; repeatHarm: number; repeatShare: number; repeatHarmShare: number; locations: number };
  timesAvailable: boolean;
}

/**
 * Repeat locations for licensing and problem-solving: the places with at least `minIncidents`
 * incidents in the period, ranked by harm (then count). A location is a data.police.uk snap point
 * ("On or near …" with its coordinates) or a force extract's location or premises text. Each carries
 * its share of all the period's incidents and harm; the totals say what share of all incidents
 * happened at repeat locations (Farrell & Pease's "repeat location" concentration).
 * @param all every location of the period with at least one incident
 * @param total the period's incidents and harm, including those without a location
 */
export function repeatLocations(all: LocationTotal[], total: { incidents: number; harm: number }, minIncidents: number): RepeatLocationResult {
  if (!Number.isInteger(minIncidents) || minIncidents < 2)
    throw new Error(`minIncidents must be a whole number ≥ 2 (a repeat needs two incidents); got ${minIncidents}`);
  const repeats = all
    .filter((l) => l.incidents >= minIncidents)
    .sort((a, b) => b.harm - a.harm || b.incidents - a.incidents || a.location.localeCompare(b.location));
  const repeatIncidents = repeats.reduce((s, l) => s + l.incidents, 0);
  const repeatHarm = repeats.reduce((s, l) => s + l.harm, 0);
  return {
    locations: repeats.map((l, i) => ({
      ...l,
      rank: i + 1,
      shareOfIncidents: total.incidents ? l.incidents / total.incidents : 0,
      shareOfHarm: total.harm ? l.harm / total.harm : 0,
      nightTimeShare: l.timed ? l.nightTime / l.timed : null,
    })),
    totals: {
      incidents: total.incidents,
      harm: total.harm,
      repeatIncidents,
      repeatHarm,
      locations: repeats.length,
      repeatShare: total.incidents ? repeatIncidents / total.incidents : 0,
      repeatHarmShare: total.harm ? repeatHarm / total.harm : 0,
    },
    timesAvailable: all.some((l) => l.timed > 0),
  };
}

/**
 * The night-time economy window: Friday and Saturday 20:00 to 04:00 the next morning, UK local time
 * (the window licensing and NTE violence analyses commonly use; settable by the caller).
 */
export interface NightWindow {
  /** Days the evening starts on, 0 = Sunday … 6 = Saturday. */
  days: number[];
  startHour: number;
  endHour: number;
}
export const defaultNightWindow: NightWindow = { days: [5, 6], startHour: 20, endHour: 4 };

/** Whether a local day-of-week and hour fall in the window (the small hours belong to the previous evening). */
export function inNightWindow(dow: number, hour: number, w: NightWindow = defaultNightWindow): boolean {
  if (hour >= w.startHour) return w.days.includes(dow);
  if (hour < w.endHour) return w.days.includes((dow + 6) % 7);
  return false;
}
