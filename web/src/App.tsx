import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import * as maplibregl from 'maplibre-gl';
import type { GeoJSONSource, Map as MlMap, MapGeoJSONFeature, MapLayerMouseEvent } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { cellToBoundary, cellToLatLng } from 'h3-js';
import { getJson, qs, type Cells, type CellsByMonth, type Definition, type Emerging, type Gistar, type Hchh, type Meta, type Scheme } from './api';
import { EMERGING_COLOURS, GI_BIN_COLOURS, sequential } from './colours';
import { defaultView, readUrl, resolutionForZoom, writeUrl, type ViewState } from './state';
import { Controls } from './Controls';
import { Legend, type LegendModel } from './Legend';
import { CellPanel } from './CellPanel';
import { HchhList } from './HchhList';
import { PartnershipView } from './PartnershipView';

declare global {
  interface Window { __harmgridMap?: MlMap; __harmgridReady?: boolean }
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
  }, []);

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
      mapRef.current = map;
      window.__harmgridMap = map;
      setMapReady(true);
    });
    map.on('moveend', () => {
      const c = map.getCenter();
      setZoomResolution(resolutionForZoom(map.getZoom()));
      setView((v) => ({ ...v, lng: c.lng, lat: c.lat, zoom: map.getZoom() }));
    });
    map.on('click', 'cells-fill', (e: MapLayerMouseEvent) => {
      const f = e.features?.[0] as MapGeoJSONFeature | undefined;
      if (f) setView((v) => ({ ...v, cell: String(f.properties.cell) }));
    });
    map.on('mouseenter', 'cells-fill', () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', 'cells-fill', () => { map.getCanvas().style.cursor = ''; });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [styleUrl]);

  useEffect(() => { writeUrl(view); }, [view]);

  const ready = mapReady && view.from && view.to && view.definition && view.scheme;
  const baseQuery = useMemo(() => ({ from: view.from, to: view.to, definition: view.definition, scheme: view.scheme, resolution }),
    [view.from, view.to, view.definition, view.scheme, resolution]);

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
        (map.getSource('cells') as GeoJSONSource).setData(data);
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
        (map.getSource('cells') as GeoJSONSource).setData(data);
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
        (map.getSource('cells') as GeoJSONSource).setData(cellFeatures(m.cells, (i) => (shown[i]! > 0 ? colour(shown[i]!) : null), (i) => ({ incidents: inc[i]!, harm: harm[i]!, label: '' })));
        setLegend({ kind: 'sequential', title, unit: measureUnit, measure: measureName, schemeName, max, from: view.cumulative ? m.from : view.month, to: view.month, note: view.cumulative ? `cumulative from ${m.from}` : 'one month; colours fixed over the whole period' });
        return;
      }
      const c = await getJson<Cells>(`/api/cells?${qs(baseQuery)}`, controller.signal);
      const values = measure === 'incidents' ? c.incidents : c.harm;
      const max = Math.max(0, ...values);
      const colour = sequential(max);
      (map.getSource('cells') as GeoJSONSource).setData(cellFeatures(c.cells, (i) => colour(values[i]!), (i) => ({ incidents: c.incidents[i]!, harm: c.harm[i]!, label: '' })));
      setLegend({ kind: 'sequential', title, unit: measureUnit, measure: measureName, schemeName, max, from: c.from, to: c.to, note: `${c.cells.length.toLocaleString('en-GB')} cells with incidents, H3 resolution ${c.resolution}` });
    };
    run().then(() => { setLoading(false); window.__harmgridReady = true; })
      .catch((e: Error) => { if (e.name !== 'AbortError') { setError(e.message); setLoading(false); } });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ready, baseQuery, view.colourBy, view.month, view.cumulative, definitions, schemes]);

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
    map.setFilter('cells-selected', ['==', ['get', 'cell'], view.cell ?? '']);
  }, [mapReady, view.showCells, view.showHchh, view.showWards, view.cell]);

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

  const exportPng = () => {
    const map = mapRef.current;
    if (!map) return;
    const canvas = map.getCanvas();
    const out = document.createElement('canvas');
    out.width = canvas.width;
    out.height = canvas.height + 90;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(canvas, 0, 0);
    ctx.fillStyle = '#1a1a1a';
    ctx.font = '16px "Noto Sans", sans-serif';
    ctx.fillText(`harmgrid — ${legend?.title ?? ''} — ${legend?.unit ?? ''}, ${legend?.from ?? ''} to ${legend?.to ?? ''}`, 12, canvas.height + 28);
    ctx.font = '12px "Noto Sans", sans-serif';
    ctx.fillText('© OpenStreetMap contributors (ODbL) · Boundaries: ONS, contains OS data © Crown copyright (OGL v3) · Crime data: data.police.uk (OGL v3)', 12, canvas.height + 56);
    const a = document.createElement('a');
    a.download = `harmgrid-map-${view.from}-${view.to}.png`;
    a.href = out.toDataURL('image/png');
    a.click();
  };

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
        {meta && (
          <Controls view={view} update={update} meta={meta} definitions={definitions} schemes={schemes} resolution={resolution}
            playing={playing} setPlaying={setPlaying} exportPng={exportPng} />
        )}
        {hchh && <HchhList hchh={hchh} onSelect={(f) => flyTo(f.properties.cellIds)} unit={hchh.scheme.unit} />}
      </aside>
      <main className="map-wrap">
        <div ref={mapDiv} className="map" role="region" aria-label="Map of hotspot cells and High Crime High Harm areas" />
        {legend && <Legend model={legend} />}
      </main>
      {view.cell && (
        <CellPanel cell={view.cell} query={{ from: view.from, to: view.to, definition: view.definition, scheme: view.scheme }}
          unit={schemes.find((s) => s.key === view.scheme)?.unit ?? ''} stats={statsRef.current} onClose={() => update({ cell: null })} />
      )}
    </div>
  );
}
