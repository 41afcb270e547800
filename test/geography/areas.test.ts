import path from 'node:path';
import { booleanPointInPolygon } from '@turf/turf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countChange } from '../../server/domain/countChange';
import { monthRange } from '../../server/domain/months';
import type { RunningServer } from '../../server/server';
import { startTestServer } from '../support/server';
import { dbLabel } from '../support/db';
import { PROXY_CATEGORIES, dataDir, monthFile, readRows } from '../support/data';

const MONTHS = monthRange('2019-01', '2020-03');

// Zones drawn by the test around real streets: the boxes bracket data.police.uk snap points of the
// real files ("On or near Bold Street" -2.977302, 53.402600; "On or near Back Bold Street" -2.979198,
// 53.403924; "On or near Wood Street" -2.978904, 53.402928). No zone ships with harmgrid.
const BOX = { west: -2.98, south: 53.402, east: -2.9765, north: 53.4045 };
const boldStreet = {
  type: 'Feature',
  geometry: {
    type: 'Polygon',
    coordinates: [
      [
        [BOX.west, BOX.south],
        [BOX.east, BOX.south],
        [BOX.east, BOX.north],
        [BOX.west, BOX.north],
        [BOX.west, BOX.south],
      ],
    ],
  },
  properties: {
    name: 'Bold Street test zone',
    partnership: 'test',
    clearStart: '2019-07-01',
    holdStart: '2019-10-01',
    buildStart: '2020-01-01',
    notes: 'drawn by the test',
  },
};

