import { useCallback, useEffect, useState } from 'react';
import type { GeoJSONSource, Map as MlMap } from 'maplibre-gl';
import { getJson, type Sites, type Zones } from '../../api';
import { siteFeatures, today, zoneFeatures } from '../../layers';

const none = { type: 'FeatureCollection', features: [] } as const satisfies Zones & Sites;

/** Clear-Hold-Build zones (by their phase today) and sites; reload() after a save or a deletion. */
export function usePlaceLayers(map: MlMap | null): { zones: Zones; sites: Sites; reload: () => Promise<void> } {
  const [zones, setZones] = useState<Zones>(none);
  const [sites, setSites] = useState<Sites>(none);
  const reload = useCallback(async () => {
    const [z, s] = await Promise.all([getJson<Zones>('/api/zones'), getJson<Sites>('/api/sites')]);
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
