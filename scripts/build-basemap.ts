/**
 * npx tsx scripts/build-basemap.ts EXTRACT.osm.pbf OUTDIR [--bbox west,south,east,north]
 *
 * Builds the offline basemap layers for any area from an OpenStreetMap extract (for example a county
 * extract from Geofabrik), with Debian's osmium-tool (`apt-get install osmium-tool`): the extract is
 * clipped to the box (osmium extract), cut down to the objects a basemap draws (osmium tags-filter)
 * and exported as GeoJSON sequences (osmium export); each feature is then sorted into the layers
 * harmgrid's tile server reads, with the properties of the shipped folder (OpenMapTiles-like `class`
 * values): roads, paths, rail, ferries, water, waterways, green, landuse, places, buildings.
 * Point HARMGRID_DATA_DIR at the folder holding OUTDIR as `basemap/`. The data stay © OpenStreetMap
 * contributors under the ODbL: keep the attribution.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

type Props = Record<string, string | undefined>;
type Layer = 'roads' | 'paths' | 'rail' | 'ferries' | 'water' | 'waterways' | 'green' | 'landuse' | 'places' | 'buildings';
export const LAYERS: Layer[] = ['roads', 'paths', 'rail', 'ferries', 'water', 'waterways', 'green', 'landuse', 'places', 'buildings'];

const ROAD_CLASS: Record<string, string> = {
  motorway: 'motorway',
  trunk: 'trunk',
  primary: 'primary',
  secondary: 'secondary',
  tertiary: 'tertiary',
  residential: 'minor',
  unclassified: 'minor',
  living_street: 'minor',
  road: 'minor',
  service: 'service',
  pedestrian: 'pedestrian',
  construction: 'construction',
  raceway: 'raceway',
};
const PATH_CLASS: Record<string, string> = { footway: 'path', steps: 'path', path: 'path', track: 'track', cycleway: 'track', bridleway: 'track' };
const GREEN: Record<string, string> = {
  park: 'grass',
  garden: 'grass',
  golf_course: 'grass',
  recreation_ground: 'grass',
  grass: 'grass',
  grassland: 'grass',
  meadow: 'grass',
  allotments: 'grass',
  village_green: 'grass',
  wood: 'wood',
  forest: 'wood',
  farmland: 'farmland',
  sand: 'sand',
  beach: 'sand',
  wetland: 'wetland',
};
const LANDUSE = new Set([
  'residential',
  'industrial',
  'retail',
  'commercial',
  'school',
  'college',
  'university',
  'hospital',
  'cemetery',
  'pitch',
  'playground',
  'railway',
  'military',
  'stadium',
  'zoo',
  'library',
  'kindergarten',
  'bus_station',
  'theme_park',
]);
const PLACES = new Set(['city', 'town', 'village', 'suburb', 'hamlet', 'neighbourhood', 'locality', 'island', 'islet']);
const brunnel = (p: Props) => (p.bridge && p.bridge !== 'no' ? 'bridge' : p.tunnel && p.tunnel !== 'no' ? 'tunnel' : null);
const named = (p: Props) => p.name ?? null;

/**
 * The layer a feature belongs to and its properties, or null. The rules follow the OpenMapTiles
 * schema's classes (openmaptiles.org/schema), which the shipped layers use.
 */
export function classify(geometry: GeoJSON.Geometry, p: Props): { layer: Layer; properties: Record<string, unknown> } | null {
  const line = geometry.type === 'LineString' || geometry.type === 'MultiLineString';
  const area = geometry.type === 'Polygon' || geometry.type === 'MultiPolygon';
  if (geometry.type === 'Point') return p.place && PLACES.has(p.place) && p.name ? { layer: 'places', properties: { name: p.name, class: p.place } } : null;
  if (line && p.highway) {
    const base = p.highway.replace(/_link$/, '');
    if (ROAD_CLASS[base])
      return {
        layer: 'roads',
        properties: {
          name: named(p),
          class: ROAD_CLASS[base],
          highway: base === ROAD_CLASS[base] ? ROAD_CLASS[base] : base,
          ref: p.ref ?? null,
          brunnel: brunnel(p),
        },
      };
    if (PATH_CLASS[p.highway]) return { layer: 'paths', properties: { name: named(p), class: PATH_CLASS[p.highway], highway: p.highway, brunnel: brunnel(p) } };
    return null;
  }
  if (line && p.railway && !['abandoned', 'disused', 'razed', 'platform'].includes(p.railway))
    return { layer: 'rail', properties: { name: named(p), railway: p.railway, service: p.service ?? null, brunnel: brunnel(p) } };
  if (line && p.route === 'ferry') return { layer: 'ferries', properties: { name: named(p), class: 'ferry' } };
  if (line && p.waterway && ['river', 'canal', 'stream', 'drain', 'ditch'].includes(p.waterway))
    return { layer: 'waterways', properties: { name: named(p), class: p.waterway, brunnel: brunnel(p) } };
  if (!area) return null;
  if (p.building && p.building !== 'no') return { layer: 'buildings', properties: { height: Number.isFinite(Number(p.height)) ? Number(p.height) : null } };
  if (p.natural === 'water' || p.landuse === 'reservoir' || p.landuse === 'basin')
    return { layer: 'water', properties: { class: p.water === 'river' || p.water === 'canal' ? 'river' : 'lake' } };
  if (p.waterway === 'riverbank' || p.waterway === 'dock') return { layer: 'water', properties: { class: 'river' } };
  if (p.leisure === 'nature_reserve' || p.boundary === 'protected_area')
    return { layer: 'green', properties: { class: 'nature_reserve', subclass: 'nature_reserve', name: named(p) } };
  const green = [p.leisure, p.landuse, p.natural].find((v) => v && GREEN[v]);
  if (green) return { layer: 'green', properties: { class: GREEN[green], subclass: green, name: null } };
  const use = [p.landuse, p.amenity, p.leisure].find((v) => v && LANDUSE.has(v));
  if (use) return { layer: 'landuse', properties: { class: use } };
  return null;
}