describe(`areas, zones and sites on ${dbLabel}: real boundaries and ${MONTHS.length} real months`, () => {
  let server: RunningServer;
  const rows: Record<string, string>[] = MONTHS.flatMap((m) => readRows(monthFile(m)).map((r) => ({ ...r, month: m })));
  const proxy = rows.filter((r) => PROXY_CATEGORIES.has(r['Crime type']!));
  const inBox = (r: Record<string, string>) => {
    const lon = Number(r.Longitude),
      lat = Number(r.Latitude);
    return r.Longitude !== '' && lon >= BOX.west && lon <= BOX.east && lat >= BOX.south && lat <= BOX.north;
  };
  const call = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(server.url + p, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    // Numbers, not speed: a generous request limit so a loaded machine cannot turn a slow answer into a 503.
    process.env.HARMGRID_REQUEST_TIMEOUT_S = '180';
    server = await startTestServer(MONTHS, { buildWeb: false });
    delete process.env.HARMGRID_REQUEST_TIMEOUT_S;
  }, 240_000);
  afterAll(async () => {
    await server?.close();
  });

  it('loads the boundaries at start, before the incidents, and tags them', async () => {
    const g = await call('GET', '/api/geography');
    expect(g.body.boundaries.length).toBe(5);
    expect(g.body.incidents.untagged).toBe(0);
    expect(g.body.incidents.inside + g.body.incidents.outside + g.body.incidents.withoutPosition).toBe(rows.length);
  });

  it('round-trips a zone through GeoJSON import and export unchanged', async () => {
    const imported = await call('POST', '/api/zones/import', { type: 'FeatureCollection', features: [boldStreet] });
    expect(imported.status).toBe(200);
    expect(imported.body.created).toBe(1);
    const exported = await call('GET', '/api/zones.geojson');
    const f = exported.body.features[0];
    expect(f.geometry).toEqual(boldStreet.geometry);
    expect(f.properties).toMatchObject(boldStreet.properties);
    // Importing the export again updates the same zone and changes nothing.
    const again = await call('POST', '/api/zones/import', exported.body);
    expect([again.body.created, again.body.updated]).toEqual([0, 1]);
    expect((await call('GET', '/api/zones.geojson')).body).toEqual(exported.body);
  });

  it('rejects a bad zones file feature by feature and stores nothing', async () => {
    const before = (await call('GET', '/api/zones')).body.features.length;
    const bad = structuredClone(boldStreet) as any;
    bad.properties.name = 'Crossed zone';
    bad.geometry.coordinates[0] = [
      [BOX.west, BOX.south],
      [BOX.east, BOX.north],
      [BOX.east, BOX.south],
      [BOX.west, BOX.north],
      [BOX.west, BOX.south],
    ];
    const good = { ...structuredClone(boldStreet), properties: { ...boldStreet.properties, name: 'Fine zone', clearStart: '2019-13-01' } };
    const r = await call('POST', '/api/zones/import', { type: 'FeatureCollection', features: [good, bad] });
    expect(r.status).toBe(400);
    expect(r.body.error.issues).toEqual([
      { path: 'features[0] (feature 1 "Fine zone").properties.clearStart', message: 'must be a date as YYYY-MM-DD, e.g. 2019-06-01; got "2019-13-01"' },
      { path: 'features[1] (feature 2 "Crossed zone").geometry', message: 'the outline crosses itself (1 self-intersection)' },
    ]);
    expect((await call('GET', '/api/zones')).body.features.length).toBe(before);
    const crs = await call('POST', '/api/zones/import', {
      type: 'FeatureCollection',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
      features: [boldStreet],
    });
    expect(crs.status).toBe(400);
    expect(crs.body.error.message).toMatch(/wrong CRS/);
  });

  it('imports a sites file all or none: a name twice in the file is refused naming both features, and an export imports back unchanged', async () => {
    const site = (name: string, lng: number) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [lng, 53.4026] },
      properties: { name, bufferMetres: 200 },
    });
    const before = (await call('GET', '/api/sites')).body.features.length;
    const twice = await call('POST', '/api/sites/import', { type: 'FeatureCollection', features: [site('Twice', -2.9773), site('Twice', -2.98)] });
    expect(twice.status).toBe(400);
    expect(twice.body.error.issues).toEqual([
      { path: 'features[1] (feature 2).properties.name', message: '"Twice" is also the name of feature 1; names are unique' },
    ]);
    expect((await call('GET', '/api/sites')).body.features.length).toBe(before);
    const imported = await call('POST', '/api/sites/import', { type: 'FeatureCollection', features: [site('Import one', -2.9773), site('Import two', -2.98)] });
    expect([imported.status, imported.body.created, imported.body.updated]).toEqual([200, 2, 0]);
    const exported = await call('GET', '/api/sites.geojson');
    const again = await call('POST', '/api/sites/import', exported.body);
    expect([again.body.created, again.body.updated]).toEqual([0, before + 2]);
    expect((await call('GET', '/api/sites.geojson')).body).toEqual(exported.body);
    for (const f of exported.body.features.filter((x: any) => /^Import /.test(x.properties.name))) await call('DELETE', `/api/sites/${f.id}`);
  });

  it('creates, updates and deletes zones and sites over the API', async () => {
    const z = await call('POST', '/api/zones', { ...boldStreet.properties, name: 'Temporary', geometry: boldStreet.geometry });
    expect(z.status).toBe(201);
    const dup = await call('POST', '/api/zones', { ...boldStreet.properties, name: 'Temporary', geometry: boldStreet.geometry });
    expect(dup.status).toBe(409);
    // A body that fits neither form (a zone, or a Feature of one) is answered field by field for the form it is closest to.
    const point = await call('POST', '/api/zones', { ...boldStreet.properties, name: 'Pointed', geometry: { type: 'Point', coordinates: [-2.98, 53.4] } });
    expect(point.status).toBe(400);
    expect(point.body.error.issues).toEqual([{ path: 'geometry.type', message: 'must be a GeoJSON Polygon or MultiPolygon' }]);
    const u = await call('PUT', `/api/zones/${z.body.id}`, { ...boldStreet.properties, name: 'Temporary', notes: 'changed', geometry: boldStreet.geometry });
    expect(u.body.properties.notes).toBe('changed');
    expect((await call('DELETE', `/api/zones/${z.body.id}`)).status).toBe(200);
    expect((await call('GET', `/api/zones/${z.body.id}`)).status).toBe(404);
    const s = await call('POST', '/api/sites', {
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [-2.977302, 53.4026] },
      properties: { name: 'Bold Street site', bufferMetres: 250 },
    });
    expect(s.status).toBe(201);
    expect((await call('POST', '/api/sites', { name: 'No buffer', geometry: { type: 'Point', coordinates: [-2.977302, 53.4026] } })).body.error.message).toBe(
      'invalid site: bufferMetres: a site given as a point needs a buffer of more than 0 metres',
    );
    const st = await call('GET', `/api/sites/${s.body.id}/statistics?scheme=count`);
    expect(st.status).toBe(200);
    expect(st.body.geometry.type).toBe('Polygon');
    // Every proxy incident within 250 m of the point (haversine on the published positions), give or take the 16-step ring.
    const near = proxy.filter((r) => r.Longitude !== '' && haversine(Number(r.Longitude), Number(r.Latitude), -2.977302, 53.4026) < 249).length;
    const far = proxy.filter((r) => r.Longitude !== '' && haversine(Number(r.Longitude), Number(r.Latitude), -2.977302, 53.4026) < 251).length;
    expect(st.body.properties.totals.incidents).toBeGreaterThanOrEqual(near);
    expect(st.body.properties.totals.incidents).toBeLessThanOrEqual(far);
  });

  it("counts a zone's incidents per phase and compares them with the force-wide change", async () => {
    const zone = (await call('GET', '/api/zones')).body.features.find((f: any) => f.properties.name === boldStreet.properties.name);
    const r = await call('GET', `/api/zones/${zone.id}/statistics?scheme=count&baselineMonths=6`);
    expect(r.status).toBe(200);
    const p = r.body.properties;
    const zoneRows = proxy.filter(inBox);
    expect(zoneRows.length).toBeGreaterThan(50);
    expect(p.totals.incidents).toBe(zoneRows.length);
    // Force-wide: proxy incidents inside the five districts, found here with turf over the district outlines.
    const districts = (await call('GET', '/api/boundaries?kind=district')).body.features;
    const inForce = (r: Record<string, string>) =>
      r.Longitude !== '' && districts.some((d: any) => booleanPointInPolygon([Number(r.Longitude), Number(r.Latitude)], d.geometry));
    const forceRows = proxy.filter(inForce);
    const count = (list: typeof rows, from: string, to: string) => list.filter((x) => x.month! >= from && x.month! <= to).length;
    expect(p.phases.map((x: any) => [x.phase, x.from, x.to])).toEqual([
      ['before clear', '2019-01', '2019-06'],
      ['clear', '2019-07', '2019-09'],
      ['hold', '2019-10', '2019-12'],
      ['build', '2020-01', '2020-03'],
    ]);
    for (const ph of p.phases) {
      expect(ph.area.incidents).toBe(count(zoneRows, ph.from, ph.to));
      expect(ph.comparison.incidents).toBe(count(forceRows, ph.from, ph.to));
    }
    const build = p.phases[3];
    const expected = countChange({
      before: { count: count(zoneRows, '2019-01', '2019-06'), exposure: 6 },
      after: { count: count(zoneRows, '2020-01', '2020-03'), exposure: 3 },
    });
    expect(build.areaChange.pValue).toBeCloseTo(expected.pValue, 12);
    expect(build.relative.ratio).toBeCloseTo(
      count(zoneRows, '2020-01', '2020-03') /
        count(zoneRows, '2019-01', '2019-06') /
        (count(forceRows, '2020-01', '2020-03') / count(forceRows, '2019-01', '2019-06')),
      12,
    );
    // The last 3 months against the previous 3, by the exact test.
    const change = p.change[0];
    expect([change.recent.incidents, change.earlier.incidents]).toEqual([count(zoneRows, '2020-01', '2020-03'), count(zoneRows, '2019-10', '2019-12')]);
    expect(p.change[1].earlier.incidents).toBe(count(zoneRows, '2019-01', '2019-03'));
    // Named by its ward and its most frequent named street among the incidents, counted here from the rows.
    const streets = new Map<string, number>();
    for (const x of zoneRows) if (/ (Street|Place|Road|Lane|Square|Row)$/.test(x.Location!)) streets.set(x.Location!, (streets.get(x.Location!) ?? 0) + 1);
    const top = [...streets.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0].replace('On or near ', '');
    expect(p.area.placeName).toMatch(new RegExp(`^(Central|Riverside)( & (Central|Riverside))?, Liverpool — ${top} area$`));
    expect(p.population.method).toMatch(/areal weighting/);
    expect(p.series.length).toBe(MONTHS.length);
  });

  it('gives a ward its incidents, rate per 1,000 residents, change and deprivation, with the vintage used', async () => {
    const r = await call('GET', '/api/areas/ward/E05000889/statistics?scheme=count'); // Central, Liverpool
    expect(r.status).toBe(200);
    const p = r.body.properties;
    expect(p.area.name).toBe('Central');
    expect(p.area.boundaryVintage).toBe('2019');
    expect(p.vintagesUsed).toEqual([{ wardVintage: '2019', lsoaVintage: '2011', incidents: p.totals.incidents }]);
    // The ward's LSOAs by the best-fit lookup and their mid-2015 residents, from the real files.
    const lookup = readRows(path.join(dataDir, 'boundaries', 'merseyside-lsoa11-ward19-lookup.csv'))
      .filter((l) => l.WD19CD === 'E05000889')
      .map((l) => l.LSOA11CD);
    const iod = readRows(path.join(dataDir, 'deprivation', 'iod2019-lsoa-merseyside.csv')).filter((l) => lookup.includes(l['LSOA code (2011)']!));
    const residents = iod.reduce((s, l) => s + Number(l['Total population: mid 2015 (excluding prisoners)']), 0);
    expect(p.population.residents).toBe(residents);
    expect(p.rate.perThousand).toBeCloseTo((p.totals.incidents / residents) * 1000, 9);
    expect(p.deprivation.lsoas).toBe(lookup.length);
    expect(p.offenceMix.reduce((s: number, m: any) => s + m.incidents, 0)).toBe(p.totals.incidents);
    expect(p.change[0].test.method).toMatch(/exact conditional Poisson/);
    const bad = await call('GET', '/api/areas/ward/E05999999/statistics');
    expect(bad.status).toBe(404);
    expect(bad.body.error.message).toMatch(/no ward with code E05999999/);
  });

  it('gives statistics and a name for H3 cells and for a posted outline', async () => {
    const hchh = await call('GET', '/api/hchh?resolution=9&maxAreas=1');
    const cells = hchh.body.features[0].properties.cellIds;
    const s = await call('POST', '/api/areas/statistics?scheme=count', { cells });
    expect(s.status).toBe(200);
    expect(s.body.properties.totals.incidents).toBe(hchh.body.features[0].properties.incidents);
    const name = await call('POST', '/api/areas/name', { cells });
    expect(name.body.name).toMatch(/, (Liverpool|Knowsley|Sefton|St\. Helens|Wirral)( — .+ area)?$/);
    const posted = await call('POST', '/api/areas/statistics?scheme=count', { geometry: boldStreet.geometry });
    expect(posted.body.properties.totals.incidents).toBe(proxy.filter(inBox).length);
    const bad = await call('POST', '/api/areas/statistics', {
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [-2.98, 53.4],
            [-2.97, 53.4],
          ],
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0]).toEqual({ path: 'geometry', message: 'a ring has fewer than 4 positions' });
  });
});

function haversine(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const r = 6371008.8,
    rad = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(a));
}
