import fs from 'node:fs';
import path from 'node:path';
import { area as turfArea, booleanPointInPolygon, union as turfUnion, featureCollection, polygon as turfPolygon } from '@turf/turf';
import { describe, expect, it } from 'vitest';
import { codeProblem, onsColumnsOf, vintageFor } from '../../server/domain/geography/boundaries';
import { representativePoint } from '../../server/domain/geography/lsoaAssignment';
import { RULES, invalidReason, validateBoundarySet, type Polygonal } from '../../server/domain/geography/validity';
import { dataDir } from '../support/data';

const leicestershire = path.join(dataDir, 'forces', 'leicestershire', 'boundaries');
type Feature = { properties: Record<string, string>; geometry: Polygonal };
const read = (file: string): Feature[] => JSON.parse(fs.readFileSync(file, 'utf8')).features;
const setOf = (features: Feature[], column: string) => features.map((f) => ({ code: f.properties[column]!, geometry: f.geometry }));
const ringOf = (g: Polygonal) => (g.type === 'Polygon' ? g.coordinates[0]! : g.coordinates[0]![0]!);
const km2 = (g: Polygonal) => turfArea(g as never) / 1e6;

/** Two real LSOAs that share part of their outline (a common vertex), from the published file. */
function neighbours(features: Feature[]): [Feature, Feature] {
  const key = (p: number[]) => `${p[0]},${p[1]}`;
  for (let i = 0; i < features.length; i++) {
    const a = new Set(ringOf(features[i]!.geometry).map(key));
    for (let j = i + 1; j < features.length; j++) {
      const shared = ringOf(features[j]!.geometry).filter((p) => a.has(key(p))).length;
      if (shared >= 3) return [features[i]!, features[j]!];
    }
  }
  throw new Error('no neighbouring LSOAs found');
}

/** B's outer ring shrunk to half its size about its representative point: a shell inside B. */
function shrunk(g: Polygonal): number[][] {
  const [cx, cy] = representativePoint(g as never);
  return ringOf(g).map(([x, y]) => [cx + (x! - cx) * 0.5, cy + (y! - cy) * 0.5]);
}

