import type { ExpressionSpecification, GeoJSONSource, LayerSpecification, MapSourceDataEvent, Map as MlMap, SourceSpecification } from 'maplibre-gl';
import { qs } from '../api';
import { REPEAT_COLOUR, SITE_COLOUR } from '../layers';
import { resolutionOf, type ViewState } from '../state';

/**
 * Every layer the app draws, as data: its sources, its MapLibre layers (bottom to top), the switch in
 * the view state that shows it, the legend section that explains it, and the API request it needs in
 * a given view (null when it needs none, so a layer that is off is never fetched). The hooks in
 * ./layers fill the sources; the map installs the layers once, in this order.
 */
export type Toggle = 'showCells' | 'showHchh' | 'showWards' | 'showDeprivation' | 'showZones' | 'showSites' | 'showRepeat';

export interface LayerEntry {
  id: string;
  /** The view-state switch that shows this entry; null: always shown (when it has data). */
  toggle: Toggle | null;
  /** Only with the boundaries-only basemap, where no basemap covers the data. */
  boundariesOnly?: boolean;
  sources: Record<string, SourceSpecification>;
  /** Layers bottom to top; `underLabels` go beneath the basemap's first label layer. */
  layers: ((font: string[]) => LayerSpecification)[];
  underLabels?: boolean;
  /** Layers a click opens a panel from, in the order they win when stacked. */
  clickable?: string[];
  /** The legend section that explains the entry (Legend.tsx). */
  legend: 'cells' | 'deprivation' | 'zones' | 'sites' | 'repeat' | null;
  /** The API request whose answer this entry draws in this view, or null. */
  request: (v: ViewState) => string | null;
}

const empty = (attribution?: string): SourceSpecification => ({
  type: 'geojson',
  data: { type: 'FeatureCollection', features: [] },
  ...(attribution ? { attribution } : {}),
});
const CRIME = 'Crime data: data.police.uk (OGL v3)';
// The same words as the basemap style's, so MapLibre shows the credit once.
const BOUNDARIES =
  'Boundaries: Office for National Statistics, © Crown copyright and database right (OGL v3); contains OS data © Crown copyright and database right';

/** The query every analysis layer shares: force, period, definition, scheme, resolution, study area. */
export function analysisQuery(v: ViewState): Record<string, string | number> {
  return { ...periodQuery(v), resolution: resolutionOf(v), ...(v.districts ? { districts: v.districts } : {}) };
}
/** Force, period, definition and scheme: what every answer about incidents depends on. */
export function periodQuery(v: ViewState): { force?: string; from: string; to: string; definition: string; scheme: string } {
  return { ...(v.force ? { force: v.force } : {}), from: v.from, to: v.to, definition: v.definition, scheme: v.scheme };
}
/** Whether the view knows enough to ask the API (period, definition, scheme and a camera). */
export const analysable = (v: ViewState): boolean => Boolean(v.from && v.to && v.definition && v.scheme && v.zoom !== null);

/**
 * Whether the cells come as vector tiles: harm or incidents over the whole period (empty cells too),
 * the map's first view. Gi*, emerging patterns and the month slider are whole answers drawn by the
 * cells worker (their colours come from statistics over every cell at once).
 */
export const cellsTiled = (v: ViewState): boolean => (v.colourBy === 'harm' || v.colourBy === 'count') && !v.month;

/** The query of the cell tiles in a view (the same as /api/cells takes). */
export const cellsTileQuery = (v: ViewState): string => qs({ ...analysisQuery(v), ...(v.zeros ? { zeros: 'true' } : {}) });

/**
 * The request behind the hexagons: which endpoint depends on what the cells are coloured by. Tiled
 * cells first ask for the summary (counts, maxima for the colour scale, extent); MapLibre then asks
 * for the tiles in view itself.
 */
