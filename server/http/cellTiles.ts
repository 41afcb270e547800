import GeoJSONVT from 'geojson-vt';
import { cellToBoundary } from 'h3-js';
import vtpbf from 'vt-pbf';
import type { Box, CellIndex } from '../domain/cellIndex';
import { round } from '../domain/round';

/** The layer of a cell tile, as the map's style names it (`source-layer`). */
export const CELL_LAYER = 'cells';
/** Tile units per tile side, and the margin around it that hexagons are kept in (no seams at tile edges). */
const EXTENT = 4096;
const BUFFER = 64;

/**
 * The zoom above which the map stretches the last tiles (overzoom) rather than asking for new ones: by
 * then a hexagon is over 60 tile units across (resolution 11 at zoom 14: 25 m edges in 0.36 m units),
 * so more detail would draw nothing new.
 */
export const maxTileZoom = (resolution: number): number => Math.min(16, resolution + 3);

/** The [west, south, east, north] of a web-mercator tile, in degrees. */
export function tileBox(z: number, x: number, y: number): Box {
  const n = 2 ** z;
  const lng = (i: number) => (i / n) * 360 - 180;
  const lat = (j: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * j) / n))) * 180) / Math.PI;
  return [lng(x), lat(y + 1), lng(x + 1), lat(y)];
}

/**
 * One Mapbox Vector Tile (v2) of the cells whose hexagon meets the tile (with its buffer), in the layer
 * `cells`: each hexagon a polygon with the cell id, incidents, harm (rounded as /api/cells) and rank by
 * harm (0: an empty study-area cell). Clipping, tile coordinates and encoding are geojson-vt's and
 * vt-pbf's, the pair MapLibre's own GeoJSON sources use; here they are fed only the cells near the tile.
 * An empty Uint8Array when no cell is near.
 */
export function cellTile(index: CellIndex, z: number, x: number, y: number): Uint8Array {
  const [w, s, e, n] = tileBox(z, x, y);
  // The buffer in degrees, so a hexagon just outside the tile still draws its edge inside it.
  const mx = ((e - w) * BUFFER) / EXTENT,
    my = ((n - s) * BUFFER) / EXTENT;
  const found = index.within([w - mx, s - my, e + mx, n + my]);
  if (!found.length) return new Uint8Array(0);
  const features: GeoJSON.Feature[] = found.map((i) => {
    const c = index.cells[i]!;
    return {
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: [cellToBoundary(c.cell, true)] },
      properties: { cell: c.cell, incidents: c.incidents, harm: round(c.harm), rank: c.rank },
    };
  });
  // Cut straight to the asked zoom (indexMaxZoom 0: no tiles are kept beyond the one asked for).
  const vt = new GeoJSONVT({ type: 'FeatureCollection', features }, { maxZoom: Math.max(z, 1), indexMaxZoom: 0, extent: EXTENT, buffer: BUFFER, tolerance: 1 });
  const tile = vt.getTile(z, x, y);
  if (!tile?.features.length) return new Uint8Array(0);
  return vtpbf.fromGeojsonVt({ [CELL_LAYER]: tile } as never, { version: 2, extent: EXTENT });
}
