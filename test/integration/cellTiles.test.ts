import zlib from 'node:zlib';
import { VectorTile } from '@mapbox/vector-tile';
import { booleanIntersects, bboxPolygon, polygon } from '@turf/turf';
import { cellToBoundary, cellToLatLng } from 'h3-js';
import { PbfReader } from 'pbf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/server';
import { dbLabel } from '../support/db';
import { startTestServer } from '../support/server';

const MONTHS = ['2019-10', '2019-11', '2019-12'];

interface Cells {
  cells: string[];
  incidents: number[];
  harm: number[];
}
interface Summary {
  cells: number;
  withIncidents: number;
  empty: number;
  max: { incidents: number; harm: number };
  bounds: [number, number, number, number];
  tiles: { url: string; layer: string; minzoom: number; maxzoom: number };
}
type Decoded = Map<string, { incidents: number; harm: number; rank: number; ring: number[][] }>;

/** The web-mercator tile holding a point (the slippy-map formula, written out here as the reference). */
function tileOf(lng: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return [Math.floor(((lng + 180) / 360) * n), Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n)];
}
function boxOf(z: number, x: number, y: number): [number, number, number, number] {
  const n = 2 ** z;
  const lat = (j: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * j) / n))) * 180) / Math.PI;
  return [(x / n) * 360 - 180, lat(y + 1), ((x + 1) / n) * 360 - 180, lat(y)];
}

