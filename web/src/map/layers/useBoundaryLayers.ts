import { useEffect, useState } from 'react';
import type { GeoJSONSource, Map as MlMap } from 'maplibre-gl';
import { getJson, type Boundaries } from '../../api';
import { useView } from '../../state';
import { DISTRICTS_URL, WARDS_URL } from '../registry';

/**
 * The loaded district and ward outlines (any force: they come from the API, not from the basemap).
 * Districts are fetched at once: the map opens on their extent. Wards only once something needs them:
 * their outlines, the deprivation layer, or the search (`wanted`).
 */
export function useBoundaries(wanted: boolean): { districts: Boundaries | null; districtsFailed: boolean; wards: Boundaries | null } {
  const [districts, setDistricts] = useState<Boundaries | null>(null);
  const [districtsFailed, setFailed] = useState(false);
  const [wards, setWards] = useState<Boundaries | null>(null);
  const showWards = useView((v) => v.showWards || v.showDeprivation);
  const needWards = showWards || wanted;
  useEffect(() => {
    getJson<Boundaries>(DISTRICTS_URL).then(setDistricts).catch(() => setFailed(true));
  }, []);
  useEffect(() => {
    if (!needWards || wards) return;
    // Ward outlines of the deprivation vintage; the map works without them.
    getJson<Boundaries>(WARDS_URL).then(setWards).catch(() => {});
  }, [needWards, wards]);
  return { districts, districtsFailed, wards };
}

/** Puts the outlines on the map (and the land tint of the boundaries-only basemap). */
export function useBoundaryLayers(map: MlMap | null, districts: Boundaries | null, wards: Boundaries | null): void {
  useEffect(() => {
    if (!map || !districts) return;
    (map.getSource('districts') as GeoJSONSource).setData(districts);
    (map.getSource('district-land') as GeoJSONSource).setData(districts);
  }, [map, districts]);
  useEffect(() => {
    if (map && wards) (map.getSource('wards') as GeoJSONSource).setData(wards);
  }, [map, wards]);
}
