import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBasemap, classify } from '../../scripts/build-basemap';
import { BasemapTiles } from '../../server/tiles/basemap';
import { dataDir, tempDir } from '../support/data';

const hasOsmium = (() => {
  try {
    execFileSync('osmium', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

type F = { properties: Record<string, unknown>; geometry: { type: string; coordinates: unknown } };
const read = (file: string) => (JSON.parse(fs.readFileSync(file, 'utf8')) as { features: F[] }).features;
const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * An OpenStreetMap extract written back from the shipped basemap's real features (the roads and places
 * within about 1 km of the first city in its places layer, with their real names and highway tags):
 * the script must give the same features back, with the same classes and coordinates.
 */
function extractFromShipped(dir: string): { file: string; roads: F[]; places: F[] } {
  const allPlaces = read(path.join(dataDir, 'basemap/places.geojson'));
  const city = (allPlaces.find((p) => p.properties.class === 'city') ?? allPlaces[0]!).geometry.coordinates as [number, number];
  const near = (c: [number, number]) => Math.abs(c[0] - city[0]) < 0.015 && Math.abs(c[1] - city[1]) < 0.01;
  const roads = read(path.join(dataDir, 'basemap/roads.geojson'))
    .filter(
      (f) =>
        f.geometry.type === 'LineString' &&
        (f.geometry.coordinates as [number, number][]).every(near) &&
        f.properties.highway &&
        ['primary', 'secondary', 'tertiary', 'residential', 'unclassified', 'service', 'pedestrian'].includes(String(f.properties.highway)),
    )
    .slice(0, 40);
  const places = allPlaces.filter((p) => near(p.geometry.coordinates as [number, number]));
  let id = 0;
  const nodes: string[] = [],
    ways: string[] = [];
  const tag = (k: string, v: unknown) => (v === null || v === undefined ? '' : `<tag k="${k}" v="${esc(String(v))}"/>`);
  for (const p of places) {
    const [x, y] = p.geometry.coordinates as number[];
    nodes.push(`<node id="${++id}" version="1" lat="${y}" lon="${x}">${tag('place', p.properties.class)}${tag('name', p.properties.name)}</node>`);
  }
  for (const r of roads) {
    const refs = (r.geometry.coordinates as number[][]).map(([x, y]) => {
      nodes.push(`<node id="${++id}" version="1" lat="${y}" lon="${x}"/>`);
      return id;
    });
    ways.push(
      `<way id="${++id}" version="1">${refs.map((n) => `<nd ref="${n}"/>`).join('')}${tag('highway', r.properties.highway)}${tag('name', r.properties.name)}${tag('ref', r.properties.ref)}${r.properties.brunnel ? tag(String(r.properties.brunnel), 'yes') : ''}</way>`,
    );
  }
  const file = path.join(dir, 'area.osm');
  fs.writeFileSync(
    file,
    `<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="harmgrid test">\n${nodes.join('\n')}\n${ways.join('\n')}\n</osm>\n`,
  );
  return { file, roads, places };
}

describe('scripts/build-basemap.ts with osmium-tool', () => {
  // CI installs Debian's osmium-tool (.ci/run); without it this test fails, it does not skip.
  it('has osmium-tool installed', () => {
    expect(hasOsmium, 'install osmium-tool (apt-get install osmium-tool)').toBe(true);
  });

  it('gives back the real roads and places of an extract, in the layers and classes the tile server reads', async () => {
    const dir = tempDir('harmgrid-osm-');
    try {
      const { file, roads, places } = extractFromShipped(dir);
      expect(roads.length).toBeGreaterThan(10);
      expect(places.length).toBeGreaterThan(0);
      const out = path.join(dir, 'data', 'basemap');
      const counts = await buildBasemap(file, out);
      expect(counts.roads).toBe(roads.length);
      expect(counts.places).toBe(places.length);
      const built = read(path.join(out, 'roads.geojson'));
      const key = (f: F) =>
        JSON.stringify([
          f.properties.name,
          f.properties.class,
          f.properties.highway,
          f.properties.ref ?? null,
          f.properties.brunnel ?? null,
          f.geometry.coordinates,
        ]);
      expect(built.map(key).sort()).toEqual(roads.map(key).sort());
      expect(
        read(path.join(out, 'places.geojson'))
          .map((p) => `${p.properties.name}|${p.properties.class}`)
          .sort(),
      ).toEqual(places.map((p) => `${p.properties.name}|${p.properties.class}`).sort());
      // The tile server reads the folder as it is, and tells what it covers.
      const tiles = new BasemapTiles(path.join(dir, 'data'));
      expect(tiles.hasFiles()).toBe(true);
      expect(tiles.bounds()).not.toBeNull();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a missing extract clearly', async () => {
    await expect(buildBasemap('/nonexistent/area.osm.pbf', tempDir())).rejects.toThrow(/no OpenStreetMap extract at \/nonexistent\/area\.osm\.pbf/);
  });
});

describe('basemap classes of OpenStreetMap tags', () => {
  const line: GeoJSON.Geometry = {
    type: 'LineString',
    coordinates: [
      [0, 0],
      [1, 1],
    ],
  };
  const area: GeoJSON.Geometry = {
    type: 'Polygon',
    coordinates: [
      [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 0],
      ],
    ],
  };
  it('follows the OpenMapTiles classes the shipped layers use', () => {
    expect(classify(line, { highway: 'primary_link' })?.properties).toMatchObject({ class: 'primary', highway: 'primary' });
    expect(classify(line, { highway: 'residential' })?.properties).toMatchObject({ class: 'minor', highway: 'residential' });
    expect(classify(line, { highway: 'footway' })?.layer).toBe('paths');
    expect(classify(line, { railway: 'abandoned' })).toBeNull();
    expect(classify(line, { highway: 'primary', tunnel: 'yes' })?.properties.brunnel).toBe('tunnel');
    expect(classify(area, { leisure: 'park' })?.properties).toMatchObject({ class: 'grass', subclass: 'park' });
    expect(classify(area, { natural: 'water' })?.layer).toBe('water');
    expect(classify(area, { amenity: 'hospital' })?.properties).toEqual({ class: 'hospital' });
    expect(classify({ type: 'Point', coordinates: [0, 0] }, { place: 'town' })).toBeNull(); // a place needs a name
  });
});
