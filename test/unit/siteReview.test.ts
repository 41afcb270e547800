import { area as turfArea } from '@turf/turf';
import { describe, expect, it } from 'vitest';
import { countChange } from '../../server/domain/countChange';
import { checkRings, compareRate, dayHourTable, siteRings, trafficLight, zoneOf } from '../../server/domain/siteReview';

// A 100 m × 100 m-ish square in Liverpool city centre (coordinates chosen for the test).
const square = {
  type: 'Polygon' as const,
  coordinates: [
    [
      [-2.98, 53.402],
      [-2.9785, 53.402],
      [-2.9785, 53.4029],
      [-2.98, 53.4029],
      [-2.98, 53.402],
    ],
  ],
};

describe('site review domain', () => {
  it('checks rings: 1–3 different whole metres, 50–2000, sorted', () => {
    expect(checkRings([1000, 250])).toEqual([250, 1000]);
    expect(() => checkRings([])).toThrow(/1 to 3/);
    expect(() => checkRings([10])).toThrow(/50 to 2000/);
    expect(() => checkRings([250, 250])).toThrow(/differ/);
    expect(() => checkRings([100, 200, 300, 400])).toThrow(/1 to 3/);
  });

  it('makes annuli that do not overlap and add up to the largest buffer', () => {
    const zones = siteRings(square, [250, 500]);
    expect(zones.map((z) => z.label)).toEqual(['site', '0–250 m ring', '250–500 m ring']);
    const total = zones.reduce((s, z) => s + z.areaKm2, 0);
    expect(total).toBeCloseTo(turfArea(zones[2]!.outer as never) / 1e6, 6);
    expect(zoneOf(zones, -2.97925, 53.40245)).toBe(0);
    // 0.003° of latitude north of the square's top edge ≈ 334 m: the second ring.
    expect(zoneOf(zones, -2.97925, 53.4059)).toBe(2);
    expect(zoneOf(zones, -2.97925, 53.412)).toBe(-1);
  });

  it('tests a zone rate against a comparison rate with the exact conditional Poisson test', () => {
    const r = compareRate({ incidents: 120, areaKm2: 0.05, residents: 300 }, { incidents: 8000, areaKm2: 4, residents: 27000 });
    const expected = countChange({ before: { count: 8000, exposure: 4 }, after: { count: 120, exposure: 0.05 } });
    expect(r.perKm2.test.pValue).toBe(expected.pValue);
    expect(r.perKm2.ratio).toBeCloseTo(120 / 0.05 / (8000 / 4), 12);
    expect(r.perThousandResidents!.subjectRate).toBeCloseTo(400, 9);
    expect(compareRate({ incidents: 5, areaKm2: 1, residents: null }, { incidents: 5, areaKm2: 1, residents: 10 }).perThousandResidents).toBeNull();
  });

  it('says when no incident carries a time, and tables those that do Monday first', () => {
    const none = dayHourTable([{ dow: null, hour: null, incidents: 40 }]);
    expect(none.table).toBeNull();
    expect(none.statement).toMatch(/none of these 40 incidents carries a time/);
    const some = dayHourTable([
      { dow: 5, hour: 23, incidents: 2 },
      { dow: 0, hour: 1, incidents: 1 },
      { dow: null, hour: null, incidents: 3 },
    ]);
    expect(some.table![4]![23]).toBe(2); // Friday
    expect(some.table![6]![1]).toBe(1); // Sunday
    expect([some.timed, some.untimed]).toEqual([3, 3]);
  });

  it('colours by the printed rule', () => {
    const base = { siteVsDistrict: null, siteVsForce: null, firstRingVsDistrict: null, change: null, touchesHchh: false, maxGiBin: 0 };
    expect(trafficLight(base).light).toBe('green');
    expect(trafficLight({ ...base, maxGiBin: 2 }).light).toBe('amber');
    expect(trafficLight({ ...base, maxGiBin: 1 }).light).toBe('green');
    const red = trafficLight({ ...base, touchesHchh: true, maxGiBin: 3 });
    expect(red.light).toBe('red');
    expect(red.reasons).toEqual(['the site touches a High Crime High Harm cell', 'the site touches a Gi* hot cell (bin 3)']);
    const higher = compareRate({ incidents: 120, areaKm2: 0.05, residents: null }, { incidents: 8000, areaKm2: 4, residents: null }).perKm2;
    expect(trafficLight({ ...base, siteVsDistrict: higher }).light).toBe(higher.verdict === 'higher' ? 'red' : 'green');
  });
});
