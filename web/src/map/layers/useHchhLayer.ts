import { useState } from 'react';
import type { GeoJSONSource, Map as MlMap } from 'maplibre-gl';
import { cellToLatLng } from 'h3-js';
import { getJson, type Hchh } from '../../api';
import { REGISTRY } from '../registry';
import { setSourceData, useLayerData } from './useLayerData';

const entry = REGISTRY.find((e) => e.id === 'hchh')!;

/** High Crime High Harm areas: outlines, and each area's rank on its cell nearest its mean centre, so it falls inside the outline. */
export function useHchhLayer(map: MlMap | null, onError: (e: Error) => void): Hchh | null {
  const [hchh, setHchh] = useState<Hchh | null>(null);
  useLayerData(
    Boolean(map),
    'hchh',
    entry.request,
    async (url, signal) => {
      const h = await getJson<Hchh>(url, signal);
      if (signal.aborted) return;
      (map!.getSource('hchh-labels') as GeoJSONSource).setData({
        type: 'FeatureCollection',
        features: h.features.map((f) => {
          const centres = f.properties.cellIds.map((c) => cellToLatLng(c));
          const mLat = centres.reduce((a, c) => a + c[0], 0) / centres.length,
            mLng = centres.reduce((a, c) => a + c[1], 0) / centres.length;
          const [lat, lng] = centres.reduce(
            (best, c) => (Math.hypot(c[0] - mLat, c[1] - mLng) < Math.hypot(best[0] - mLat, best[1] - mLng) ? c : best),
            centres[0]!,
          );
          return { type: 'Feature', geometry: { type: 'Point', coordinates: [lng, lat] }, properties: { rank: f.properties.rank } };
        }),
      });
      await setSourceData(map!, 'hchh', h as unknown as GeoJSON.FeatureCollection);
      setHchh(h);
    },
    onError,
  );
  return hchh;
}
