import fs from 'node:fs';
import { PMTiles, TileType, type RangeResponse, type Source } from 'pmtiles';

/** Reads a PMTiles archive on local disk by byte ranges, as the browser does over HTTP. */
class LocalFile implements Source {
  constructor(private readonly file: string) {}
  getKey(): string {
    return this.file;
  }
  async getBytes(offset: number, length: number): Promise<RangeResponse> {
    const fd = await fs.promises.open(this.file, 'r');
    try {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fd.read(buf, 0, length, offset);
      return { data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + bytesRead) as ArrayBuffer };
    } finally {
      await fd.close();
    }
  }
}

/** The schemas harmgrid can style: its own offline layers, Protomaps' basemap, OpenMapTiles, or raster images. */
export type PmtilesSchema = 'harmgrid' | 'protomaps' | 'openmaptiles' | 'raster';

export interface PmtilesInfo {
  file: string;
  schema: PmtilesSchema;
  minzoom: number;
  maxzoom: number;
  bounds: [number, number, number, number];
  attribution: string | null;
}

/**
 * What a user's PMTiles archive holds (PMTiles v3 header and metadata, read with the `pmtiles`
 * package): its bounds and zooms, and which layer schema it follows, told from its vector layer
 * names. An archive in another schema is refused with the layer names it has.
 */
export async function readPmtiles(file: string): Promise<PmtilesInfo> {
  if (!fs.existsSync(file)) throw new Error(`HARMGRID_BASEMAP_PMTILES: no file ${file}`);
  const archive = new PMTiles(new LocalFile(file));
  const header = await archive.getHeader().catch((e: Error) => {
    throw new Error(`HARMGRID_BASEMAP_PMTILES: ${file} is not a PMTiles v3 archive (${e.message})`);
  });
  const meta = (await archive.getMetadata().catch(() => ({}))) as { vector_layers?: { id: string }[]; attribution?: string };
  const layers = new Set((meta.vector_layers ?? []).map((l) => l.id));
  const raster =
    header.tileType === TileType.Png || header.tileType === TileType.Jpeg || header.tileType === TileType.Webp || header.tileType === TileType.Avif;
  const schema: PmtilesSchema | null = raster
    ? 'raster'
    : layers.has('roads') && layers.has('places') && layers.has('water') && !layers.has('earth')
      ? 'harmgrid'
      : layers.has('earth') && layers.has('roads')
        ? 'protomaps'
        : layers.has('transportation') && layers.has('water')
          ? 'openmaptiles'
          : null;
  if (!schema)
    throw new Error(
      `HARMGRID_BASEMAP_PMTILES: ${file} has vector layers ${[...layers].join(', ') || '(none listed)'}; harmgrid styles its own layers (roads, places, water …), Protomaps basemaps (earth, roads …) and OpenMapTiles (transportation, water …)`,
    );
  return {
    file,
    schema,
    minzoom: header.minZoom,
    maxzoom: header.maxZoom,
    bounds: [header.minLon, header.minLat, header.maxLon, header.maxLat],
    attribution: meta.attribution ?? null,
  };
}