describe('ONS boundary sets of any vintage', () => {
  it('recognises districts, wards and LSOAs of every vintage 2011–2025 by their code column', () => {
    for (let year = 2011; year <= 2025; year++) {
      const yy = String(year).slice(2);
      expect(onsColumnsOf([`LAD${yy}CD`, `LAD${yy}NM`, 'GlobalID'])).toEqual({
        kind: 'district',
        vintage: String(year),
        code: `LAD${yy}CD`,
        name: `LAD${yy}NM`,
        district: null,
      });
      expect(onsColumnsOf([`WD${yy}CD`, `WD${yy}NM`, `WD${yy}NMW`, `LAD${yy}CD`, `LAD${yy}NM`])).toEqual({
        kind: 'ward',
        vintage: String(year),
        code: `WD${yy}CD`,
        name: `WD${yy}NM`,
        district: `LAD${yy}CD`,
      });
    }
    expect(onsColumnsOf(['LSOA11CD', 'LSOA11NM', 'LAD19CD', 'LAD19NM'])).toMatchObject({ kind: 'lsoa', vintage: '2011', district: 'LAD19CD' });
    expect(onsColumnsOf(['LSOA21CD', 'LSOA21NM', 'LADCD', 'LADNM'])).toMatchObject({ kind: 'lsoa', vintage: '2021', district: 'LADCD' });
    expect(onsColumnsOf(['WD19CD', 'LAD19CD'])).toEqual({ error: 'WD19CD has no name column WD19NM beside it' });
    expect(onsColumnsOf(['code', 'name'])).toHaveProperty('error', expect.stringContaining('no ONS code column (LADyyCD, WDyyCD, LSOA11CD or LSOA21CD'));
    expect(onsColumnsOf(['WD19CD', 'WD19NM', 'WD22CD', 'WD22NM'])).toHaveProperty('error', expect.stringContaining('more than one ward code column'));
  });

  it('accepts English and Welsh codes of each kind: unitary, shire, metropolitan districts and London boroughs', () => {
    for (const c of ['E06000016', 'E07000130', 'E08000012', 'E09000033', 'W06000015']) expect(codeProblem('district', c)).toBeNull();
    for (const c of ['E05010458', 'W05001302']) expect(codeProblem('ward', c)).toBeNull();
    for (const c of ['E01013600', 'W01001958']) expect(codeProblem('lsoa', c)).toBeNull();
    expect(codeProblem('district', 'E10000018')).toMatch(/not an ONS district code \(E06, E07, E08, E09, W06/); // a county
    expect(codeProblem('ward', 'E01013600')).toMatch(/not an ONS ward code/);
  });

  it('matches each month to the latest vintage in force, whatever vintages are loaded', () => {
    expect(vintageFor('ward', '2019-07', ['2019', '2022'])).toBe('2019'); // before every vintage: the earliest
    expect(vintageFor('ward', '2022-11', ['2022', '2019'])).toBe('2019');
    expect(vintageFor('ward', '2022-12', ['2019', '2022'])).toBe('2022');
    expect(vintageFor('district', '2024-06', ['2013', '2023', '2019', '2021'])).toBe('2023');
    expect(vintageFor('lsoa', '2021-12', ['2011', '2021'])).toBe('2021');
    expect(vintageFor('ward', '2020-01', [])).toBeNull();
  });
});

describe('geometry validity (JSTS, the JavaScript port of JTS) on real ONS outlines', () => {
  const lsoas = read(path.join(leicestershire, 'leicestershire-lsoa-2011.geojson'));
  const [a, b] = neighbours(lsoas);
  const set = (changed: Polygonal) => setOf(lsoas, 'LSOA11CD').map((f) => (f.code === a.properties.LSOA11CD ? { ...f, geometry: changed } : f));

  it('finds every published outline of both forces valid (the real files hold no invalid feature)', () => {
    const files = [
      ...fs
        .readdirSync(leicestershire)
        .filter((f) => f.endsWith('.geojson'))
        .map((f) => path.join(leicestershire, f)),
      ...fs
        .readdirSync(path.join(dataDir, 'boundaries'))
        .filter((f) => f.endsWith('.geojson'))
        .map((f) => path.join(dataDir, 'boundaries', f)),
    ];
    expect(files.length).toBe(10);
    for (const file of files) {
      const features = read(file);
      const column = Object.keys(features[0]!.properties).find((k) => /^(LSOA|WD|LAD)\d{2}CD$/.test(k))!;
      expect(validateBoundarySet(setOf(features, column)).issues, file).toEqual([]);
    }
  });

  it("repairs an LSOA given a second shell nested in its neighbour: the shell is the neighbour's, so no incident is in both", () => {
    // Invalid variant of real outlines (none is invalid as published): A gets a second shell inside B.
    const damaged: Polygonal = { type: 'MultiPolygon', coordinates: [[ringOf(a.geometry)], [shrunk(b.geometry)]] };
    const inB = representativePoint(b.geometry as never);
    expect(booleanPointInPolygon(inB, damaged as never) && booleanPointInPolygon(inB, b.geometry as never)).toBe(true); // in both as published
    const { geometries, issues } = validateBoundarySet(set(damaged));
    expect(issues).toEqual([
      {
        code: a.properties.LSOA11CD,
        reason: expect.stringMatching(new RegExp(`100 % of one part lies inside ${b.properties.LSOA11CD}`)),
        action: 'repaired',
        rule: RULES.strayPart,
      },
    ]);
    const repaired = geometries.get(a.properties.LSOA11CD!)!;
    expect(km2(repaired)).toBeCloseTo(km2(a.geometry), 6);
    expect(booleanPointInPolygon(inB, repaired as never)).toBe(false);
    expect(geometries.get(b.properties.LSOA11CD!)).toEqual(b.geometry);
  });

  it('repairs an outline that also covers its neighbour and repeats the neighbour as a second shell', () => {
    const both = turfUnion(featureCollection([turfPolygon(a.geometry.coordinates as never), turfPolygon(b.geometry.coordinates as never)]))!
      .geometry as Polygonal;
    const outer = both.type === 'Polygon' ? [both.coordinates] : both.coordinates;
    const damaged: Polygonal = { type: 'MultiPolygon', coordinates: [...outer, [ringOf(b.geometry)]] };
    // The repeated shell shares the outer outline's edges, so JTS names the fault a self-intersection.
    expect(invalidReason(damaged)).toMatch(/^Self-intersection at or near \(-1\.\d+, 52\.\d+\)$/);
    const { geometries, issues } = validateBoundarySet(set(damaged));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      code: a.properties.LSOA11CD,
      action: 'repaired',
      rule: RULES.strayPart,
      reason: expect.stringMatching(/^Self-intersection .* — 100 % of one part lies inside E01\d{6}$/),
    });
    // The repair gives back the published outline of A (to within the overlay's rounding).
    expect(Math.abs(km2(geometries.get(a.properties.LSOA11CD!)!) / km2(a.geometry) - 1)).toBeLessThan(1e-6);
  });

  it('reads a shell nested in another shell of the same area as a hole when no neighbour fills it (even-odd)', () => {
    const districts = read(path.join(leicestershire, 'leicestershire-lad.geojson'));
    const district = districts.find((d) => d.properties.LAD19CD === a.properties.LAD19CD)!;
    const damaged: Polygonal = { type: 'MultiPolygon', coordinates: [[ringOf(district.geometry)], [shrunk(a.geometry)]] };
    const { geometries, issues } = validateBoundarySet(
      setOf(districts, 'LAD19CD').map((d) => (d.code === district.properties.LAD19CD ? { ...d, geometry: damaged } : d)),
    );
    expect(issues).toEqual([
      { code: district.properties.LAD19CD, reason: expect.stringMatching(/^Nested shells/), action: 'repaired', rule: RULES.nestedShells },
    ]);
    const holed = geometries.get(district.properties.LAD19CD!)!;
    expect(km2(holed)).toBeCloseTo(km2(district.geometry) - km2({ type: 'Polygon', coordinates: [shrunk(a.geometry)] }), 6);
    expect(booleanPointInPolygon(representativePoint(a.geometry as never), holed as never)).toBe(false);
  });

  it('merges two parts of one area that touch along an edge (JTS reports a self-intersection) into one outline', () => {
    const damaged: Polygonal = { type: 'MultiPolygon', coordinates: [[ringOf(a.geometry)], [ringOf(b.geometry)]] };
    expect(invalidReason(damaged)).toMatch(/^Self-intersection/);
    const { geometries, issues } = validateBoundarySet([{ code: 'E01000001', geometry: damaged }]);
    expect(issues).toMatchObject([{ code: 'E01000001', action: 'repaired', rule: RULES.nestedShells }]);
    expect(km2(geometries.get('E01000001')!)).toBeCloseTo(km2(a.geometry) + km2(b.geometry), 4);
  });

  it('rejects a ring that crosses itself, with the position, rather than guess the outline', () => {
    const ring = ringOf(a.geometry).map((p) => [...p]);
    [ring[2], ring[3]] = [ring[3]!, ring[2]!]; // two vertices swapped: the ring now crosses itself
    const damaged: Polygonal = { type: 'Polygon', coordinates: [ring] };
    const { geometries, issues } = validateBoundarySet(set(damaged));
    expect(issues).toEqual([
      { code: a.properties.LSOA11CD, reason: expect.stringMatching(/^Self-intersection at or near \(-1\.\d+, 52\.\d+\)$/), action: 'rejected', rule: null },
    ]);
    expect(geometries.has(a.properties.LSOA11CD!)).toBe(false);
  });

  it('rejects two areas that overlap beyond slivers, each naming the other', () => {
    const [dx, dy] = [0.002, 0.002];
    const moved: Polygonal = { type: 'Polygon', coordinates: [ringOf(a.geometry).map(([x, y]) => [x! + dx, y! + dy])] };
    const { issues } = validateBoundarySet(set(moved));
    expect(issues.length).toBeGreaterThanOrEqual(2);
    expect(
      issues.every(
        (i) => i.action === 'rejected' && /overlaps E01\d{6}: [\d.]+ % of E01\d{6} and [\d.]+ % of E01\d{6}; an incident there would be in both/.test(i.reason),
      ),
    ).toBe(true);
    expect(issues.some((i) => i.code === a.properties.LSOA11CD)).toBe(true);
  });

  it('names an unclosed ring as JTS does', () => {
    const ring = ringOf(a.geometry).slice(0, -1);
    expect(invalidReason({ type: 'Polygon', coordinates: [ring] })).toMatch(/closed/);
  });
});
