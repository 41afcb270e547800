import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { VectorTile } from '@mapbox/vector-tile';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import { PbfReader } from 'pbf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasemapTiles } from '../../server/tiles/basemap';
import { createBasemapRouter } from '../../server/tiles/router';
import { dataDir, tempDir } from '../support/data';

// Tile 14/8056/5306 covers Liverpool city centre around Bold Street and Church Street.
const CITY_CENTRE = [14, 8056, 5306] as const;

interface Glyph {
  id: number;
  bitmap?: Uint8Array;
  width: number;
  height: number;
  left: number;
  top: number;
  advance: number;
}

/** glyphs.proto read independently of MapLibre: fontstacks(1) { name(1), range(2), glyphs(3) }. */
function readGlyphs(buf: Uint8Array): { name: string; range: string; glyphs: Glyph[] } {
  const out = { name: '', range: '', glyphs: [] as Glyph[] };
  new PbfReader(buf).readFields((tag, _o, pbf) => {
    if (tag !== 1) return;
    pbf.readMessage((t, _s, p) => {
      if (t === 1) out.name = p.readString();
      else if (t === 2) out.range = p.readString();
      else if (t === 3) {
        out.glyphs.push(
          p.readMessage(
            (g, glyph: Glyph, q) => {
              if (g === 1) glyph.id = q.readVarint();
              else if (g === 2) glyph.bitmap = q.readBytes();
              else if (g === 3) glyph.width = q.readVarint();
              else if (g === 4) glyph.height = q.readVarint();
              else if (g === 5) glyph.left = q.readSVarint();
              else if (g === 6) glyph.top = q.readSVarint();
              else if (g === 7) glyph.advance = q.readVarint();
            },
            { id: 0, width: 0, height: 0, left: 0, top: 0, advance: 0 },
          ),
        );
      }
    }, null);
  }, null);
  return out;
}

function listen(app: express.Express): Promise<{ url: string; server: Server }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }));
  });
}

describe('offline basemap tiles from the real OpenStreetMap layers', () => {
  const tiles = new BasemapTiles(dataDir);

  it('cuts a street-level tile with named roads, buildings and the district outline', () => {
    const pbf = tiles.tile(...CITY_CENTRE);
    expect(pbf).not.toBeNull();
    const tile = new VectorTile(new PbfReader(pbf!));
    expect(Object.keys(tile.layers)).toEqual(expect.arrayContaining(['roads', 'buildings', 'places']));
    const names = new Set<string>();
    for (let i = 0; i < tile.layers.roads!.length; i++) {
      const name = tile.layers.roads!.feature(i).properties.name;
      if (typeof name === 'string') names.add(name);
    }
    expect(names.has('Bold Street')).toBe(true);
    expect(names.size).toBeGreaterThan(30);
  });

  it('keeps low-zoom tiles small by leaving out minor roads', () => {
    const tile = new VectorTile(new PbfReader(tiles.tile(9, 251, 165)!));
    const classes = new Set<string>();
    for (let i = 0; i < tile.layers.roads!.length; i++) classes.add(String(tile.layers.roads!.feature(i).properties.class));
    expect([...classes].every((c) => ['motorway', 'trunk', 'primary'].includes(c))).toBe(true);
    expect(tiles.tile(9, 251, 165)!.length).toBeLessThan(200_000);
  });

  it('answers empty tiles with nothing', () => {
    expect(tiles.tile(14, 0, 0)).toBeNull();
  });
});

