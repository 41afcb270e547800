import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import * as maplibregl from 'maplibre-gl';
import type { GeoJSONSource, Map as MlMap, MapGeoJSONFeature, MapLayerMouseEvent } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { cellToBoundary, cellToLatLng } from 'h3-js';
import { TerraDraw, TerraDrawPolygonMode, TerraDrawSelectMode } from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter';
import { getJson, qs, sendJson, type Cells, type CellsByMonth, type Definition, type Deprivation, type Emerging, type Gistar, type Hchh, type Meta, type PlaceFeature, type Places, type Scheme } from './api';
import { EMERGING_COLOURS, GI_BIN_COLOURS, sequential } from './colours';
import { defaultView, readUrl, resolutionForZoom, writeUrl, type ViewState } from './state';
import { Controls } from './Controls';
import { Legend, type LegendModel } from './Legend';
import { CellPanel } from './CellPanel';
import { HchhList } from './HchhList';
import { PartnershipView } from './PartnershipView';
import { AreaPanel } from './AreaPanel';
import { Search, type SearchItem } from './Search';
import { TopCells, type TopCell } from './TopCells';
import { DrawControls, type DrawRequest } from './DrawControls';
import { mapPng } from './exportPng';
import { addOverlayLayers, deprivationClasses, deprivationFeatures, siteFeatures, today, zoneFeatures } from './layers';

declare global {
  interface Window { __harmgridMap?: MlMap; __harmgridReady?: boolean; __harmgridDraw?: TerraDraw }
}

type CellFeature = GeoJSON.Feature<GeoJSON.Polygon, { cell: string; fill: string; incidents: number; harm: number; label: string }>;

/** Hexagons drawn from cell ids: the API sends ids and values, not geometry. */
function cellFeatures(cells: string[], fill: (i: number) => string | null, props: (i: number) => { incidents: number; harm: number; label: string }): GeoJSON.FeatureCollection {
  const features: CellFeature[] = [];
  cells.forEach((cell, i) => {
    const colour = fill(i);
    if (!colour) return;
    features.push({ type: 'Feature', id: i, geometry: { type: 'Polygon', coordinates: [cellToBoundary(cell, true)] }, properties: { cell, fill: colour, ...props(i) } });
  });
  return { type: 'FeatureCollection', features };
}

/**
 * Puts the hexagons on the map. Above 20,000 cells (resolution 10 over the whole force, empty cells
 * included) the fill's antialiasing outline is dropped: it is drawn per hexagon and roughly doubles
 * the work of every frame, and at that density the edges are sub-pixel anyway.
 */
function setCells(map: MlMap, data: GeoJSON.FeatureCollection): void {
  (map.getSource('cells') as GeoJSONSource).setData(data);
  if (map.getLayer('cells-fill')) map.setPaintProperty('cells-fill', 'fill-antialias', data.features.length <= 20_000);
}

/**
 * The font for the app's own labels: Noto Sans Bold from harmgrid's glyph server, or, under another
 * basemap style (HARMGRID_BASEMAP_STYLE_URL), a font that style's glyph server is known to have.
 */
function labelFont(map: MlMap): string[] {
  const style = map.getStyle();
  if (!style.glyphs || style.glyphs.includes('/tiles/glyphs/')) return ['Noto Sans Bold'];
  for (const layer of style.layers) {
    const font = layer.type === 'symbol' ? layer.layout?.['text-font'] : undefined;
    if (Array.isArray(font) && font.every((f) => typeof f === 'string')) return font as string[];
  }
  return ['Noto Sans Bold'];
}

/** The bounding box of a GeoJSON geometry, for flying to an area. */
function bboxOf(g: GeoJSON.Geometry): [[number, number], [number, number]] {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') { const [x, y] = c as number[]; w = Math.min(w, x!); e = Math.max(e, x!); s = Math.min(s, y!); n = Math.max(n, y!); }
    else if (Array.isArray(c)) c.forEach(walk);
  };
  walk((g as { coordinates?: unknown }).coordinates);
  return [[w, s], [e, n]];
}

// MapLibre 6 loads its worker from a file beside its own module; once bundled, say where Vite put it.
maplibregl.setWorkerUrl(workerUrl);