export function cellsRequest(v: ViewState): string | null {
  if (!v.showCells || !analysable(v)) return null;
  const q = analysisQuery(v);
  if (v.colourBy === 'gistar') return `/api/gistar?${qs({ ...q, variable: 'count' })}`;
  if (v.colourBy === 'emerging') return `/api/emerging?${qs(q)}`;
  if (v.month) return `/api/cells/by-month?${qs(q)}`;
  return `/api/cells/summary?${cellsTileQuery(v)}`;
}

/** The summary of a tiled answer (GET /api/cells/summary). */
export interface CellsSummary {
  from: string;
  to: string;
  resolution: number;
  coverage: import('../api').PeriodCoverage;
  cells: number;
  withIncidents: number;
  empty: number;
  max: { incidents: number; harm: number };
  bounds: [number, number, number, number] | null;
  tiles: { url: string; layer: string; minzoom: number; maxzoom: number };
}

/** The two ways the cells are drawn: a vector-tile source of the server's tiles, or the worker's GeoJSON. */
export type CellsSource = { kind: 'tiles'; summary: CellsSummary; fill: ExpressionSpecification } | { kind: 'geojson'; url: string };

/** The cells' fill and selection outline for a source kind (vector layers name their source-layer). */
function cellsLayers(source: CellsSource, selected: string | null, antialias: boolean): [LayerSpecification, LayerSpecification] {
  const layer = source.kind === 'tiles' ? { 'source-layer': source.summary.tiles.layer } : {};
  return [
    {
      id: 'cells-fill',
      type: 'fill',
      source: 'cells',
      ...layer,
      paint: { 'fill-color': source.kind === 'tiles' ? source.fill : ['get', 'fill'], 'fill-opacity': 0.72, 'fill-antialias': antialias },
    },
    {
      id: 'cells-selected',
      type: 'line',
      source: 'cells',
      ...layer,
      filter: ['==', ['get', 'cell'], selected ?? ''],
      paint: { 'line-color': '#e66100', 'line-width': 3.5 },
    },
  ];
}

/**
 * Puts the cells' source on the map. A GeoJSON answer replacing a GeoJSON answer is set as new data
 * (the month slider: no flicker); otherwise the source is made anew, with its two layers re-added
 * where they were. Above 20,000 cells the fill's antialiasing outline is dropped: it is drawn per
 * hexagon and roughly doubles the work of every frame, and at that density the edges are sub-pixel.
 * Resolves once the map has read the data (GeoJSON) or drawn every tile in view (tiles).
 */
export function showCells(map: MlMap, source: CellsSource, count: number, selected: string | null): Promise<void> {
  const antialias = count <= 20_000;
  const current = map.getSource('cells');
  if (source.kind === 'geojson' && current?.type === 'geojson') {
    map.setPaintProperty('cells-fill', 'fill-antialias', antialias);
    return new Promise((resolve) => {
      const onData = (e: MapSourceDataEvent) => {
        if (e.sourceId !== 'cells' || e.sourceDataType !== 'content') return;
        map.off('sourcedata', onData);
        resolve();
      };
      map.on('sourcedata', onData);
      (current as GeoJSONSource).setData(source.url);
    });
  }
  const order = map.getStyle().layers.map((l) => l.id);
  const after = (id: string) => order.slice(order.indexOf(id) + 1).find((l) => l !== 'cells-fill' && l !== 'cells-selected');
  const visibility = map.getLayer('cells-fill') ? map.getLayoutProperty('cells-fill', 'visibility') : undefined;
  const [beforeFill, beforeSelected] = [after('cells-fill'), after('cells-selected')];
  for (const id of ['cells-selected', 'cells-fill']) if (map.getLayer(id)) map.removeLayer(id);
  if (current) map.removeSource('cells');
  map.addSource(
    'cells',
    source.kind === 'tiles'
      ? {
          type: 'vector',
          // Absolute (MapLibre's worker fetches it) and written out by hand: URL() would escape the {z}/{x}/{y}.
          tiles: [`${window.location.origin}${source.summary.tiles.url}`],
          minzoom: source.summary.tiles.minzoom,
          maxzoom: source.summary.tiles.maxzoom,
          ...(source.summary.bounds ? { bounds: source.summary.bounds } : {}),
          attribution: CRIME,
        }
      : { type: 'geojson', data: source.url, attribution: CRIME },
  );
  const [fill, outline] = cellsLayers(source, selected, antialias);
  map.addLayer({ ...fill, layout: { visibility: visibility ?? 'visible' } } as LayerSpecification, beforeFill);
  map.addLayer({ ...outline, layout: { visibility: visibility ?? 'visible' } } as LayerSpecification, beforeSelected);
  // 'idle': the style is loaded, every tile in view is drawn and nothing moves (never before the source's tiles exist).
  return new Promise((resolve) => map.once('idle', () => resolve()));
}

