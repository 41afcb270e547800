import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/db/connection';
import { GeographyStore } from '../../server/db/geography';
import { importPaths, summariseImport, type ImportReport } from '../../server/ingest/importPaths';
import { DeprivationService } from '../../server/services/deprivation';
import { dbLabel, freshDb } from '../support/db';
import { dataDir, harmDir, readRows, tempDir } from '../support/data';
import { serveApp } from '../support/server';

const force = path.join(dataDir, 'forces', 'leicestershire');
const boundaries = path.join(force, 'boundaries');
const nationalDeprivation = path.join(dataDir, 'national', 'deprivation', 'iod2019-lsoa-england.csv');
const month = path.join(force, 'police', '2019-12-leicestershire-street.csv');
const lookupFile = path.join(boundaries, 'leicestershire-lsoa11-ward19-lookup.csv');

describe(`a second force on ${dbLabel}: Leicestershire boundaries, the national deprivation file and a month of incidents`, () => {
  let db: Db;
  let report: ImportReport;
  beforeAll(async () => {
    db = await freshDb();
    report = await importPaths(db, [harmDir, boundaries, nationalDeprivation, month]);
  }, 300_000);
  afterAll(async () => {
    await db?.destroy();
  });

  it('reports what was stored by kind: incidents, boundary features and reference rows', () => {
    expect(report.failed).toEqual([]);
    expect(report.files.filter((f) => f.status !== 'imported')).toEqual([]);
    const s = summariseImport(report);
    // Boundary features per PROVENANCE.md: 9 districts, 181 + 181 wards, 611 + 634 LSOAs.
    expect(s.stored['boundary features']).toBe(9 + 181 + 181 + 611 + 634);
    const incidents = report.files.find((f) => f.fileName === path.basename(month))!;
    expect(incidents.rowsImported + incidents.rowsRejected + incidents.rowsDuplicate).toBe(readRows(month).length);
    expect(s.stored.incidents).toBe(incidents.rowsImported);
    // The lookup's 611 rows and the 32,844 LSOAs of England, plus the offence codes and harm weights.
    const harm = report.reference!.offences + report.reference!.cchiOffenceWeights + report.reference!.cchiCategoryWeights;
    expect(s.stored['reference rows']).toBe(611 + 32844 + harm);
    // The harm folder's two summary tables are read by no importer, and are listed as skipped with the reason.
    expect(report.skipped.map((f) => path.basename(f.file)).sort()).toEqual(['cchi-subgroup-summary-2026.csv', 'ons-css-weights-2016-quoted.csv']);
    expect(s.message).toBe(
      `${s.stored.incidents.toLocaleString('en-GB')} incidents, 1,616 boundary features and ${(611 + 32844 + harm).toLocaleString('en-GB')} reference rows imported from ${report.files.length + 1} files; 2 skipped`,
    );
  });

  it('keeps every boundary set with its vintage, recognised from the ONS columns (LAD19, WD19, WD22/LAD22, LSOA11, LSOA21)', async () => {
    expect(await new GeographyStore(db).vintages()).toEqual([
      { kind: 'district', vintage: '2019', count: 9 },
      { kind: 'lsoa', vintage: '2011', count: 611 },
      { kind: 'lsoa', vintage: '2021', count: 634 },
      { kind: 'ward', vintage: '2019', count: 181 },
      { kind: 'ward', vintage: '2022', count: 181 },
    ]);
    const shire = (await new GeographyStore(db).boundaries('district')).map((d) => d.code.slice(0, 3));
    expect(new Set(shire)).toEqual(new Set(['E06', 'E07'])); // unitary and shire districts
  });

  it("tags the month's incidents to the LSOA data.police.uk gives, nearly always", async () => {
    const r = (
      await db.raw(`SELECT count(*) FILTER (WHERE in_study_area)::int AS inside, count(*) FILTER (WHERE in_study_area AND lsoa_tagged = lsoa_code)::int AS same,
      count(*) FILTER (WHERE in_study_area AND (ward_vintage <> '2019' OR lsoa_vintage <> '2011'))::int AS wrong FROM incident`)
    ).rows[0];
    expect(r.wrong).toBe(0);
    expect(r.same / r.inside).toBeGreaterThan(0.95);
  });

  it('gives December-2019 ward deprivation by the ONS lookup, equal to a direct computation from the two CSV files', async () => {
    const d = await new DeprivationService(db).areas('ward', { vintage: '2019' });
    expect(d).toMatchObject({ available: true, missing: null, method: 'lookup' });
    expect(d.areas.length).toBe(179);
    // The two wards no LSOA is best-fitted to (PROVENANCE.md section 1) are named, not dropped.
    expect(d.areasWithout.map((w) => w.code).sort()).toEqual(['E05010102', 'E05012632']);
    expect(d.areasWithout[0]!.reason).toMatch(/no LSOA is best-fitted to this ward/);
    const iod = new Map(readRows(nationalDeprivation).map((r) => [r['LSOA code (2011)']!, r]));
    const byWard = new Map<string, { rank: number; pop: number }[]>();
    for (const l of readRows(lookupFile)) {
      const r = iod.get(l.LSOA11CD!)!;
      if (!byWard.has(l.WD19CD!)) byWard.set(l.WD19CD!, []);
      byWard.get(l.WD19CD!)!.push({
        rank: Number(r['Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)']),
        pop: Number(r['Total population: mid 2015 (excluding prisoners)']),
      });
    }
    for (const a of d.areas) {
      const ls = byWard.get(a.code)!;
      const pop = ls.reduce((s, l) => s + l.pop, 0);
      expect(a.lsoas).toBe(ls.length);
      expect(a.meanImdRank).toBeCloseTo(ls.reduce((s, l) => s + l.rank * l.pop, 0) / pop, 9);
      expect(a.shareLsoasMostDeprived).toBeCloseTo(ls.filter((l) => l.rank <= 3284.4).length / ls.length, 12);
    }
  });

  it('gives December-2022 wards (no lookup loaded) deprivation by LSOA representative points, mostly as the ONS best fit would', async () => {
    const d = await new DeprivationService(db).areas('ward', { vintage: '2022' });
    expect(d).toMatchObject({ vintage: '2022', available: true, method: 'representative point' });
    // Leicestershire's 2022 wards keep the 2019 codes (PROVENANCE.md section 2): compare with the lookup.
    const lookup = new Map(readRows(lookupFile).map((l) => [l.LSOA11CD!, l.WD19CD!]));
    const wards = new Map(d.areas.map((a) => [a.code, a.lsoas]));
    const assigned = [...wards.values()].reduce((s, n) => s + n, 0);
    expect(assigned).toBe(611);
    let agree = 0;
    const counts = new Map<string, number>();
    for (const w of lookup.values()) counts.set(w, (counts.get(w) ?? 0) + 1);
    for (const [w, n] of counts) agree += Math.min(n, wards.get(w) ?? 0);
    expect(agree / 611).toBeGreaterThan(0.9);
  });

  it('gives each district its LSOAs as the Indices do (PROVENANCE.md: Leicester 192 … Rutland 23), and their IMD deciles', async () => {
    const d = await new DeprivationService(db).areas('district');
    expect(d.method).toBe('district code');
    expect(Object.fromEntries(d.areas.map((a) => [a.code, a.lsoas]))).toEqual({
      E06000016: 192,
      E06000017: 23,
      E07000129: 60,
      E07000130: 99,
      E07000131: 47,
      E07000132: 66,
      E07000133: 30,
      E07000134: 58,
      E07000135: 36,
    });
    const lsoas = await new GeographyStore(db).deprivation();
    expect(lsoas.length).toBe(611); // only the loaded places' LSOAs, though 32,844 are stored
    const deciles = Array.from({ length: 10 }, (_, i) => lsoas.filter((l) => l.imdDecile === i + 1).length);
    expect(deciles).toEqual([43, 32, 62, 49, 53, 51, 73, 84, 80, 84]);
  });
});

