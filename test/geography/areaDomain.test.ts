import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareWindows, offenceMix, phaseComparison, ratePerThousand } from '../../server/domain/geography/areaStatistics';
import { arealPopulation, pointsInside, siteOutline } from '../../server/domain/geography/areaShape';
import { areaKm2 } from '../../server/domain/geography/boundaries';
import { validateSite, validateZone, zonePhases, type Polygonal } from '../../server/domain/geography/places';
import { dataDir } from '../support/data';

// A box around Bold Street, Liverpool: its corners bracket the data.police.uk snap points
// "On or near Bold Street" (-2.977302, 53.402600), "On or near Back Bold Street" (-2.979198, 53.403924)
// and "On or near Wood Street" (-2.978904, 53.402928) of the real 2019-07 file.
const boldStreet: Polygonal = {
  type: 'Polygon',
  coordinates: [
    [
      [-2.98, 53.402],
      [-2.9765, 53.402],
      [-2.9765, 53.4045],
      [-2.98, 53.4045],
      [-2.98, 53.402],
    ],
  ],
};

describe('zones and sites: validation', () => {
  it('accepts a zone drawn around real streets', () => {
    const v = validateZone({
      name: ' Bold Street ',
      partnership: 'EVOLVE',
      clearStart: '2019-07-01',
      holdStart: '2019-10-01',
      buildStart: '2020-01-01',
      geometry: boldStreet,
    });
    expect(v.problems).toEqual([]);
    expect(v.zone).toMatchObject({ name: 'Bold Street', partnership: 'EVOLVE', notes: null });
    expect(areaKm2(boldStreet)).toBeGreaterThan(0.05);
  });

  it('names every problem with its field', () => {
    const open = {
      type: 'Polygon',
      coordinates: [
        [
          [-2.98, 53.402],
          [-2.9765, 53.402],
          [-2.9765, 53.4045],
          [-2.98, 53.4045],
        ],
      ],
    };
    const v = validateZone({ name: '', clearStart: '2019-02-30', holdStart: '2019-01-01', buildStart: '2018-01-01', geometry: open });
    expect(v.zone).toBeNull();
    expect(v.problems.map((p) => p.field)).toEqual(['name', 'clearStart', 'buildStart', 'geometry']);
    expect(v.problems[1]!.message).toMatch(/YYYY-MM-DD/);
    expect(v.problems[3]!.message).toMatch(/not closed/);
    const bowtie = {
      type: 'Polygon',
      coordinates: [
        [
          [-2.98, 53.402],
          [-2.9765, 53.4045],
          [-2.9765, 53.402],
          [-2.98, 53.4045],
          [-2.98, 53.402],
        ],
      ],
    };
    expect(validateZone({ name: 'x', clearStart: '2019-07-01', geometry: bowtie }).problems).toEqual([
      { field: 'geometry', message: 'the outline crosses itself (1 self-intersection)' },
    ]);
    const bng = {
      type: 'Polygon',
      coordinates: [
        [
          [339000, 390000],
          [339300, 390000],
          [339300, 390300],
          [339000, 390000],
        ],
      ],
    };
    expect(validateZone({ name: 'x', clearStart: '2019-07-01', geometry: bng }).problems[0]!.message).toMatch(/not WGS84/);
    const tiny = {
      type: 'Polygon',
      coordinates: [
        [
          [-2.98, 53.402],
          [-2.9799, 53.402],
          [-2.9799, 53.4021],
          [-2.98, 53.402],
        ],
      ],
    };
    expect(validateZone({ name: 'x', clearStart: '2019-07-01', geometry: tiny }).problems[0]!.message).toMatch(/less than the minimum/);
    expect(validateZone({ name: 'x', clearStart: '2019-07-01', holdStart: '2019-06-01', geometry: boldStreet }).problems).toEqual([
      { field: 'holdStart', message: 'must not be before clearStart (2019-07-01); got 2019-06-01' },
    ]);
    expect(validateZone([]).problems[0]!.field).toBe('(zone)');
  });

  it('needs a buffer for a point site and bounds it', () => {
    const point = { type: 'Point', coordinates: [-2.977302, 53.4026] };
    expect(validateSite({ name: 'Bold Street', geometry: point }).problems).toEqual([
      { field: 'bufferMetres', message: 'a site given as a point needs a buffer of more than 0 metres' },
    ]);
    expect(validateSite({ name: 'Bold Street', geometry: point, bufferMetres: 5000 }).problems[0]!.field).toBe('bufferMetres');
    expect(validateSite({ name: 'Bold Street', geometry: point, bufferMetres: 250 }).site).toMatchObject({ bufferMetres: 250 });
    // A 250 m ring has the area of a 250 m circle, within 1 %.
    const ring = siteOutline(point as never, 250);
    expect(areaKm2(ring) / (Math.PI * 0.25 ** 2)).toBeCloseTo(1, 2);
    expect(
      pointsInside(
        [
          { lon: -2.977302, lat: 53.4026 },
          { lon: -2.9732, lat: 53.4026 },
        ],
        ring,
      ),
    ).toEqual([{ lon: -2.977302, lat: 53.4026 }]);
  });
});