/**
 * Ward outlines: of the vintage the deprivation figures are given for once they are loaded (so the
 * choropleth and the outlines match), else the latest vintage loaded.
 */
export const wardsUrl = (vintage: string | null): string => `/api/boundaries?kind=ward${vintage ? `&vintage=${vintage}` : ''}`;
export const DISTRICTS_URL = '/api/boundaries?kind=district';

export const REGISTRY: LayerEntry[] = [
  {
    // A light land tint under the outlines, so the study area reads against the background.
    id: 'district-land',
    toggle: null,
    boundariesOnly: true,
    legend: null,
    underLabels: true,
    sources: { 'district-land': empty() },
    layers: [() => ({ id: 'district-land', type: 'fill', source: 'district-land', paint: { 'fill-color': '#fbfaf7' } })],
    request: () => null,
  },
  {
    id: 'wards',
    toggle: 'showWards',
    legend: null,
    underLabels: true,
    sources: { wards: empty(BOUNDARIES) },
    layers: [
      () => ({
        id: 'wards',
        type: 'line',
        source: 'wards',
        minzoom: 10,
        layout: { visibility: 'visible' },
        paint: { 'line-color': '#8d8a84', 'line-width': 0.6, 'line-dasharray': [3, 2] },
      }),
    ],
    request: (v) => (v.showWards ? wardsUrl(null) : null),
  },
  {
    id: 'districts',
    toggle: null,
    legend: null,
    underLabels: true,
    sources: { districts: empty(BOUNDARIES) },
    layers: [() => ({ id: 'districts', type: 'line', source: 'districts', paint: { 'line-color': '#5f5c57', 'line-width': 1.4 } })],
    request: () => DISTRICTS_URL,
  },
  {
    id: 'deprivation',
    toggle: 'showDeprivation',
    legend: 'deprivation',
    underLabels: true,
    clickable: ['deprivation-fill'],
    sources: { deprivation: empty('Deprivation: English Indices of Deprivation 2019 (MHCLG, OGL v3)') },
    layers: [
      () => ({
        id: 'deprivation-fill',
        type: 'fill',
        source: 'deprivation',
        layout: { visibility: 'none' },
        paint: { 'fill-color': ['get', 'fill'], 'fill-opacity': 0.5 },
      }),
      () => ({
        id: 'deprivation-line',
        type: 'line',
        source: 'deprivation',
        layout: { visibility: 'none' },
        paint: { 'line-color': '#7a4a10', 'line-width': 0.6 },
      }),
    ],
    request: (v) => (v.showDeprivation ? '/api/deprivation?level=ward' : null),
  },
  {
    id: 'cells',
    toggle: 'showCells',
    legend: 'cells',
    underLabels: true,
    clickable: ['cells-fill'],
    sources: { cells: empty(CRIME) },
    layers: [() => ({ id: 'cells-fill', type: 'fill', source: 'cells', paint: { 'fill-color': ['get', 'fill'], 'fill-opacity': 0.72 } })],
    request: cellsRequest,
  },
  {
    id: 'cells-selected',
    toggle: null,
    legend: null,
    sources: {},
    layers: [
      () => ({
        id: 'cells-selected',
        type: 'line',
        source: 'cells',
        filter: ['==', ['get', 'cell'], ''],
        paint: { 'line-color': '#e66100', 'line-width': 3.5 },
      }),
    ],
    request: () => null,
  },
  {
    id: 'hchh',
    toggle: 'showHchh',
    legend: null,
    clickable: ['hchh-rank'],
    sources: { hchh: empty(CRIME), 'hchh-labels': empty() },
    layers: [
      () => ({ id: 'hchh-outline', type: 'line', source: 'hchh', paint: { 'line-color': '#111111', 'line-width': 2.2 } }),
      (font) => ({
        id: 'hchh-rank',
        type: 'symbol',
        source: 'hchh-labels',
        layout: { 'text-field': ['to-string', ['get', 'rank']], 'text-font': font, 'text-size': 13, 'text-allow-overlap': true },
        paint: { 'text-color': '#111111', 'text-halo-color': '#ffffff', 'text-halo-width': 2 },
      }),
    ],
    // HCHH areas are the same whatever resolution the cells show (the patrol plan builds them from res-11 cells, a partner's from res 9): asked once, at 9; an open HCHH panel needs them too.
    request: (v) => ((v.showHchh || v.area?.startsWith('hchh:')) && analysable(v) ? `/api/hchh?${qs({ ...analysisQuery(v), resolution: 9 })}` : null),
  },
  {
    id: 'zones',
    toggle: 'showZones',
    legend: 'zones',
    clickable: ['zones-fill'],
    sources: { zones: empty() },
    layers: [
      () => ({ id: 'zones-fill', type: 'fill', source: 'zones', paint: { 'fill-color': ['get', 'colour'], 'fill-opacity': 0.14 } }),
      () => ({
        id: 'zones-outline',
        type: 'line',
        source: 'zones',
        paint: {
          'line-color': ['get', 'colour'],
          'line-width': 3,
          // Each phase has its own dash too, so it reads without colour.
          'line-dasharray': [
            'match',
            ['get', 'phase'],
            'planned',
            ['literal', [1, 1.5]],
            'clear',
            ['literal', [4, 1.5]],
            'hold',
            ['literal', [2, 1, 0.5, 1]],
            ['literal', [1, 0]],
          ],
        },
      }),
      (font) => ({
        id: 'zones-label',
        type: 'symbol',
        source: 'zones',
        layout: { 'text-field': ['concat', ['get', 'name'], ' (', ['get', 'phase'], ')'], 'text-font': font, 'text-size': 12, 'symbol-placement': 'point' },
        paint: { 'text-color': '#1a1a1a', 'text-halo-color': '#ffffff', 'text-halo-width': 2 },
      }),
    ],
    request: () => '/api/zones',
  },
  {
    id: 'sites',
    toggle: 'showSites',
    legend: 'sites',
    clickable: ['sites-point', 'sites-fill'],
    sources: { sites: empty() },
    layers: [
      () => ({
        id: 'sites-fill',
        type: 'fill',
        source: 'sites',
        filter: ['!=', ['geometry-type'], 'Point'],
        paint: { 'fill-color': SITE_COLOUR, 'fill-opacity': 0.25 },
      }),
      () => ({
        id: 'sites-outline',
        type: 'line',
        source: 'sites',
        filter: ['!=', ['geometry-type'], 'Point'],
        paint: { 'line-color': '#8a3f6e', 'line-width': 2.5 },
      }),
      () => ({
        id: 'sites-point',
        type: 'circle',
        source: 'sites',
        filter: ['==', ['geometry-type'], 'Point'],
        paint: { 'circle-color': SITE_COLOUR, 'circle-radius': 7, 'circle-stroke-color': '#8a3f6e', 'circle-stroke-width': 2 },
      }),
      (font) => ({
        id: 'sites-label',
        type: 'symbol',
        source: 'sites',
        layout: { 'text-field': ['get', 'name'], 'text-font': font, 'text-size': 12, 'text-offset': [0, 1.2] },
        paint: { 'text-color': '#5a1f46', 'text-halo-color': '#ffffff', 'text-halo-width': 2 },
      }),
    ],
    request: () => '/api/sites',
  },
  {
    // Yellow on a dark casing: apart from the phase colours, the site pink and the orange selected cell.
    id: 'area-selected',
    toggle: null,
    legend: null,
    sources: { 'area-selected': empty() },
    layers: [
      () => ({ id: 'area-selected-casing', type: 'line', source: 'area-selected', paint: { 'line-color': '#1a1a1a', 'line-width': 6 } }),
      () => ({ id: 'area-selected', type: 'line', source: 'area-selected', paint: { 'line-color': '#f0e442', 'line-width': 3 } }),
    ],
    request: () => null,
  },
  {
    id: 'repeat',
    toggle: 'showRepeat',
    legend: 'repeat',
    sources: { repeat: empty() },
    layers: [
      () => ({
        id: 'repeat-points',
        type: 'circle',
        source: 'repeat',
        layout: { visibility: 'none' },
        paint: {
          'circle-color': '#ffffff',
          'circle-stroke-color': REPEAT_COLOUR,
          'circle-stroke-width': 2,
          'circle-radius': ['interpolate', ['linear'], ['sqrt', ['get', 'incidents']], 1, 3, 12, 14],
        },
      }),
    ],
    request: (v) => (v.showRepeat && analysable(v) ? `/api/repeat-locations?${qs(periodQuery(v))}` : null),
  },
  {
    // Names from the loaded boundaries, for the boundaries-only basemap: districts first, wards closer in.
    id: 'boundary-labels',
    toggle: null,
    boundariesOnly: true,
    legend: null,
    sources: {},
    layers: [
      (font) => ({
        id: 'district-labels',
        type: 'symbol',
        source: 'districts',
        maxzoom: 12,
        layout: { 'text-field': ['get', 'name'], 'text-font': font, 'text-size': ['interpolate', ['linear'], ['zoom'], 8, 11, 12, 15], 'text-padding': 6 },
        paint: { 'text-color': '#2f2d2a', 'text-halo-color': '#f7f6f3', 'text-halo-width': 1.6 },
      }),
      (font) => ({
        id: 'ward-labels',
        type: 'symbol',
        source: 'wards',
        minzoom: 12,
        layout: { 'text-field': ['get', 'name'], 'text-font': font, 'text-size': ['interpolate', ['linear'], ['zoom'], 12, 11, 15, 14], 'text-padding': 4 },
        paint: { 'text-color': '#4f4c47', 'text-halo-color': '#f7f6f3', 'text-halo-width': 1.4 },
      }),
    ],
    request: () => null,
  },
];