describe(`uploads through POST /api/imports on ${dbLabel}: GeoJSON and CSV read by content`, () => {
  let db: Db;
  let app: { url: string; close(): Promise<void> };
  const tmp = tempDir();
  const post = async (fileName: string, body: Buffer | string, type = 'application/octet-stream') => {
    const res = await fetch(`${app.url}/api/imports?fileName=${encodeURIComponent(fileName)}`, {
      method: 'POST',
      body: typeof body === 'string' ? body : new Uint8Array(body),
      headers: { 'content-type': type },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { message: string } } };
  };
  beforeAll(async () => {
    db = await freshDb();
    app = await serveApp(db);
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('says plainly that deprivation and wards are missing before anything is loaded', async () => {
    const d = await (await fetch(`${app.url}/api/deprivation?level=ward`)).json();
    expect(d).toMatchObject({ available: false, vintage: null, areas: [], missing: expect.stringMatching(/^no ward boundaries are loaded/) });
    const b = await fetch(`${app.url}/api/boundaries?kind=ward`);
    expect(b.status).toBe(404);
    expect((await b.json()).error.message).toBe('no ward boundaries are loaded; import the ONS ward GeoJSON');
  });

  it('imports district and ward GeoJSON whatever the extension, keeping the name, and counts boundary features', async () => {
    const lad = await post('districts.json', fs.readFileSync(path.join(boundaries, 'leicestershire-lad.geojson')));
    expect(lad).toMatchObject({
      status: 201,
      body: { fileName: 'districts.json', format: 'boundaries district 2019', kind: 'boundary features', rowsImported: 9, repairs: [] },
    });
    // A GeoJSON file with a .csv name is still read as GeoJSON (the format comes from the content).
    const wards = await post('wards-2022.csv', fs.readFileSync(path.join(boundaries, 'leicestershire-wards-2022.geojson')), 'application/geo+json');
    expect(wards).toMatchObject({
      status: 201,
      body: { fileName: 'wards-2022.csv', format: 'boundaries ward 2022', kind: 'boundary features', rowsImported: 181 },
    });
    const log = await (await fetch(`${app.url}/api/imports`)).json();
    expect(log.imports.map((i: { fileName: string }) => i.fileName).slice(0, 2)).toEqual(['wards-2022.csv', 'districts.json']);
  });

  it('finds wards by name and draws their outlines from the boundaries, with no deprivation loaded', async () => {
    const hits = await (await fetch(`${app.url}/api/areas/search?q=abbey`)).json();
    expect(hits.areas[0]).toMatchObject({ kind: 'ward', code: 'E05010458', name: 'Abbey, Leicester', vintage: '2022' });
    const all = await (await fetch(`${app.url}/api/areas/search`)).json();
    expect(all.areas.length).toBe(181 + 9);
    const outlines = await (await fetch(`${app.url}/api/boundaries?kind=ward`)).json();
    expect(outlines).toMatchObject({ type: 'FeatureCollection', kind: 'ward', vintage: '2022' });
    expect(outlines.features.length).toBe(181);
    const missing = await fetch(`${app.url}/api/boundaries?kind=ward&vintage=2019`);
    expect((await missing.json()).error.message).toBe('no ward boundaries of vintage 2019 are loaded; loaded ward vintages: 2022');
    const d = await (await fetch(`${app.url}/api/deprivation?level=ward`)).json();
    expect(d).toMatchObject({ available: false, vintage: '2022', areas: [] });
    expect(d.missing).toMatch(/^the English Indices of Deprivation 2019 are not loaded: import iod2019-lsoa-england.csv/);
    expect(d.areasWithout.length).toBe(181);
  });

  it('imports an LSOA → ward lookup CSV as reference rows', async () => {
    const wards19 = await post('wards-2019.geojson', fs.readFileSync(path.join(boundaries, 'leicestershire-wards-2019.geojson')));
    expect(wards19.status).toBe(201);
    const lookup = await post('lookup.csv', fs.readFileSync(lookupFile), 'text/csv');
    expect(lookup).toMatchObject({ status: 201, body: { format: 'LSOA 2011 → ward 2019 lookup', kind: 'reference rows', rowsImported: 611 } });
  });

  it('explains a file that is not a boundary file or not JSON at all, naming the file', async () => {
    const notCollection = await post('wards.geojson', JSON.stringify({ type: 'Feature', properties: {}, geometry: null }));
    expect(notCollection).toMatchObject({
      status: 422,
      body: {
        error: { message: 'wards.geojson: not a GeoJSON FeatureCollection (its "type" is "Feature"); export the boundary layer as a FeatureCollection' },
      },
    });
    const broken = await post('wards.geojson', fs.readFileSync(path.join(boundaries, 'leicestershire-lad.geojson')).subarray(0, 5000));
    expect(broken.status).toBe(422);
    expect(broken.body.error!.message).toMatch(/^wards\.geojson: not valid GeoJSON \(the JSON does not parse: /);
    const noCodes = await post(
      'areas.geojson',
      JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'x' }, geometry: null }] }),
    );
    expect(noCodes.body.error!.message).toMatch(/^areas\.geojson: no ONS code column \(LADyyCD, WDyyCD, LSOA11CD or LSOA21CD/);
  });

  it('rejects a real ward file with one ring left unclosed, naming the ward and the reason, and stores nothing', async () => {
    const data = JSON.parse(fs.readFileSync(path.join(boundaries, 'leicestershire-wards-2019.geojson'), 'utf8'));
    const f = data.features[5];
    const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
    ring.pop();
    const r = await post('wards-2019-damaged.geojson', JSON.stringify(data));
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({
      status: 'rejected',
      rowsRejected: 1,
      message: 'rejected: 1 of 181 features have errors; nothing from this file was stored',
    });
    expect(r.body.rejections).toEqual([
      { line: 6, field: 'geometry', value: f.properties.WD19CD, reason: 'a ring is not closed (its first and last positions differ)' },
    ]);
  });
});
