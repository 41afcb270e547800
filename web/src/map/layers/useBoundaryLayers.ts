import { useEffect, useMemo, useState } from 'react';
import type { GeoJSONSource, Map as MlMap } from 'maplibre-gl';
import { getJson, type Boundaries } from '../../api';
import { useView } from '../../state';
import { DISTRICTS_URL, wardsUrl } from '../registry';

/** Only the outlines of the chosen force's districts (and their wards); all of them when `keep` is null. */
export function ofDistricts(b: Boundaries | null, keep: Set<string> | null, by: 'code' | 'districtCode'): Boundaries | null {
  if (!b || !keep) return b;
  return { ...b, features: b.features.filter((f) => keep.has(f.properties[by] ?? '')) };
}

/**
 * The loaded district and ward outlines (any force: they come from the API, not from the basemap),
 * narrowed to the view's force (`keep`: its district codes). Districts are fetched at once: the map
 * opens on their extent. Wards only once their outlines or the deprivation layer need them, of
 * `wardVintage` (the deprivation's) when given, else the latest loaded.
 */
export function useBoundaries(
  keep: Set<string> | null,
  wardVintage: string | null,
): { districts: Boundaries | null; districtsFailed: boolean; wards: Boundaries | null } {
  const [districts, setDistricts] = useState<Boundaries | null>(null);
  const [districtsFailed, setFailed] = useState(false);
  const [wards, setWards] = useState<{ url: string; b: Boundaries } | null>(null);
  // Whether any ward outlines are loaded (GET /api/geography): without them there is nothing to ask for.
  const [wardsLoaded, setWardsLoaded] = useState(false);
  const needWards = useView((v) => v.showWards || v.showDeprivation) && wardsLoaded;
  const url = wardsUrl(wardVintage);
  useEffect(() => {
    getJson<Boundaries>(DISTRICTS_URL)
      .then(setDistricts)
      .catch(() => setFailed(true));
    getJson<{ boundaries: { kind: string }[] }>('/api/geography')
      .then((g) => setWardsLoaded(g.boundaries.some((b) => b.kind === 'ward')))
      .catch(() => {});
  }, []);
  useEffect(() => {
    if (!needWards || wards?.url === url) return;
    // The map works without ward outlines.
    getJson<Boundaries>(url)
      .then((b) => setWards({ url, b }))
      .catch(() => {});
  }, [needWards, wards, url]);
  return {
    districts: useMemo(() => ofDistricts(districts, keep, 'code'), [districts, keep]),
    districtsFailed,
    wards: useMemo(() => ofDistricts(wards?.b ?? null, keep, 'districtCode'), [wards, keep]),
  };
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