/** Click order: sites, then zones, then cells, then HCHH rank labels, then deprivation wards. */
export const CLICK_ORDER = ['sites-point', 'sites-fill', 'zones-fill', 'cells-fill', 'hchh-rank', 'deprivation-fill'];

/** Every MapLibre layer id of an entry. */
export const layerIds = (entry: LayerEntry, font: string[] = []): string[] => entry.layers.map((l) => l(font).id);

/**
 * Adds every entry's sources and layers to the map. Layers marked underLabels go beneath the base
 * style's first label layer, so street and place names stay readable above the hexagons.
 */
export function installLayers(map: MlMap, font: string[], boundariesOnly: boolean): void {
  const firstLabel = map.getStyle().layers.find((l) => l.type === 'symbol')?.id;
  for (const entry of REGISTRY) {
    for (const [id, spec] of Object.entries(entry.sources)) if (!map.getSource(id)) map.addSource(id, spec);
    for (const make of entry.layers) {
      const spec = make(font);
      if (entry.boundariesOnly && !boundariesOnly) spec.layout = { ...spec.layout, visibility: 'none' };
      map.addLayer(spec, entry.underLabels ? firstLabel : undefined);
    }
  }
}

/** Shows or hides each entry's layers from its switch in the view state. */
export function applyToggles(map: MlMap, v: ViewState, boundariesOnly: boolean): void {
  for (const entry of REGISTRY) {
    const on = (entry.toggle ? v[entry.toggle] : true) && (!entry.boundariesOnly || boundariesOnly);
    for (const id of layerIds(entry)) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
  }
}