const round6 = (c: unknown): unknown => (Array.isArray(c) ? (typeof c[0] === 'number' ? c.map((x: number) => Math.round(x * 1e6) / 1e6) : c.map(round6)) : c);

/** Runs the three osmium steps and writes OUTDIR/<layer>.geojson; returns the feature count per layer. */
export async function buildBasemap(extract: string, outDir: string, bbox?: [number, number, number, number]): Promise<Record<Layer, number>> {
  if (!fs.existsSync(extract)) throw new Error(`no OpenStreetMap extract at ${extract}`);
  try {
    execFileSync('osmium', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('osmium is not installed: apt-get install osmium-tool');
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'harmgrid-basemap-'));
  try {
    let input = extract;
    if (bbox) {
      input = path.join(work, 'area.osm.pbf');
      execFileSync('osmium', ['extract', '--bbox', bbox.join(','), '--strategy', 'smart', '-o', input, '--overwrite', extract]);
    }
    const kept = path.join(work, 'kept.osm.pbf');
    execFileSync('osmium', [
      'tags-filter',
      input,
      'w/highway',
      'w/railway',
      'w/route=ferry',
      'w/waterway',
      'n/place',
      'wr/natural',
      'wr/landuse',
      'wr/leisure',
      'wr/amenity',
      'wr/building',
      'wr/boundary=protected_area',
      '-o',
      kept,
      '--overwrite',
    ]);
    const seq = path.join(work, 'features.geojsonseq');
    execFileSync('osmium', ['export', kept, '-f', 'geojsonseq', '-x', 'print_record_separator=false', '-o', seq, '--overwrite']);
    fs.mkdirSync(outDir, { recursive: true });
    const out = new Map(LAYERS.map((l) => [l, fs.createWriteStream(path.join(outDir, `${l}.geojson`))]));
    const counts = Object.fromEntries(LAYERS.map((l) => [l, 0])) as Record<Layer, number>;
    for (const [l, w] of out) w.write(`{"type":"FeatureCollection","name":"${l}","features":[\n`);
    const lines = readline.createInterface({ input: fs.createReadStream(seq) });
    let n = 0;
    for await (const text of lines) {
      n++;
      if (!text.trim()) continue;
      let f: GeoJSON.Feature;
      try {
        f = JSON.parse(text) as GeoJSON.Feature;
      } catch {
        throw new Error(`${seq}, line ${n}: osmium wrote a feature that is not JSON`);
      }
      const hit = f.geometry && classify(f.geometry, (f.properties ?? {}) as Props);
      if (!hit) continue;
      const geometry = { ...f.geometry, coordinates: round6((f.geometry as { coordinates: unknown }).coordinates) };
      out.get(hit.layer)!.write(`${counts[hit.layer]++ ? ',\n' : ''}${JSON.stringify({ type: 'Feature', properties: hit.properties, geometry })}`);
    }
    await Promise.all([...out.values()].map((w) => new Promise((r) => w.end('\n]}\n', () => r(null)))));
    return counts;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const [extract, outDir] = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--bbox');
  const b = process.argv.indexOf('--bbox');
  const bbox = b > 0 ? (process.argv[b + 1]!.split(',').map(Number) as [number, number, number, number]) : undefined;
  if (!extract || !outDir || (bbox && (bbox.length !== 4 || bbox.some((x) => !Number.isFinite(x))))) {
    console.error('usage: npx tsx scripts/build-basemap.ts EXTRACT.osm.pbf OUTDIR [--bbox west,south,east,north]');
    process.exit(2);
  }
  const counts = await buildBasemap(extract, outDir, bbox);
  for (const [l, c] of Object.entries(counts)) console.log(`${l}: ${c.toLocaleString('en-GB')} features`);
}
