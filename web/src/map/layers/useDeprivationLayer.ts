import { useEffect, useState } from 'react';
import type { GeoJSONSource, Map as MlMap } from 'maplibre-gl';
import { getJson, type Boundaries, type Deprivation } from '../../api';
import { deprivationFeatures } from '../../layers';
import { useView } from '../../state';

/** Ward deprivation, fetched the first time the layer is switched on; it says which ward vintage it is for. */
export function useDeprivation(): Deprivation | null {
  const [deprivation, setDeprivation] = useState<Deprivation | null>(null);
  const shown = useView((v) => v.showDeprivation);
  useEffect(() => {
    if (!shown || deprivation) return;
    getJson<Deprivation>('/api/deprivation?level=ward')
      .then(setDeprivation)
      .catch(() => {});
  }, [shown, deprivation]);
  return deprivation;
}

/** The ward deprivation choropleth, on ward outlines of the deprivation's vintage. */
export function useDeprivationLayer(map: MlMap | null, wards: Boundaries | null, deprivation: Deprivation | null): void {
  const measure = useView((v) => v.deprivationMeasure);
  useEffect(() => {
    // Until the outlines of the deprivation's vintage have come, the figures would be joined on others.
    if (!map || !wards || !deprivation || (deprivation.vintage && wards.vintage !== deprivation.vintage)) return;
    (map.getSource('deprivation') as GeoJSONSource).setData(deprivationFeatures(wards, deprivation, measure));
  }, [map, wards, deprivation, measure]);
}
