import { useEffect, useState } from 'react';
import type { GeoJSONSource, Map as MlMap } from 'maplibre-gl';
import { getJson, type Boundaries, type Deprivation } from '../../api';
import { deprivationFeatures } from '../../layers';
import { useView } from '../../state';

/** Ward deprivation choropleth: the Indices are fetched the first time the layer is switched on. */
export function useDeprivationLayer(map: MlMap | null, wards: Boundaries | null): Deprivation | null {
  const [deprivation, setDeprivation] = useState<Deprivation | null>(null);
  const shown = useView((v) => v.showDeprivation);
  const measure = useView((v) => v.deprivationMeasure);
  useEffect(() => {
    if (!shown || deprivation) return;
    getJson<Deprivation>('/api/deprivation?level=ward').then(setDeprivation).catch(() => {});
  }, [shown, deprivation]);
  useEffect(() => {
    if (!map || !wards || !deprivation) return;
    (map.getSource('deprivation') as GeoJSONSource).setData(deprivationFeatures(wards, deprivation, measure));
  }, [map, wards, deprivation, measure]);
  return deprivation;
}
