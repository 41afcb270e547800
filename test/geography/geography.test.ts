import fs from 'node:fs';
import path from 'node:path';
import { booleanPointInPolygon } from '@turf/turf';
import { cellArea } from 'h3-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/db/connection';
import { GeographyStore } from '../../server/db/geography';
import { areaDeprivation } from '../../server/domain/geography/deprivation';
import { vintageFor } from '../../server/domain/geography/boundaries';
import { importBoundaryFile, importGeographyTable } from '../../server/ingest/geography';
import { importPaths } from '../../server/ingest/importPaths';
import { Analysis } from '../../server/services/analysis';
import { dbLabel, freshDb } from '../support/db';
import { dataDir, harmDir, monthFile, readRows, tempDir } from '../support/data';

const MONTHS = ['2019-07', '2019-08', '2019-09'];

describe(`geography on ${dbLabel}: real boundaries, deprivation and incidents`, () => {
  let db: Db;
  const tmp = tempDir();
  beforeAll(async () => {
    db = await freshDb();
    await importPaths(db, [harmDir, path.join(dataDir, 'boundaries'), path.join(dataDir, 'deprivation'), ...MONTHS.map(monthFile)]);
  });
  afterAll(async () => {
    await db?.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('keeps every boundary set with its vintage', async () => {
    const v = await new GeographyStore(db).vintages();
    expect(v).toEqual([
      { kind: 'district', vintage: '2019', count: 5 },
      { kind: 'lsoa', vintage: '2011', count: 910 },
      { kind: 'lsoa', vintage: '2021', count: 923 },
      { kind: 'ward', vintage: '2019', count: 105 },
      { kind: 'ward', vintage: '2022', count: 107 },
    ]);
    // 2019 incidents are matched to the December 2019 wards and the 2011 LSOAs.
    expect(vintageFor('ward', '2019-07', ['2019', '2022'])).toBe('2019');
    expect(vintageFor('ward', '2023-01', ['2019', '2022'])).toBe('2022');
    expect(vintageFor('lsoa', '2019-07', ['2011', '2021'])).toBe('2011');
  });

  it('tags every incident inside the five districts with a ward and an LSOA, and flags the others', async () => {
    const r = (
      await db.raw(`SELECT
      count(*) FILTER (WHERE in_study_area)::int AS inside,
      count(*) FILTER (WHERE in_study_area IS FALSE)::int AS outside,
      count(*) FILTER (WHERE in_study_area AND (ward_code IS NULL OR lsoa_tagged IS NULL))::int AS missing,
      count(*) FILTER (WHERE in_study_area AND (ward_vintage <> '2019' OR lsoa_vintage <> '2011'))::int AS wrong_vintage,
      count(*)::int AS total FROM incident`)
    ).rows[0];
    expect(r.missing).toBe(0);
    expect(r.wrong_vintage).toBe(0);
    expect(r.inside + r.outside).toBe(r.total);
    // Independent count: positions outside every district polygon, by a plain scan with turf.
    const districts = await new GeographyStore(db).boundaries('district');
    let outside = 0;
    for (const m of MONTHS) {
      for (const row of readRows(monthFile(m))) {
        const p = [Number(row.Longitude), Number(row.Latitude)];
        if (!districts.some((d) => booleanPointInPolygon(p, d.geometry as never))) outside++;
      }
    }
    expect(r.outside).toBe(outside);
    expect(outside).toBeGreaterThan(0); // data.police.uk files hold a few incidents just over the force boundary
  });

  it('puts the tagged LSOA of each incident in the same place data.police.uk does, nearly always', async () => {
    const r = (await db.raw(`SELECT count(*)::int AS n, count(*) FILTER (WHERE lsoa_tagged = lsoa_code)::int AS same FROM incident WHERE in_study_area`))
      .rows[0];
    // data.police.uk gives the LSOA of the address, harmgrid the LSOA of the published snap point, which can
    // sit across the road in the next LSOA: they agree for about 96 % of incidents.
    expect(r.same / r.n).toBeGreaterThan(0.95);
  });

  it("computes each December-2019 ward's share of most-deprived LSOAs as the published aggregates do", async () => {
    const geo = new GeographyStore(db);
    const [lsoas, lookup, published] = await Promise.all([geo.deprivation(), geo.lookup(), geo.publishedWards()]);
    const wards = areaDeprivation(lsoas, new Map(lookup.map((l) => [l.lsoaCode, l.wardCode])));
    expect(wards.length).toBe(105);
    const pub = new Map(published.map((p) => [p.wardCode, p.values]));
    for (const w of wards) expect(w.shareLsoasMostDeprived).toBeCloseTo(pub.get(w.code)!.Proportion!, 12);
    const districts = areaDeprivation(lsoas, new Map(lsoas.map((l) => [l.lsoaCode, l.districtCode])));
    // File 10's district proportions (PROVENANCE: Knowsley 0.4694, Liverpool 0.4866, …)
    expect(districts.map((d) => Number(d.shareLsoasMostDeprived.toFixed(4)))).toEqual([0.4694, 0.4866, 0.2437, 0.2011, 0.2524]);
    expect(districts.map((d) => Number(d.shareLsoasMostDeprivedCrime.toFixed(4)))).toEqual([0.0408, 0.2416, 0.1008, 0.0847, 0.1068]);
  });

  it('makes the study area the cells inside the five districts, empty cells included', async () => {
    const analysis = new Analysis(db);
    const r = await analysis.resolve({ resolution: 9 });
    const study = await analysis.studyArea(r);
    expect(study.basis).toMatch(/5 districts .*Knowsley.*650 km²/);
    const areaKm2 = study.cells.reduce((s, c) => s + cellArea(c.cell, 'km2'), 0);
    expect(areaKm2).toBeGreaterThan(630);
    expect(areaKm2).toBeLessThan(670);
    expect(study.cells.filter((c) => c.incidents === 0).length).toBeGreaterThan(1000);
  });

  it('names HCHH areas by ward, district and main street', async () => {
    const analysis = new Analysis(db);
    const r = await analysis.resolve({ resolution: 9, from: '2019-07', to: '2019-09' });
    const h = await analysis.hchh(r, {});
    // The city centre carries the most harm: the first area lies in its wards (Central, Riverside).
    expect(h.areas[0]!.name).toMatch(/^(Central|Riverside)( & [\w ]+)?, Liverpool — /);
    for (const a of h.areas) expect(a.name).toMatch(/, (Liverpool|Knowsley|Sefton|St\. Helens|Wirral)/);
  });

  it('rejects bad boundary files feature by feature and stores nothing', async () => {
    const districts = JSON.parse(fs.readFileSync(path.join(dataDir, 'boundaries', 'merseyside-lad.geojson'), 'utf8'));
    const bad = structuredClone(districts);
    bad.features[1].properties.LAD19CD = bad.features[0].properties.LAD19CD; // duplicate code
    const firstRing = (g: { type: string; coordinates: any }) => (g.type === 'Polygon' ? g.coordinates[0] : g.coordinates[0][0]) as number[][];
    firstRing(bad.features[2].geometry).pop(); // ring no longer closed
    firstRing(bad.features[3].geometry)[1] = [339000, 390000]; // British National Grid metres
    const file = path.join(tmp, 'districts-bad.geojson');
    fs.writeFileSync(file, JSON.stringify(bad));
    const before = (await new GeographyStore(db).boundaries('district')).length;
    const outcome = await importBoundaryFile(db, file);
    expect(outcome.status).toBe('rejected');
    expect(outcome.rejections.map((x) => [x.line, x.field])).toEqual([
      [2, 'LAD19CD'],
      [3, 'geometry'],
      [4, 'geometry'],
    ]);
    expect(outcome.rejections[2]!.reason).toMatch(/not WGS84 longitude\/latitude/);
    expect((await new GeographyStore(db).boundaries('district')).length).toBe(before);
    const wrongCrs = path.join(tmp, 'districts-27700.geojson');
    fs.writeFileSync(wrongCrs, JSON.stringify({ ...districts, crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } } }));
    await expect(importBoundaryFile(db, wrongCrs)).rejects.toThrow(/wrong CRS/);
  });

  it('rejects codes that name no loaded area, line by line', async () => {
    // The real ward file with one ward moved to a district that is not loaded (Halton, E06000006).
    const wards = JSON.parse(fs.readFileSync(path.join(dataDir, 'boundaries', 'merseyside-wards-2019.geojson'), 'utf8'));
    wards.features[4].properties.LAD19CD = 'E06000006';
    const wardFile = path.join(tmp, 'wards-unknown-district.geojson');
    fs.writeFileSync(wardFile, JSON.stringify(wards));
    const w = await importBoundaryFile(db, wardFile);
    expect(w.status).toBe('rejected');
    expect(w.rejections.map((x) => [x.line, x.field, x.value])).toEqual([[5, 'LAD19CD', 'E06000006']]);
    expect(w.rejections[0]!.reason).toMatch(/unknown district code/);
    // The real lookup with an LSOA code that is not a Merseyside LSOA and a repeated row.
    const lines = fs
      .readFileSync(path.join(dataDir, 'boundaries', 'merseyside-lsoa11-ward19-lookup.csv'), 'utf8')
      .trimEnd()
      .split('\n');
    lines[3] = lines[3]!.replace(/^E01\d{6}/, 'E01999999');
    lines.push(lines[10]!);
    const lookupFile = path.join(tmp, 'lookup-unknown.csv');
    fs.writeFileSync(lookupFile, lines.join('\n') + '\n');
    const l = await importGeographyTable(db, lookupFile, 'lookup');
    expect(l.status).toBe('rejected');
    expect(l.rejections.map((x) => [x.line, x.field, x.value, x.reason])).toEqual([
      [4, 'LSOA11CD', 'E01999999', 'unknown code: no LSOA 2011 with this code is loaded'],
      [lines.length, 'LSOA11CD', lines[10]!.split(',')[0], 'duplicate code: line 11 has it too'],
    ]);
    expect((await new GeographyStore(db).lookup()).length).toBe(910);
  });

  it('makes the study area of chosen districts only, and names unknown ones', async () => {
    const analysis = new Analysis(db);
    const r = await analysis.resolve({ resolution: 9 });
    const liverpool = (await new GeographyStore(db).boundaries('district')).find((d) => d.code === 'E08000012')!;
    const study = await analysis.studyArea({ ...r, districts: ['E08000012'] });
    expect(study.basis).toMatch(/the 1 district of Merseyside \(Liverpool;/);
    const areaKm2 = study.cells.reduce((s, c) => s + cellArea(c.cell, 'km2'), 0);
    expect(Math.abs(areaKm2 / liverpool.areaKm2 - 1)).toBeLessThan(0.03);
    await expect(analysis.studyArea({ ...r, districts: ['E08000099'] })).rejects.toThrow(
      /unknown district E08000099 for Merseyside; its districts: E08000011 Knowsley/,
    );
  });
});