// The cell tiles on the real server over three real Merseyside months, decoded with @mapbox/vector-tile
// and checked against /api/cells for the same query and against the hexagons' own geometry (h3-js, turf).
describe(`cell vector tiles on ${dbLabel}, real data ${MONTHS[0]}…${MONTHS[2]}`, () => {
  let server: RunningServer;
  const json = async <T>(p: string): Promise<T> => {
    const res = await fetch(server.url + p);
    expect(res.status, p).toBe(200);
    return (await res.json()) as T;
  };
  const tile = async (q: string, z: number, x: number, y: number): Promise<Decoded> => {
    const res = await fetch(`${server.url}/api/cells/tiles/${z}/${x}/${y}.mvt?${q}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/vnd\.mapbox-vector-tile/);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const out: Decoded = new Map();
    if (!bytes.length) return out;
    const layer = new VectorTile(new PbfReader(bytes)).layers.cells;
    expect(layer, 'layer "cells"').toBeDefined();
    for (let i = 0; i < layer!.length; i++) {
      const f = layer!.feature(i);
      const g = f.toGeoJSON(x, y, z);
      expect(g.geometry.type).toBe('Polygon');
      const p = f.properties as { cell: string; incidents: number; harm: number; rank: number };
      expect(out.has(p.cell), `${p.cell} twice in ${z}/${x}/${y}`).toBe(false);
      out.set(p.cell, { incidents: p.incidents, harm: p.harm, rank: p.rank, ring: (g.geometry as GeoJSON.Polygon).coordinates[0]! });
    }
    return out;
  };
  const byCell = (c: Cells) => new Map(c.cells.map((cell, i) => [cell, { incidents: c.incidents[i]!, harm: c.harm[i]!, rank: i + 1 }]));

  beforeAll(async () => {
    server = await startTestServer(MONTHS);
  });
  afterAll(async () => {
    await server?.close();
  });

  for (const resolution of [9, 10]) {
    it(`tiles every resolution-${resolution} cell of /api/cells once per zoom-10 tile it meets, with the same numbers`, async () => {
      const q = `resolution=${resolution}&from=2019-10&to=2019-12`;
      const cells = await json<Cells>(`/api/cells?${q}`);
      const expected = byCell(cells);
      const summary = await json<Summary>(`/api/cells/summary?${q}`);
      expect(summary.cells).toBe(cells.cells.length);
      expect(summary.withIncidents).toBe(cells.cells.length);
      expect(summary.max).toEqual({ incidents: Math.max(...cells.incidents), harm: Math.max(...cells.harm) });
      expect(summary.tiles.url).toBe(`/api/cells/tiles/{z}/{x}/{y}.mvt?${q}`);
      // Every zoom-10 tile over the cells' extent: each cell is in every tile its hexagon meets.
      const z = 10;
      const [x0, y1] = tileOf(summary.bounds[0], summary.bounds[1], z);
      const [x1, y0] = tileOf(summary.bounds[2], summary.bounds[3], z);
      const seen = new Set<string>();
      for (let x = x0; x <= x1; x++)
        for (let y = y0; y <= y1; y++) {
          const got = await tile(q, z, x, y);
          const box = bboxPolygon(boxOf(z, x, y));
          for (const [cell, v] of got) {
            seen.add(cell);
            expect({ cell, ...v, ring: undefined }).toEqual({ cell, ...expected.get(cell), ring: undefined });
          }
          for (const cell of cells.cells) {
            if (booleanIntersects(polygon([cellToBoundary(cell, true)]), box)) expect(got.has(cell), `${cell} meets ${z}/${x}/${y}`).toBe(true);
          }
        }
      expect(seen.size).toBe(cells.cells.length);
    });
  }

  it('draws each hexagon where h3-js puts it, at the zoom where tiles stop', async () => {
    const q = 'resolution=10&from=2019-10&to=2019-12';
    const cells = await json<Cells>(`/api/cells?${q}`);
    const summary = await json<Summary>(`/api/cells/summary?${q}`);
    expect(summary.tiles.maxzoom).toBe(13);
    const top = cells.cells[0]!;
    const [lat, lng] = cellToLatLng(top);
    const z = summary.tiles.maxzoom;
    const [x, y] = tileOf(lng, lat, z);
    const got = await tile(q, z, x, y);
    const [w, s, e, n] = boxOf(z, x, y);
    const inside = cells.cells.filter((c) => cellToBoundary(c, true).every(([a, b]) => a! > w && a! < e && b! > s && b! < n));
    expect(inside).toContain(top);
    for (const cell of inside) {
      const ring = got.get(cell)!.ring;
      // A hexagon wholly inside the tile is not clipped: its six corners, to within a tile unit (~0.7 m here).
      expect(ring.length).toBe(7);
      for (const [a, b] of cellToBoundary(cell, true)) expect(Math.min(...ring.map(([c, d]) => Math.hypot(c! - a!, d! - b!)))).toBeLessThan(1e-5);
    }
    expect(got.get(top)).toMatchObject({ incidents: cells.incidents[0], harm: cells.harm[0], rank: 1 });
  });

  it('includes the empty study-area cells with zeros=true, as /api/cells does', async () => {
    const q = 'resolution=9&from=2019-11&to=2019-11&zeros=true';
    const cells = await json<Cells>(`/api/cells?${q}`);
    const summary = await json<Summary>(`/api/cells/summary?${q}`);
    expect(summary.cells).toBe(cells.cells.length);
    expect(summary.empty).toBe(cells.incidents.filter((n) => n === 0).length);
    expect(summary.empty).toBeGreaterThan(0);
    const [x, y] = tileOf(-2.98, 53.41, 11);
    const got = await tile(q, 11, x, y);
    const expected = new Map(cells.cells.map((c, i) => [c, { incidents: cells.incidents[i]!, harm: cells.harm[i]! }]));
    expect([...got.values()].some((v) => v.incidents === 0 && v.rank === 0)).toBe(true);
    for (const [cell, v] of got) expect({ incidents: v.incidents, harm: v.harm }).toEqual(expected.get(cell));
  });

  it('answers an empty tile far from the data, refuses tiles that do not exist, and is cached and gzipped', async () => {
    const q = 'resolution=9';
    expect((await tile(q, 10, 0, 0)).size).toBe(0);
    const bad = await fetch(`${server.url}/api/cells/tiles/3/8/1.mvt?${q}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/tile 8\/1 does not exist at zoom 3/);
    const [x, y] = tileOf(-2.98, 53.41, 11);
    const url = `${server.url}/api/cells/tiles/11/${x}/${y}.mvt?${q}`;
    const first = await fetch(url, { headers: { 'accept-encoding': 'gzip' } });
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await fetch(url, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    // fetch undoes the gzip; node's http shows it: the body on the wire is gzip and inflates to the tile.
    const raw = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      import('node:http').then(({ get }) =>
        get(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(parts) }));
        }).on('error', reject),
      );
    });
    expect(raw.encoding).toBe('gzip');
    expect(Buffer.compare(zlib.gunzipSync(raw.body), Buffer.from(await first.arrayBuffer()))).toBe(0);
  });

  it('lists the top cells in a box as /api/cells ranks them', async () => {
    const q = 'resolution=10&from=2019-10&to=2019-12';
    const cells = await json<Cells>(`/api/cells?${q}`);
    const summary = await json<Summary>(`/api/cells/summary?${q}`);
    const all = await json<{ cells: { cell: string; incidents: number; harm: number }[] }>(`/api/cells/top?${q}&bbox=${summary.bounds.join(',')}&limit=10`);
    expect(all.cells.map((c) => c.cell)).toEqual(cells.cells.slice(0, 10));
    // A small box around one cell's centre: that cell is among the cells found, and no cell far away is.
    const [lat, lng] = cellToLatLng(cells.cells[5]!);
    const near = await json<{ cells: { cell: string }[] }>(
      `/api/cells/top?${q}&bbox=${lng - 0.0005},${lat - 0.0005},${lng + 0.0005},${lat + 0.0005}&limit=100`,
    );
    expect(near.cells.map((c) => c.cell)).toContain(cells.cells[5]);
    for (const c of near.cells) {
      const [a, b] = cellToLatLng(c.cell);
      expect(Math.hypot(a - lat, b - lng)).toBeLessThan(0.005);
    }
    const byCount = await json<{ cells: { incidents: number }[] }>(`/api/cells/top?${q}&bbox=${summary.bounds.join(',')}&by=incidents&limit=5`);
    expect(byCount.cells.map((c) => c.incidents)).toEqual([...cells.incidents].sort((a, b) => b - a).slice(0, 5));
  });
});
