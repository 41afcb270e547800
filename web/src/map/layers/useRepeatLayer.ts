import type { GeoJSONSource, Map as MlMap } from 'maplibre-gl';
import { REGISTRY } from '../registry';
import { useLayerData } from './useLayerData';

const entry = REGISTRY.find((e) => e.id === 'repeat')!;

/** Repeat locations, fetched only while shown; the map's worker reads the answer itself. */
export function useRepeatLayer(map: MlMap | null, onError: (e: Error) => void): void {
  useLayerData(
    Boolean(map),
    'repeat',
    entry.request,
    async (url) => {
      (map!.getSource('repeat') as GeoJSONSource).setData(url);
    },
    (e) => onError(new Error(`Repeat locations: ${e.message}`)),
  );
}