describe('basemap router over HTTP', () => {
  let real: { url: string; server: Server };
  let empty: { url: string; server: Server };
  beforeAll(async () => {
    real = await listen(express().use(createBasemapRouter({ dataDir })));
    empty = await listen(express().use(createBasemapRouter({ dataDir: tempDir('harmgrid-nobasemap-') })));
  });
  afterAll(() => {
    real.server.close();
    empty.server.close();
  });

  it('serves a valid style whose sources, glyphs and attribution are all local', async () => {
    const res = await fetch(`${real.url}/tiles/style.json`);
    expect(res.status).toBe(200);
    const style = (await res.json()) as {
      glyphs: string;
      sprite?: string;
      sources: Record<string, { tiles: string[]; attribution: string }>;
      layers: { id: string; layout?: Record<string, unknown> }[];
    };
    expect(validateStyleMin(style as never)).toEqual([]);
    expect(style.glyphs).toBe(`${real.url}/tiles/glyphs/{fontstack}/{range}.pbf`);
    expect(style.sprite).toBeUndefined();
    expect(style.sources.basemap!.tiles).toEqual([`${real.url}/tiles/basemap/{z}/{x}/{y}.pbf`]);
    for (const text of ['OpenStreetMap contributors', 'Office for National Statistics', 'OS data', 'data.police.uk', 'OGL v3']) {
      expect(style.sources.basemap!.attribution).toContain(text);
    }
    expect(style.layers.map((l) => l.id)).toEqual(expect.arrayContaining(['water', 'roads-main', 'road-labels', 'place-towns']));
    // District and ward outlines come from the loaded boundaries (the web app draws them), not from the tiles.
    expect(style.layers.map((l) => l.id)).not.toContain('districts');
  });

  it('serves a city-centre tile as protobuf', async () => {
    const res = await fetch(`${real.url}/tiles/basemap/${CITY_CENTRE.join('/')}.pbf`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/x-protobuf/);
    expect(res.headers.get('content-encoding')).toBe('gzip'); // fetch asks for gzip and inflates the body
    const tile = new VectorTile(new PbfReader(new Uint8Array(await res.arrayBuffer())));
    expect(tile.layers.roads!.length).toBeGreaterThan(100);
    expect((await fetch(`${real.url}/tiles/basemap/15/1/1.pbf`)).status).toBe(400);
  });

  it('serves SDF glyph ranges drawn from Noto Sans, for each font the style names', async () => {
    const res = await fetch(`${real.url}/tiles/glyphs/${encodeURIComponent('Noto Sans Regular')}/0-255.pbf`);
    expect(res.status).toBe(200);
    const range = readGlyphs(new Uint8Array(await res.arrayBuffer()));
    expect(range.name).toBe('Noto Sans Regular');
    expect(range.range).toBe('0-255');
    const byId = new Map(range.glyphs.map((g) => [g.id, g]));
    for (const ch of "AZaz09 .,-'&éö") expect(byId.has(ch.codePointAt(0)!), ch).toBe(true);
    const a = byId.get('A'.codePointAt(0)!)!;
    expect(a.bitmap!.length).toBe((a.width + 6) * (a.height + 6)); // 3 px border
    expect(a.height).toBeGreaterThan(14); // cap height ~17 px at 24 px per em
    expect(a.advance).toBeGreaterThan(10);
    expect(Math.max(...a.bitmap!)).toBeGreaterThan(192); // inside the outline (the edge is at 192)
    expect(Math.min(...a.bitmap!)).toBeLessThan(100); // far outside
    const space = byId.get(32)!;
    expect(space.width).toBe(0);
    expect(space.advance).toBeGreaterThan(3);
    // Bold is wider than regular; a stack falls back font by font; unknown fonts and ranges are refused clearly.
    const bold = readGlyphs(new Uint8Array(await (await fetch(`${real.url}/tiles/glyphs/Noto%20Sans%20Bold/0-255.pbf`)).arrayBuffer()));
    expect(bold.glyphs.find((g) => g.id === 77)!.advance).toBeGreaterThan(byId.get(77)!.advance);
    expect((await fetch(`${real.url}/tiles/glyphs/Noto%20Sans%20Bold,Noto%20Sans%20Regular/8192-8447.pbf`)).status).toBe(200);
    const unknown = await fetch(`${real.url}/tiles/glyphs/Comic%20Sans/0-255.pbf`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(/Noto Sans Regular/);
    expect((await fetch(`${real.url}/tiles/glyphs/Noto%20Sans%20Regular/3-99.pbf`)).status).toBe(400);
  });

  it('without basemap files: tiles answer 404 with a message and the style still works', async () => {
    const tile = await fetch(`${empty.url}/tiles/basemap/${CITY_CENTRE.join('/')}.pbf`);
    expect(tile.status).toBe(404);
    expect(((await tile.json()) as { error: { message: string } }).error.message).toMatch(/no basemap layers found/);
    const style = (await (await fetch(`${empty.url}/tiles/style.json`)).json()) as { sources: object; layers: { id: string }[] };
    expect(validateStyleMin(style as never)).toEqual([]);
    expect(style.sources).toEqual({});
    expect(style.layers.map((l) => l.id)).toEqual(['background']);
  });

  it('tells the web app which style to load', async () => {
    // The offline layers say what they cover: the box of their places, computed here independently.
    const places = JSON.parse(fs.readFileSync(path.join(dataDir, 'basemap/places.geojson'), 'utf8')) as {
      features: { geometry: { coordinates: [number, number] } }[];
    };
    const xs = places.features.map((f) => f.geometry.coordinates[0]),
      ys = places.features.map((f) => f.geometry.coordinates[1]);
    expect(await (await fetch(`${real.url}/tiles/config`)).json()).toEqual({
      styleUrl: '/tiles/style.json',
      external: false,
      basemap: { kind: 'osm', bounds: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)] },
    });
    expect(await (await fetch(`${empty.url}/tiles/config`)).json()).toEqual({
      styleUrl: '/tiles/style.json',
      external: false,
      basemap: { kind: 'none', bounds: null },
    });
    const other = await listen(express().use(createBasemapRouter({ dataDir, styleUrl: 'https://example.org/style.json' })));
    try {
      expect(await (await fetch(`${other.url}/tiles/config`)).json()).toEqual({
        styleUrl: 'https://example.org/style.json',
        external: true,
        basemap: { kind: 'style', bounds: null },
      });
    } finally {
      other.server.close();
    }
  });
});