export function App() {
  const [view, setView] = useState<ViewState>({ ...defaultView, ...readUrl() });
  const [meta, setMeta] = useState<Meta | null>(null);
  const [definitions, setDefinitions] = useState<Definition[]>([]);
  const [schemes, setSchemes] = useState<Scheme[]>([]);
  const [styleUrl, setStyleUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [legend, setLegend] = useState<LegendModel | null>(null);
  const [hchh, setHchh] = useState<Hchh | null>(null);
  const [byMonth, setByMonth] = useState<CellsByMonth | null>(null);
  const [playing, setPlaying] = useState(false);
  const [zoomResolution, setZoomResolution] = useState(resolutionForZoom(view.zoom));
  const mapRef = useRef<MlMap | null>(null);
  const mapDiv = useRef<HTMLDivElement | null>(null);
  const [mapReady, setMapReady] = useState(false);
  const statsRef = useRef<{ gistar: Gistar | null; emerging: Emerging | null }>({ gistar: null, emerging: null });
  const [wards, setWards] = useState<GeoJSON.FeatureCollection | null>(null);
  const [districts, setDistricts] = useState<GeoJSON.FeatureCollection | null>(null);
  const [deprivation, setDeprivation] = useState<Deprivation | null>(null);
  const [districtDeprivation, setDistrictDeprivation] = useState<Deprivation | null>(null);
  const [zones, setZones] = useState<Places>({ type: 'FeatureCollection', features: [] });
  const [sites, setSites] = useState<Places>({ type: 'FeatureCollection', features: [] });
  const [topCells, setTopCells] = useState<TopCell[]>([]);
  const [drawing, setDrawing] = useState<DrawRequest | null>(null);
  const [editing, setEditing] = useState<{ kind: 'zone' | 'site'; feature: PlaceFeature; drawId: string | number } | null>(null);
  const [drawMessage, setDrawMessage] = useState<string | null>(null);
  const drawRef = useRef<TerraDraw | null>(null);
  const drawingRef = useRef<DrawRequest | null>(null);
  const editingRef = useRef(false);
  const colourByRef = useRef(view.colourBy);
  colourByRef.current = view.colourBy;

  const update = useCallback((patch: Partial<ViewState>) => setView((v) => ({ ...v, ...patch })), []);
  const resolution = view.resolution === 'auto' ? zoomResolution : view.resolution;

  // Reference data and defaults, once.
  useEffect(() => {
    Promise.all([
      getJson<Meta>('/api/meta'), getJson<{ definitions: Definition[] }>('/api/definitions'),
      getJson<{ schemes: Scheme[] }>('/api/harm-schemes'), getJson<{ styleUrl: string }>('/tiles/config'),
    ]).then(([m, d, s, c]) => {
      setMeta(m); setDefinitions(d.definitions); setSchemes(s.schemes); setStyleUrl(c.styleUrl);
      setView((v) => ({
        ...v,
        from: v.from || m.months[0] || '', to: v.to || m.months[m.months.length - 1] || '',
        definition: v.definition || m.defaultDefinition, scheme: v.scheme || m.defaultScheme,
      }));
    }).catch((e: Error) => setError(`The service did not answer: ${e.message}`));
    // Geography for the deprivation layer and the search; the map works without it.
    getJson<GeoJSON.FeatureCollection>('/api/boundaries?kind=ward&vintage=2019').then(setWards).catch(() => {});
    getJson<GeoJSON.FeatureCollection>('/api/boundaries?kind=district').then(setDistricts).catch(() => {});
    getJson<Deprivation>('/api/deprivation?level=ward').then(setDeprivation).catch(() => {});
    getJson<Deprivation>('/api/deprivation?level=district').then(setDistrictDeprivation).catch(() => {});
  }, []);

  const reloadPlaces = useCallback(async () => {
    const [z, st] = await Promise.all([getJson<Places>('/api/zones'), getJson<Places>('/api/sites')]);
    setZones(z); setSites(st);
    return { zones: z, sites: st };
  }, []);
  useEffect(() => { reloadPlaces().catch(() => {}); }, [reloadPlaces]);

  // The map, once the style URL is known.
  useEffect(() => {
    if (!styleUrl || !mapDiv.current || mapRef.current) return;
    const map = new maplibregl.Map({
      container: mapDiv.current, style: styleUrl, center: [view.lng, view.lat], zoom: view.zoom, minZoom: 8, maxZoom: 17,
      attributionControl: { compact: false }, canvasContextAttributes: { preserveDrawingBuffer: true },
    });
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
    map.on('load', () => {
      const attribution = 'Crime data: data.police.uk (OGL v3)';
      map.addSource('cells', { type: 'geojson', data: { type: 'FeatureCollection', features: [] }, attribution });
      map.addSource('hchh', { type: 'geojson', data: { type: 'FeatureCollection', features: [] }, attribution });
      map.addSource('hchh-labels', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
      const before = map.getLayer('road-labels') ? 'road-labels' : undefined;
      map.addLayer({ id: 'cells-fill', type: 'fill', source: 'cells', paint: { 'fill-color': ['get', 'fill'], 'fill-opacity': 0.72 } }, before);
      map.addLayer({ id: 'cells-selected', type: 'line', source: 'cells', filter: ['==', ['get', 'cell'], ''], paint: { 'line-color': '#e66100', 'line-width': 3.5 } });
      map.addLayer({ id: 'hchh-outline', type: 'line', source: 'hchh', paint: { 'line-color': '#111111', 'line-width': 2.2 } });
      map.addLayer({
        id: 'hchh-rank', type: 'symbol', source: 'hchh-labels',
        layout: { 'text-field': ['to-string', ['get', 'rank']], 'text-font': labelFont(map), 'text-size': 13, 'text-allow-overlap': true },
        paint: { 'text-color': '#111111', 'text-halo-color': '#ffffff', 'text-halo-width': 2 },
      });
      addOverlayLayers(map, labelFont(map));
      // terra-draw draws and edits outlines in its own layers; it is idle (static mode) until asked.
      let drawIds = 0;
      const draw = new TerraDraw({
        adapter: new TerraDrawMapLibreGLAdapter({ map }),
        idStrategy: { isValidId: (id) => typeof id === 'string' && id.length > 0, getId: () => `drawn-${++drawIds}` },
        modes: [
          new TerraDrawPolygonMode({ keyEvents: { cancel: 'Escape', finish: 'Enter' } }),
          new TerraDrawSelectMode({ flags: { polygon: { feature: { draggable: true, coordinates: { midpoints: true, draggable: true, deletable: true } } } } }),
        ],
      });
      draw.start();
      draw.on('finish', (id, context) => { if (context.mode === 'polygon') onDrawnRef.current(id); });
      drawRef.current = draw;
      window.__harmgridDraw = draw;
      mapRef.current = map;
      window.__harmgridMap = map;
      setMapReady(true);
    });
    // Top cells in the view, for keyboard users: recomputed when the map settles.
    let signature = '';
    let pending = 0;
    map.on('idle', () => {
      // Deferred to a quiet moment: the list must never hold up the map or the controls.
      window.clearTimeout(pending);
      pending = window.setTimeout(() => window.requestIdleCallback(topCellsInView, { timeout: 1000 }), 250);
    });
    const topCellsInView = () => {
      if (!map.getLayer('cells-fill')) return;
      const byCount = colourByRef.current === 'count';
      const seen = new Set<string>();
      const top = map.queryRenderedFeatures({ layers: ['cells-fill'], filter: ['>', ['get', 'incidents'], 0] })
        .map((f) => f.properties as TopCell)
        .filter((p) => (seen.has(p.cell) ? false : (seen.add(p.cell), true)))
        .sort((a, b) => (byCount ? b.incidents - a.incidents : b.harm - a.harm) || b.incidents - a.incidents)
        .slice(0, 10)
        .map((p) => ({ cell: p.cell, incidents: p.incidents, harm: p.harm, label: p.label }));
      const sig = top.map((t) => `${t.cell}:${t.harm}`).join(',');
      if (sig !== signature) { signature = sig; setTopCells(top); }
    };
    map.on('moveend', () => {
      const c = map.getCenter();
      setZoomResolution(resolutionForZoom(map.getZoom()));
      setView((v) => ({ ...v, lng: c.lng, lat: c.lat, zoom: map.getZoom() }));
    });
    // One click handler: sites, then zones, then cells, then HCHH rank labels (HCHH panels open from the
    // list too), then deprivation wards.
    map.on('click', (e: MapLayerMouseEvent) => {
      if (drawingRef.current || editingRef.current) return;
      const order = ['sites-point', 'sites-fill', 'zones-fill', 'cells-fill', 'hchh-rank', 'deprivation-fill'].filter((id) => map.getLayer(id));
      const hits = map.queryRenderedFeatures(e.point, { layers: order }) as MapGeoJSONFeature[];
      const f = order.map((id) => hits.find((h) => h.layer.id === id)).find(Boolean);
      if (!f) return;
      const id = f.layer.id;
      if (id === 'cells-fill') setView((v) => ({ ...v, cell: String(f.properties.cell), area: null }));
      else {
        const area = id.startsWith('sites') ? `site:${f.properties.id}` : id === 'zones-fill' ? `zone:${f.properties.id}` : id === 'hchh-rank' ? `hchh:${f.properties.rank}` : `ward:${f.properties.code}`;
        setView((v) => ({ ...v, area, cell: null }));
      }
    });
    for (const layer of ['cells-fill', 'sites-fill', 'sites-point', 'zones-fill', 'hchh-rank']) {
      map.on('mouseenter', layer, () => { if (!drawingRef.current) map.getCanvas().style.cursor = 'pointer'; });
      map.on('mouseleave', layer, () => { if (!drawingRef.current) map.getCanvas().style.cursor = ''; });
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [styleUrl]);

  useEffect(() => { writeUrl(view); }, [view]);

  const ready = mapReady && view.from && view.to && view.definition && view.scheme;
  const baseQuery = useMemo(() => ({ from: view.from, to: view.to, definition: view.definition, scheme: view.scheme, resolution, ...(view.districts ? { districts: view.districts } : {}) }),
    [view.from, view.to, view.definition, view.scheme, resolution, view.districts]);

  // Cells for the period, or per month while the slider is in use; a new filter cancels the request in flight.
  useEffect(() => {
    if (!ready) return;
    const controller = new AbortController();
    setLoading(true);
    setError(null);
    const unit = schemes.find((s) => s.key === view.scheme)?.unit ?? 'harm';
    const definition = definitions.find((d) => d.key === view.definition);
    const name = definition?.name ?? view.definition;
    const title = definition?.isProxy && !/proxy/i.test(name) ? `${name} (public-data proxy)` : name;
    const run = async () => {
      const map = mapRef.current!;
      if (view.colourBy === 'gistar') {
        const g = await getJson<Gistar>(`/api/gistar?${qs({ ...baseQuery, variable: 'count' })}`, controller.signal);
        statsRef.current.gistar = g;
        const data = cellFeatures(g.cells, (i) => (g.bin[i] ? GI_BIN_COLOURS[String(g.bin[i])]! : null), (i) => ({ incidents: g.value[i]!, harm: 0, label: `Gi* z ${g.z[i]!.toFixed(2)}` }));
        setCells(map, data);
        setLegend({ kind: 'gistar', title, unit: 'Gi* confidence bin (counts, FDR-corrected)', note: `${g.studyArea.cells.toLocaleString('en-GB')} study-area cells, ${g.studyArea.areaKm2} km²`, from: g.from, to: g.to });
        setByMonth(null);
        return;
      }
      if (view.colourBy === 'emerging') {
        const e = await getJson<Emerging>(`/api/emerging?${qs(baseQuery)}`, controller.signal);
        statsRef.current.emerging = e;
        const category = (i: number) => e.category[i] ?? e.shortSeries[i];
        const data = cellFeatures(e.cells, (i) => { const c = category(i); return c && EMERGING_COLOURS[c] ? EMERGING_COLOURS[c] : null; },
          (i) => ({ incidents: 0, harm: 0, label: category(i) ?? '' }));
        setCells(map, data);
        setLegend({ kind: 'emerging', title, unit: e.insufficient ? 'short-series pattern (sfhotspot)' : 'emerging hot spot pattern (ArcGIS)', note: e.insufficient ?? undefined, counts: e.counts, from: e.from, to: e.to });
        setByMonth(null);
        return;
      }
      const measure = view.colourBy === 'count' ? 'incidents' : 'harm';
      const measureUnit = view.colourBy === 'count' ? 'incidents' : unit;
      const measureName = view.colourBy === 'count' ? 'Incidents' : 'Harm';
      const schemeName = view.colourBy === 'count' ? undefined : schemes.find((s) => s.key === view.scheme)?.name;
      if (view.month) {
        const m = byMonth && byMonth.resolution === resolution && byMonth.from === view.from && byMonth.to === view.to && byMonth.definition.key === view.definition && byMonth.scheme.key === view.scheme
          ? byMonth : await getJson<CellsByMonth>(`/api/cells/by-month?${qs(baseQuery)}`, controller.signal);
        if (m !== byMonth) setByMonth(m);
        const t = Math.max(0, m.months.indexOf(view.month));
        const values = (k: 'incidents' | 'harm') => m.cells.map((_, i) => {
          if (!view.cumulative) return m[k][t]![i]!;
          let s = 0;
          for (let u = 0; u <= t; u++) s += m[k][u]![i]!;
          return s;
        });
        const inc = values('incidents'), harm = values('harm');
        const shown = measure === 'incidents' ? inc : harm;
        // The colour domain is fixed over the whole period, so months compare while the slider plays.
        const max = view.cumulative ? Math.max(...m.cells.map((_, i) => m[measure].reduce((s, row) => s + row[i]!, 0))) : m.max[measure];
        const colour = sequential(max);
        setCells(map, cellFeatures(m.cells, (i) => (shown[i]! > 0 ? colour(shown[i]!) : null), (i) => ({ incidents: inc[i]!, harm: harm[i]!, label: '' })));
        setLegend({ kind: 'sequential', title, unit: measureUnit, measure: measureName, schemeName, max, from: view.cumulative ? m.from : view.month, to: view.month, note: view.cumulative ? `cumulative from ${m.from}` : 'one month; colours fixed over the whole period' });
        return;
      }
      const c = await getJson<Cells>(`/api/cells?${qs({ ...baseQuery, ...(view.zeros ? { zeros: 'true' } : {}) })}`, controller.signal);
      const values = measure === 'incidents' ? c.incidents : c.harm;
      let max = 0;
      for (const v of values) if (v > max) max = v;
      const colour = sequential(max);
      // Empty cells (zeros=true) in a faint grey, so the study area shows without hiding the basemap.
      setCells(map, cellFeatures(c.cells, (i) => (c.incidents[i]! > 0 ? colour(values[i]!) : 'rgba(150,150,150,0.25)'), (i) => ({ incidents: c.incidents[i]!, harm: c.harm[i]!, label: '' })));
      const withIncidents = c.incidents.filter((n) => n > 0).length;
      setLegend({ kind: 'sequential', title, unit: measureUnit, measure: measureName, schemeName, max, from: c.from, to: c.to,
        note: `${withIncidents.toLocaleString('en-GB')} cells with incidents${view.zeros ? ` and ${(c.cells.length - withIncidents).toLocaleString('en-GB')} empty study-area cells (grey)` : ''}, H3 resolution ${c.resolution}` });
    };
    run().then(() => { setLoading(false); window.__harmgridReady = true; })
      .catch((e: Error) => { if (e.name !== 'AbortError') { setError(e.message); setLoading(false); } });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ready, baseQuery, view.colourBy, view.month, view.cumulative, view.zeros, definitions, schemes]);

  // HCHH areas for the period.
  useEffect(() => {
    if (!ready) return;
    const controller = new AbortController();
    getJson<Hchh>(`/api/hchh?${qs({ ...baseQuery, resolution: 9 })}`, controller.signal).then((h) => {
      setHchh(h);
      const map = mapRef.current!;
      (map.getSource('hchh') as GeoJSONSource).setData(h as unknown as GeoJSON.FeatureCollection);
      (map.getSource('hchh-labels') as GeoJSONSource).setData({
        type: 'FeatureCollection',
        features: h.features.map((f) => {
          // The rank sits on the area's cell nearest its mean centre, so it falls inside the outline.
          const centres = f.properties.cellIds.map((c) => cellToLatLng(c));
          const mLat = centres.reduce((a, c) => a + c[0], 0) / centres.length, mLng = centres.reduce((a, c) => a + c[1], 0) / centres.length;
          const [lat, lng] = centres.reduce((best, c) => (Math.hypot(c[0] - mLat, c[1] - mLng) < Math.hypot(best[0] - mLat, best[1] - mLng) ? c : best), centres[0]!);
          return { type: 'Feature', geometry: { type: 'Point', coordinates: [lng, lat] }, properties: { rank: f.properties.rank } };
        }),
      });
    }).catch((e: Error) => { if (e.name !== 'AbortError') setError(e.message); });
    return () => controller.abort();
  }, [ready, baseQuery]);

  // Layer visibility and the selected cell.
  useEffect(() => {
    const map = mapRef.current;
    if (!mapReady || !map) return;
    const vis = (id: string, on: boolean) => { if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none'); };
    vis('cells-fill', view.showCells);
    vis('hchh-outline', view.showHchh);
    vis('hchh-rank', view.showHchh);
    vis('wards', view.showWards);
    vis('deprivation-fill', view.showDeprivation);
    vis('deprivation-line', view.showDeprivation);
    for (const id of ['zones-fill', 'zones-outline', 'zones-label']) vis(id, view.showZones);
    for (const id of ['sites-fill', 'sites-outline', 'sites-point', 'sites-label']) vis(id, view.showSites);
    vis('repeat-points', view.showRepeat);
    map.setFilter('cells-selected', ['==', ['get', 'cell'], view.cell ?? '']);
  }, [mapReady, view.showCells, view.showHchh, view.showWards, view.showDeprivation, view.showZones, view.showSites, view.showRepeat, view.cell]);

  // Ward deprivation choropleth.
  useEffect(() => {
    const map = mapRef.current;
    if (!mapReady || !map || !wards || !deprivation) return;
    (map.getSource('deprivation') as GeoJSONSource).setData(deprivationFeatures(wards, deprivation, view.deprivationMeasure));
  }, [mapReady, wards, deprivation, view.deprivationMeasure]);

  // Zones (by their phase today) and sites.
  useEffect(() => {
    const map = mapRef.current;
    if (!mapReady || !map) return;
    (map.getSource('zones') as GeoJSONSource).setData(zoneFeatures(zones, today()));
    (map.getSource('sites') as GeoJSONSource).setData(siteFeatures(sites));
  }, [mapReady, zones, sites]);

  // Repeat locations, when shown.
  useEffect(() => {
    const map = mapRef.current;
    if (!ready || !map || !view.showRepeat) return;
    const controller = new AbortController();
    getJson<GeoJSON.FeatureCollection>(`/api/repeat-locations?${qs({ from: view.from, to: view.to, definition: view.definition, scheme: view.scheme })}`, controller.signal)
      .then((r) => (map.getSource('repeat') as GeoJSONSource).setData(r))
      .catch((e: Error) => { if (e.name !== 'AbortError') setError(`Repeat locations: ${e.message}`); });
    return () => controller.abort();
  }, [ready, view.showRepeat, view.from, view.to, view.definition, view.scheme]);

  // Drawing: a finished polygon is saved through the API at once, then its panel opens.
  const onDrawnRef = useRef<(id: string | number) => void>(() => {});
  onDrawnRef.current = (id) => {
    const draw = drawRef.current, req = drawingRef.current;
    if (!draw || !req) return;
    const f = draw.getSnapshotFeature(id);
    draw.removeFeatures([id]);
    draw.setMode('static');
    drawingRef.current = null;
    setDrawing(null);
    if (!f) return;
    const body = req.kind === 'site'
      ? { name: req.name, geometry: f.geometry, notes: req.notes || null }
      : { name: req.name, geometry: f.geometry, clearStart: req.clearStart, holdStart: req.holdStart || null, buildStart: req.buildStart || null, partnership: req.partnership || null, notes: req.notes || null };
    setDrawMessage(`Saving the ${req.kind}…`);
    sendJson<PlaceFeature>('POST', `/api/${req.kind}s`, body)
      .then(async (saved) => {
        await reloadPlaces();
        setDrawMessage(`${req.kind === 'site' ? 'Site' : 'Zone'} "${saved.properties.name}" saved.`);
        setView((v) => ({ ...v, area: `${req.kind}:${saved.id}`, cell: null, [req.kind === 'site' ? 'showSites' : 'showZones']: true }));
      })
      .catch((e: Error) => setDrawMessage(`The ${req.kind} was not saved: ${e.message}`));
  };
  const startDrawing = (req: DrawRequest) => {
    const draw = drawRef.current;
    if (!draw) return;
    drawingRef.current = req;
    setDrawing(req);
    setDrawMessage(`Click on the map to place the corners of the ${req.kind}; click the first corner again, or press Enter, to finish. Escape cancels.`);
    draw.setMode('polygon');
  };
  const cancelDrawing = () => {
    const draw = drawRef.current;
    drawingRef.current = null;
    setDrawing(null);
    setDrawMessage(null);
    if (draw) { draw.clear(); draw.setMode('static'); }
  };
  const startEditing = (kind: 'zone' | 'site', feature: PlaceFeature) => {
    const draw = drawRef.current;
    if (!draw || feature.geometry.type === 'Point') { setDrawMessage('Only outlines can be edited on the map.'); return; }
    draw.clear();
    const polygons = feature.geometry.type === 'Polygon' ? [feature.geometry.coordinates] : (feature.geometry as GeoJSON.MultiPolygon).coordinates;
    const drawId = `edit-${kind}-${feature.id}`;
    // terra-draw edits Polygons: a MultiPolygon is edited by its first part.
    draw.addFeatures([{ id: drawId, type: 'Feature', geometry: { type: 'Polygon', coordinates: polygons[0]! }, properties: { mode: 'polygon' } }]);
    draw.setMode('select');
    draw.selectFeature(drawId);
    editingRef.current = true;
    setEditing({ kind, feature, drawId });
    setDrawMessage(`Drag the corners of "${feature.properties.name}" (or the midpoints to add corners), then save.`);
  };
  const finishEditing = async (save: boolean) => {
    const draw = drawRef.current, e = editing;
    if (!draw || !e) return;
    const f = draw.getSnapshotFeature(e.drawId);
    draw.clear(); draw.setMode('static');
    editingRef.current = false;
    setEditing(null);
    if (!save || !f) { setDrawMessage(null); return; }
    const { areaKm2: _a, ...props } = e.feature.properties;
    void _a;
    try {
      await sendJson('PUT', `/api/${e.kind}s/${e.feature.id}`, { ...props, geometry: f.geometry });
      await reloadPlaces();
      setDrawMessage(`"${e.feature.properties.name}" saved.`);
      setView((v) => ({ ...v, area: `${e.kind}:${e.feature.id}`, cell: null }));
    } catch (err) { setDrawMessage(`Not saved: ${(err as Error).message}`); }
  };

  // Month animation: one month a second.
  useEffect(() => {
    if (!playing || !meta) return;
    const months = meta.months.filter((m) => m >= view.from && m <= view.to);
    const timer = window.setInterval(() => {
      setView((v) => {
        const i = months.indexOf(v.month ?? '');
        return { ...v, month: months[(i + 1) % months.length] ?? null };
      });
    }, 1000);
    return () => window.clearInterval(timer);
  }, [playing, meta, view.from, view.to]);

  const flyTo = (cells: string[]) => {
    const map = mapRef.current;
    if (!map) return;
    const pts = cells.map((c) => cellToLatLng(c));
    const lats = pts.map((p) => p[0]), lngs = pts.map((p) => p[1]);
    map.fitBounds([[Math.min(...lngs), Math.min(...lats)], [Math.max(...lngs), Math.max(...lats)]], { padding: 120, maxZoom: 15, duration: 800 });
  };

  const overlays = useMemo(() => ({
    deprivation: view.showDeprivation ? deprivationClasses(view.deprivationMeasure) : null,
    zones: view.showZones && zones.features.length > 0, sites: view.showSites && sites.features.length > 0, repeat: view.showRepeat,
  }), [view.showDeprivation, view.deprivationMeasure, view.showZones, view.showSites, view.showRepeat, zones, sites]);

  const exportPng = () => {
    const map = mapRef.current;
    if (!map) return;
    map.once('render', () => {
      const a = document.createElement('a');
      a.download = `harmgrid-map-${view.from}-${view.to}.png`;
      a.href = mapPng(map.getCanvas(), legend, overlays);
      a.click();
    });
    map.triggerRepaint();
  };

  // The outline of the area whose panel is open.
  const showOutline = useCallback((g: GeoJSON.Geometry | null) => {
    const source = mapRef.current?.getSource('area-selected') as GeoJSONSource | undefined;
    source?.setData({ type: 'FeatureCollection', features: g ? [{ type: 'Feature', geometry: g, properties: {} }] : [] });
  }, []);
  useEffect(() => { if (!view.area || view.cell) showOutline(null); }, [view.area, view.cell, showOutline]);

  const searchItems = useMemo<SearchItem[]>(() => [
    ...(deprivation?.areas ?? []).map((a) => ({ key: `ward:${a.code}`, name: a.name, kind: 'ward' as const })),
    ...(districtDeprivation?.areas ?? []).map((a) => ({ key: `district:${a.code}`, name: a.name, kind: 'district' as const })),
  ], [deprivation, districtDeprivation]);
  const chooseArea = (item: SearchItem) => {
    const code = item.key.split(':')[1];
    const f = (item.kind === 'ward' ? wards : districts)?.features.find((x) => String(x.properties?.code ?? x.id) === code);
    if (f && mapRef.current) mapRef.current.fitBounds(bboxOf(f.geometry), { padding: 80, maxZoom: 15, duration: 800 });
    setView((v) => ({ ...v, area: item.key, cell: null }));
  };
  const analysisQuery = qs(baseQuery);

  return (
    <div className="app">
      <header className="topbar">
        <h1>harmgrid</h1>
        <p className="tagline">Where serious violence concentrates and where it is emerging</p>
        <nav className="views" aria-label="Views">
          <button type="button" aria-pressed={view.page === 'map'} onClick={() => update({ page: 'map' })}>Map</button>
          <button type="button" aria-pressed={view.page === 'partnership'} onClick={() => update({ page: 'partnership' })}>Partnership</button>
        </nav>
        {loading && <span className="status" role="status">Loading…</span>}
      </header>
      {view.page === 'partnership' && meta && (
        <div className="page-overlay"><PartnershipView meta={meta} definitions={definitions} onClose={() => update({ page: 'map' })} /></div>
      )}
      <aside className="sidebar" aria-label="Controls and results">
        {error && <p className="error" role="alert">{error}</p>}
        <Search items={searchItems} onChoose={chooseArea} />
        {meta && (
          <Controls view={view} update={update} meta={meta} definitions={definitions} schemes={schemes} resolution={resolution}
            playing={playing} setPlaying={setPlaying} exportPng={exportPng} analysisQuery={analysisQuery} />
        )}
        {meta && (
          <DrawControls drawing={drawing} editing={editing ? editing.feature.properties.name : null} message={drawMessage}
            onStart={startDrawing} onCancel={cancelDrawing} onSaveEdit={() => finishEditing(true)} onCancelEdit={() => finishEditing(false)} />
        )}
        {hchh && (
          <>
            <p className="row"><a className="button" href={`/api/patrol-briefing.html?${analysisQuery}`} target="_blank" rel="noopener">Patrol briefing</a></p>
            <HchhList hchh={hchh} onSelect={(f) => flyTo(f.properties.cellIds)} unit={hchh.scheme.unit}
              onDetails={(f) => { flyTo(f.properties.cellIds); update({ area: `hchh:${f.properties.rank}`, cell: null }); }} />
          </>
        )}
        <TopCells cells={topCells} unit={view.colourBy === 'count' ? 'incidents' : schemes.find((s) => s.key === view.scheme)?.unit ?? ''}
          selected={view.cell} onOpen={(cell) => update({ cell, area: null })} />
      </aside>
      <main className="map-wrap">
        <div ref={mapDiv} className="map" role="region" aria-label="Map of hotspot cells and High Crime High Harm areas" />
        {legend && <Legend model={legend} overlays={overlays} />}
      </main>
      {view.cell && (
        <CellPanel cell={view.cell} query={{ from: view.from, to: view.to, definition: view.definition, scheme: view.scheme }}
          unit={schemes.find((s) => s.key === view.scheme)?.unit ?? ''} stats={statsRef.current} onClose={() => update({ cell: null })} />
      )}
      {view.area && !view.cell && (
        <AreaPanel areaKey={view.area} query={{ from: view.from, to: view.to, definition: view.definition, scheme: view.scheme }} hchh={hchh}
          zones={zones.features} sites={sites.features} onClose={() => update({ area: null })} onEdit={startEditing}
          onDeleted={() => { update({ area: null }); reloadPlaces().catch(() => {}); }} onOutline={showOutline} />
      )}
    </div>
  );
}
