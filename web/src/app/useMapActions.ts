import { useCallback, useEffect, useRef } from 'react';
import type { GeoJSONSource, MapGeoJSONFeature, Map as MlMap } from 'maplibre-gl';
import { cellToLatLng } from 'h3-js';
import type { Boundaries } from '../api';
import { applyToggles } from '../map/registry';
import { bboxOf } from '../map/useOpening';
import { viewStore, type ViewState } from '../state';

/** What a click on a map feature opens (CLICK_ORDER picks the feature): a cell's panel or an area's. */
export function clickedPanel(f: MapGeoJSONFeature): Pick<ViewState, 'cell' | 'area'> {
  const id = f.layer.id;
  if (id === 'cells-fill') return { cell: String(f.properties.cell), area: null };
  const area = id.startsWith('sites')
    ? `site:${f.properties.id}`
    : id === 'zones-fill'
      ? `zone:${f.properties.id}`
      : id === 'hchh-rank'
        ? `hchh:${f.properties.rank}`
        : `ward:${f.properties.code}`;
  return { area, cell: null };
}

export interface MapActions {
  /** Fits the map to cells (an HCHH area's). */
  flyTo: (cellIds: string[]) => void;
  /** Fits the map to a box [west, south, east, north] (a search hit). */
  fitBox: (bbox: [number, number, number, number]) => void;
  /** Outlines the area whose panel is open (null: none). */
  showOutline: (g: GeoJSON.Geometry | null) => void;
}

/**
 * The map following the view: layer switches and the selected cell, a fit to the districts of a newly
 * chosen force, the open area's outline cleared when its panel closes; and the camera moves the
 * sidebar asks for.
 */
export function useMapActions(map: MlMap | null, view: ViewState, districts: Boundaries | null, boundariesOnly: boolean): MapActions {
  useEffect(() => {
    if (!map) return;
    applyToggles(map, view, boundariesOnly);
    map.setFilter('cells-selected', ['==', ['get', 'cell'], view.cell ?? '']);
  }, [map, view, boundariesOnly]);

  // A new force: the map fits its districts (the first force is opened on by useOpening).
  const fitted = useRef<string | null>(null);
  useEffect(() => {
    if (!map || !districts) return;
    if (fitted.current === null) {
      fitted.current = view.force;
      return;
    }
    if (fitted.current === view.force) return;
    fitted.current = view.force;
    if (districts.features.length) map.fitBounds(bboxOf(districts), { padding: 24, duration: 0 });
  }, [map, districts, view.force]);

  const showOutline = useCallback(
    (g: GeoJSON.Geometry | null) => {
      (map?.getSource('area-selected') as GeoJSONSource | undefined)?.setData({
        type: 'FeatureCollection',
        features: g ? [{ type: 'Feature', geometry: g, properties: {} }] : [],
      });
    },
    [map],
  );
  useEffect(() => {
    if (!view.area || view.cell) showOutline(null);
  }, [view.area, view.cell, showOutline]);

  const flyTo = (cellIds: string[]) => {
    if (!map) return;
    const pts = cellIds.map((c) => cellToLatLng(c));
    const lats = pts.map((p) => p[0]),
      lngs = pts.map((p) => p[1]);
    map.fitBounds(
      [
        [Math.min(...lngs), Math.min(...lats)],
        [Math.max(...lngs), Math.max(...lats)],
      ],
      { padding: 120, maxZoom: 15, duration: 800 },
    );
  };
  const fitBox = ([w, s, e, n]: [number, number, number, number]) =>
    map?.fitBounds(
      [
        [w, s],
        [e, n],
      ],
      { padding: 80, maxZoom: 15, duration: 800 },
    );
  return { flyTo, fitBox, showOutline };
}

/** Month animation: one month a second over the view's period while `playing`. */
export function usePlayback(playing: boolean, months: string[] | null, from: string, to: string): void {
  useEffect(() => {
    if (!playing || !months) return;
    const shown = months.filter((m) => m >= from && m <= to);
    const timer = window.setInterval(() => {
      viewStore.set((v) => ({ month: shown[(shown.indexOf(v.month ?? '') + 1) % shown.length] ?? null }));
    }, 1000);
    return () => window.clearInterval(timer);
  }, [playing, months, from, to]);
}