describe('Clear-Hold-Build phases', () => {
  it('puts each month in one phase, the baseline before clear', () => {
    expect(zonePhases({ clearStart: '2019-06-10', holdStart: '2019-09-01', buildStart: null }, '2018-01', '2019-12')).toEqual([
      { phase: 'before clear', from: '2018-06', to: '2019-05', months: 12 },
      { phase: 'clear', from: '2019-06', to: '2019-08', months: 3 },
      { phase: 'hold', from: '2019-09', to: '2019-12', months: 4 },
    ]);
    // Clipped to the loaded months.
    expect(zonePhases({ clearStart: '2019-03-01', holdStart: null, buildStart: null }, '2019-01', '2019-04', 12)).toEqual([
      { phase: 'before clear', from: '2019-01', to: '2019-02', months: 2 },
      { phase: 'clear', from: '2019-03', to: '2019-04', months: 2 },
    ]);
  });

  it('compares each phase with the baseline and with the force, by hand', () => {
    const months = ['2019-01', '2019-02', '2019-03', '2019-04', '2019-05', '2019-06', '2019-07', '2019-08', '2019-09'];
    // Zone: 10 a month for 6 months (60), then 5 a month for 3 (15). Force: 1,000 a month, then 900.
    const zone = months.map((m, i) => ({ month: m, incidents: i < 6 ? 10 : 5, harm: 0 }));
    const force = months.map((m, i) => ({ month: m, incidents: i < 6 ? 1000 : 900, harm: 0 }));
    const [base, clear] = phaseComparison(zone, force, zonePhases({ clearStart: '2019-07-01', holdStart: null, buildStart: null }, '2019-01', '2019-09', 6));
    expect(base!.areaChange).toBeNull();
    expect(clear!.area).toEqual({ incidents: 15, harm: 0, perMonth: 5 });
    expect(clear!.areaChange!.rateRatio).toBeCloseTo(0.5, 12); // 5/month against 10/month
    expect(clear!.comparisonChange!.rateRatio).toBeCloseTo(0.9, 12);
    // Ratio of rate ratios (15/60)/(2700/6000) = 0.5/0.9; var ln = 1/60 + 1/15 + 1/6000 + 1/2700.
    expect(clear!.relative!.ratio).toBeCloseTo(0.5 / 0.9, 12);
    const se = Math.sqrt(1 / 60 + 1 / 15 + 1 / 6000 + 1 / 2700);
    expect(clear!.relative!.ci[0]).toBeCloseTo((0.5 / 0.9) * Math.exp(-1.959963984540054 * se), 9);
  });
});

