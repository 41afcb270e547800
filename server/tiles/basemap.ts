import fs from 'node:fs';
import path from 'node:path';
import GeoJSONVT from 'geojson-vt';
import vtpbf from 'vt-pbf';

/**
 * The OpenStreetMap layers of the offline basemap (scripts/build-basemap.ts writes them for any
 * area). District and ward outlines are not among them: the web app draws the loaded boundaries.
 */
export const BASEMAP_LAYERS = [
  { layer: 'water', file: 'basemap/water.geojson', minzoom: 0 },
  { layer: 'landuse', file: 'basemap/landuse.geojson', minzoom: 12 },
  { layer: 'green', file: 'basemap/green.geojson', minzoom: 11 },
  { layer: 'waterways', file: 'basemap/waterways.geojson', minzoom: 11 },
  // scripts/build-basemap.ts writes buildings.geojson; an older folder may name it buildings_<area>.geojson.
  { layer: 'buildings', file: 'basemap/buildings.geojson', minzoom: 14 },
  { layer: 'paths', file: 'basemap/paths.geojson', minzoom: 14 },
  { layer: 'rail', file: 'basemap/rail.geojson', minzoom: 10 },
  { layer: 'ferries', file: 'basemap/ferries.geojson', minzoom: 10 },
  { layer: 'roads', file: 'basemap/roads.geojson', minzoom: 7 },
  { layer: 'places', file: 'basemap/places.geojson', minzoom: 0 },
] as const;

/** The zoom from which a road class is drawn, so that low-zoom tiles stay small. */
const ROAD_MINZOOM: Record<string, number> = { motorway: 7, trunk: 7, primary: 8, secondary: 10, tertiary: 11 };
function keepFeature(layer: string, z: number, tags: Record<string, unknown> | null): boolean {
  if (layer !== 'roads') return true;
  return z >= (ROAD_MINZOOM[String(tags?.class)] ?? 13);
}

export const BASEMAP_MAX_ZOOM = 14;

/**
 * Vector tiles cut from the basemap GeoJSON on demand with geojson-vt and encoded with vt-pbf, so the
 * browser never receives whole GeoJSON layers. The files are read once, on the first tile request.
 */
export class BasemapTiles {
  /** One geojson-vt index per layer, built when a tile first needs that layer (null: no file). */
  private readonly indexes = new Map<string, GeoJSONVT | null>();
  private readonly cache = new Map<string, Uint8Array>();
  readonly missing: string[] = [];

  constructor(private readonly dataDir: string) {}

  private index(l: (typeof BASEMAP_LAYERS)[number]): GeoJSONVT | null {
    if (this.indexes.has(l.layer)) return this.indexes.get(l.layer)!;
    const file = this.fileOf(l.file);
    let index: GeoJSONVT | null = null;
    if (fs.existsSync(file)) {
      const data = JSON.parse(fs.readFileSync(file, 'utf8'));
      index = new GeoJSONVT(data, { maxZoom: BASEMAP_MAX_ZOOM, indexMaxZoom: 6, tolerance: 3, buffer: 64, extent: 4096 });
    } else this.missing.push(l.file);
    this.indexes.set(l.layer, index);
    return index;
  }

  /**
   * Reads and indexes the layers a first view needs (all but those drawn only from z14, paths and
   * buildings), one layer a turn of the event loop, so a server that has just started answers
   * requests meanwhile and the first map it serves does not wait for the indexes (about 1 s).
   */
  async prepare(): Promise<void> {
    for (const l of BASEMAP_LAYERS) {
      if (l.minzoom >= BASEMAP_MAX_ZOOM) continue;
      await new Promise((resolve) => setImmediate(resolve));
      this.index(l);
    }
  }

  /** A layer's file; buildings may carry the name of the area they were clipped to. */
  private fileOf(file: string): string {
    const full = path.join(this.dataDir, file);
    if (fs.existsSync(full) || !file.endsWith('buildings.geojson')) return full;
    const dir = path.dirname(full);
    const other = fs.existsSync(dir) ? fs.readdirSync(dir).find((f) => /^buildings.*\.geojson$/.test(f)) : undefined;
    return other ? path.join(dir, other) : full;
  }

  /** Whether any basemap file exists, without reading it (the style must stay fast). */
  hasFiles(): boolean {
    return BASEMAP_LAYERS.some((l) => fs.existsSync(this.fileOf(l.file)));
  }

  private box: [number, number, number, number] | null | undefined;

  /**
   * The area the layers cover: the box of the places layer (a few kilobytes; places are spread over
   * the whole area an extract covers), or of the water or roads where it is missing, read once. The
   * web app compares it with the data's extent.
   */
  bounds(): [number, number, number, number] | null {
    if (this.box !== undefined) return this.box;
    const files = ['places', 'water', 'roads']
      .map((id) => path.join(this.dataDir, BASEMAP_LAYERS.find((l) => l.layer === id)!.file))
      .filter((f) => fs.existsSync(f));
    this.box = null;
    for (const file of files) {
      let w = Infinity,
        s = Infinity,
        e = -Infinity,
        n = -Infinity;
      const walk = (c: unknown): void => {
        if (Array.isArray(c) && typeof c[0] === 'number') {
          const [x, y] = c as number[];
          w = Math.min(w, x!);
          e = Math.max(e, x!);
          s = Math.min(s, y!);
          n = Math.max(n, y!);
        } else if (Array.isArray(c)) c.forEach(walk);
      };
      for (const f of (JSON.parse(fs.readFileSync(file, 'utf8')) as GeoJSON.FeatureCollection).features)
        walk((f.geometry as { coordinates?: unknown } | null)?.coordinates);
      if (Number.isFinite(w)) {
        this.box = [w, s, e, n];
        break;
      }
    }
    return this.box;
  }

  /** Whether any basemap layer is available in the data folder. */
  available(): boolean {
    return this.hasFiles();
  }

  /**
   * The encoded tile, or null when no layer has features there. A layer's file is read and indexed
   * on the first tile that shows it (about 2 s for all of them; paths and buildings only from z14).
   */
  tile(z: number, x: number, y: number): Uint8Array | null {
    const key = `${z}/${x}/${y}`;
    const hit = this.cache.get(key);
    if (hit) return hit.length ? hit : null;
    const layers: Record<string, { features: unknown[] }> = {};
    for (const l of BASEMAP_LAYERS) {
      if (z < l.minzoom) continue;
      const t = this.index(l)?.getTile(z, x, y);
      const features = t?.features.filter((f) => keepFeature(l.layer, z, f.tags)) ?? [];
      if (features.length) layers[l.layer] = { features };
    }
    const encoded = Object.keys(layers).length ? vtpbf.fromGeojsonVt(layers as never, { version: 2, extent: 4096 }) : new Uint8Array(0);
    if (this.cache.size > 4000) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, encoded);
    return encoded.length ? encoded : null;
  }
}
