import { useEffect, useState } from 'react';
import { cellToLatLng } from 'h3-js';
import { getJson, type Boundaries, type Cells, type TilesConfig } from '../api';
import { viewStore } from '../state';
import type { Bounds } from './useMapInstance';

/** The bounding box of GeoJSON coordinates. */
export function bboxOf(g: GeoJSON.Geometry | GeoJSON.FeatureCollection): Bounds {
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
  if (g.type === 'FeatureCollection') g.features.forEach((f) => walk((f.geometry as { coordinates?: unknown }).coordinates));
  else walk((g as { coordinates?: unknown }).coordinates);
  return [
    [w, s],
    [e, n],
  ];
}

/**
 * Where the map opens: the camera of the link when it has one; else the extent of the loaded district
 * outlines; else, with no boundaries loaded, the extent of the cells (at the coarsest resolution, a
 * few hundred cells). Never a fixed place: harmgrid serves whichever force is loaded.
 * Also whether the basemap covers that extent; where it does not, the boundaries-only basemap is drawn.
 */
export function useOpening(
  config: TilesConfig | null,
  districts: Boundaries | null,
  districtsFailed: boolean,
  months: { from: string; to: string } | null,
): { opening: Bounds | 'camera' | null; boundariesOnly: boolean } {
  const [cellBounds, setCellBounds] = useState<Bounds | null>(null);
  const hasCamera = viewStore.get().zoom !== null;
  useEffect(() => {
    if (hasCamera || !districtsFailed || !months || cellBounds) return;
    getJson<Cells>(`/api/cells?resolution=7&from=${months.from}&to=${months.to}`)
      .then((c) => {
        if (!c.cells.length) return;
        const pts = c.cells.map((x) => cellToLatLng(x));
        setCellBounds([
          [Math.min(...pts.map((p) => p[1])), Math.min(...pts.map((p) => p[0]))],
          [Math.max(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[0]))],
        ]);
      })
      .catch(() => {});
  }, [hasCamera, districtsFailed, months, cellBounds]);
  const extent = districts ? bboxOf(districts) : cellBounds;
  const opening: Bounds | 'camera' | null = hasCamera ? 'camera' : extent;
  return { opening: config ? opening : null, boundariesOnly: config ? !covers(config, extent ?? camera()) : false };
}

function camera(): Bounds | null {
  const v = viewStore.get();
  return v.lng === null || v.lat === null
    ? null
    : [
        [v.lng, v.lat],
        [v.lng, v.lat],
      ];
}

/** Whether the basemap covers the data: an organisation's style is trusted to; tiles cover their bounds. */
export function covers(config: TilesConfig, extent: Bounds | null): boolean {
  const b = config.basemap;
  if (!b) return true;
  if (b.kind === 'style') return true;
  if (b.kind === 'none' || !b.bounds) return false;
  if (!extent) return true;
  const x = (extent[0][0] + extent[1][0]) / 2,
    y = (extent[0][1] + extent[1][1]) / 2;
  return x >= b.bounds[0] && x <= b.bounds[2] && y >= b.bounds[1] && y <= b.bounds[3];
}