describe('the change of the last 3 months (exact conditional Poisson test; p-values from R 4 poisson.test)', () => {
  const series = (counts: Record<string, number>) => Object.entries(counts).map(([month, incidents]) => ({ month, incidents, harm: incidents * 2 }));
  it('tests the last 3 months against the previous 3 and against a year earlier', () => {
    // 2020-01…03: 10+10+10 = 30; 2019-10…12: 5+5+5 = 15; 2019-01…03: 10+5+5 = 20.
    const s = series({ '2019-01': 10, '2019-02': 5, '2019-03': 5, '2019-10': 5, '2019-11': 5, '2019-12': 5, '2020-01': 10, '2020-02': 10, '2020-03': 10 });
    const [previous, yearEarlier] = compareWindows(s, '2020-03', '2019-01');
    expect(previous!.recent).toEqual({ from: '2020-01', to: '2020-03', incidents: 30, harm: 60 });
    expect(previous!.earlier).toEqual({ from: '2019-10', to: '2019-12', incidents: 15, harm: 30 });
    // R: poisson.test(c(30, 15), c(3, 3)) → p = 0.0356978035551947, CI 1.04288573701949–3.99985780377669
    expect(previous!.test!.pValue).toBeCloseTo(0.0356978035551947, 12);
    expect(previous!.test!.ci![0]).toBeCloseTo(1.04288573701949, 9);
    expect(previous!.test!.ci![1]).toBeCloseTo(3.99985780377669, 9);
    expect(previous!.test!.direction).toBe('rise');
    // R: poisson.test(c(30, 20), c(3, 3)) → p = 0.202638751064541: up 50 %, but chance explains it.
    expect(yearEarlier!.earlier).toMatchObject({ from: '2019-01', to: '2019-03', incidents: 20 });
    expect(yearEarlier!.test!.pValue).toBeCloseTo(0.202638751064541, 12);
    expect(yearEarlier!.test!.direction).toBe('no significant change');
  });

  it('does not compare with months that are not loaded', () => {
    const [previous, yearEarlier] = compareWindows(series({ '2019-07': 1 }), '2019-09', '2019-04');
    expect(previous!.test).not.toBeNull();
    expect(yearEarlier!.test).toBeNull();
    expect(yearEarlier!.note).toMatch(/before the first loaded month \(2019-04\)/);
  });
});

describe('offence mix and rates', () => {
  it('sorts the mix by harm with shares', () => {
    const mix = offenceMix([
      { category: 'Violence and sexual offences', incidents: 9, harm: 45 },
      { category: 'Robbery', incidents: 3, harm: 55 },
    ]);
    expect(mix.map((m) => [m.category, m.shareOfIncidents, m.shareOfHarm])).toEqual([
      ['Robbery', 0.25, 0.55],
      ['Violence and sexual offences', 0.75, 0.45],
    ]);
    expect(ratePerThousand(120, 8000, 6)).toEqual({ perThousand: 15, perThousandPerYear: 30 });
    expect(() => ratePerThousand(1, 0, 1)).toThrow(/population must be positive/);
  });
});

describe('areal weighting on the real 2011 LSOAs', () => {
  it('gives an LSOA its own population when the outline is the LSOA', () => {
    const fc = JSON.parse(fs.readFileSync(path.join(dataDir, 'boundaries', 'merseyside-lsoa-2011.geojson'), 'utf8'));
    const lsoas = fc.features.map((f: any, i: number) => ({ code: f.properties.LSOA11CD, geometry: f.geometry, population: 1000 + i }));
    const one = lsoas.find((l: any) => l.code === 'E01006651'); // Liverpool 001A
    const est = arealPopulation(one.geometry, lsoas);
    expect(est.lsoas[0]).toMatchObject({ code: 'E01006651' });
    expect(est.lsoas[0]!.share).toBeCloseTo(1, 6);
    // Neighbours touch along the edge only (generalised outlines may overlap by slivers).
    expect(est.population).toBeGreaterThan(one.population - 1);
    expect(est.population).toBeLessThan(one.population + 0.02 * 1000 * est.lsoas.length);
  });
});
