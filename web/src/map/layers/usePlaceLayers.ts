import { useCallback, useEffect, useState } from 'react';
import type { GeoJSONSource, Map as MlMap } from 'maplibre-gl';
import { getJson, type Places } from '../../api';
import { siteFeatures, today, zoneFeatures } from '../../layers';

const none: Places = { type: 'FeatureCollection', features: [] };

/** Clear-Hold-Build zones (by their phase today) and sites; reload() after a save or a deletion. */
export function usePlaceLayers(map: MlMap | null): { zones: Places; sites: Places; reload: () => Promise<void> } {
  const [zones, setZones] = useState<Places>(none);
  const [sites, setSites] = useState<Places>(none);
  const reload = useCallback(async () => {
    const [z, s] = await Promise.all([getJson<Places>('/api/zones'), getJson<Places>('/api/sites')]);
    setZones(z);
    setSites(s);
  }, []);
  useEffect(() => {
    reload().catch(() => {});
  }, [reload]);
  useEffect(() => {
    if (!map) return;
    (map.getSource('zones') as GeoJSONSource).setData(zoneFeatures(zones, today()));
    (map.getSource('sites') as GeoJSONSource).setData(siteFeatures(sites));
  }, [map, zones, sites]);
  return { zones, sites, reload };
}
