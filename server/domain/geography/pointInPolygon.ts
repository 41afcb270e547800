import Flatbush from 'flatbush';
import { booleanPointInPolygon, pointToPolygonDistance } from '@turf/turf';

export interface Region {
  code: string;
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown };
}

/**
 * Finds the region a point lies in through an R-tree of the regions' bounding boxes (Flatbush), then an
 * exact point-in-polygon test of the few candidates (turf) — not a scan of every region.
 * @example new RegionIndex(wards).locate(-2.98, 53.40) // 'E05000908' or null
 */
export class RegionIndex {
  private readonly index: Flatbush;
  constructor(private readonly regions: Region[]) {
    if (regions.length === 0) throw new Error('a region index needs at least one region');
    this.index = new Flatbush(regions.length);
    for (const r of regions) {
      let minX = Infinity,
        minY = Infinity,
        maxX = -Infinity,
        maxY = -Infinity;
      const visit = (c: unknown): void => {
        if (Array.isArray(c) && typeof c[0] === 'number') {
          const [x, y] = c as [number, number];
          minX = Math.min(minX, x);
          minY = Math.min(minY, y);
          maxX = Math.max(maxX, x);
          maxY = Math.max(maxY, y);
        } else if (Array.isArray(c)) c.forEach(visit);
      };
      visit(r.geometry.coordinates);
      this.index.add(minX, minY, maxX, maxY);
    }
    this.index.finish();
  }

  locate(lon: number, lat: number): string | null {
    for (const i of this.index.search(lon, lat, lon, lat)) {
      const r = this.regions[i]!;
      if (booleanPointInPolygon([lon, lat], r.geometry as never)) return r.code;
    }
    return null;
  }

  /**
   * The region containing a point, or else the nearest one within `maxMetres`: generalised outlines
   * (ONS BGC, 20 m) leave slivers between neighbouring wards that a district outline still covers.
   */
  locateOrNearest(lon: number, lat: number, maxMetres: number): string | null {
    const inside = this.locate(lon, lat);
    if (inside) return inside;
    let best: string | null = null,
      bestDistance = maxMetres;
    for (const i of this.index.neighbors(lon, lat, 8)) {
      const r = this.regions[i]!;
      const d = Math.abs(pointToPolygonDistance([lon, lat], r.geometry as never, { units: 'meters' }));
      if (d <= bestDistance) {
        best = r.code;
        bestDistance = d;
      }
    }
    return best;
  }
}
