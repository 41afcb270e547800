import { BASEMAP_MAX_ZOOM } from './basemap';
import type { PmtilesInfo } from './pmtiles';

/** Attribution the licences require for what the map shows. */
export const ATTRIBUTION = [
  '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap contributors</a> (ODbL)',
  'Boundaries: Office for National Statistics, © Crown copyright and database right (OGL v3); contains OS data © Crown copyright and database right',
  'Crime data: data.police.uk (OGL v3)',
].join(' · ');

/** Fontstacks served by /tiles/glyphs (Noto Sans from @fontsource, drawn as SDF by this server). */
export const FONT_REGULAR = ['Noto Sans Regular'];
export const FONT_BOLD = ['Noto Sans Bold'];

const GREY_TEXT = '#4f4c47'; // 8.0:1 on the background
const DARK_TEXT = '#2f2d2a';
const HALO = '#f7f6f3';

/** Where the basemap's tiles come from: the offline OSM layers cut by this server, or a user's PMTiles archive. */
export type BasemapSource =
  | { kind: 'osm'; tilesUrl: string; bounds: [number, number, number, number] | null }
  | { kind: 'pmtiles'; url: string; info: PmtilesInfo };

/**
 * A quiet analytical basemap: muted greys so hotspots read first, main roads named from zoom 12.5,
 * every named street from 15, towns from 8 and suburbs from 11.5, road tunnels dashed. Everything
 * comes from this server: vector tiles (or the user's PMTiles archive, read by range requests),
 * glyphs, no sprite. District and ward outlines are drawn by the web app from the loaded boundaries.
 * With no basemap (`source` null) the style keeps only the background; the app then draws its
 * boundaries-only basemap.
 */
export function basemapStyle(opts: { source: BasemapSource | null; glyphsUrl: string }): Record<string, unknown> {
  const roadWidth = (base: number) => ['interpolate', ['exponential', 1.5], ['zoom'], 8, base * 0.3, 12, base, 16, base * 6];
  const notTunnel = ['!=', ['get', 'brunnel'], 'tunnel'];
  const classIn = (...classes: string[]) => ['in', ['get', 'class'], ['literal', classes]];
  const v = (layer: Record<string, unknown>) => ({ source: 'basemap', ...layer });
  const basemapLayers = [
    v({ id: 'landuse', type: 'fill', 'source-layer': 'landuse', minzoom: 12, paint: { 'fill-color': '#eeede8' } }),
    v({ id: 'green', type: 'fill', 'source-layer': 'green', minzoom: 11, paint: { 'fill-color': '#e3eadd' } }),
    v({ id: 'water', type: 'fill', 'source-layer': 'water', paint: { 'fill-color': '#cddae3' } }),
    v({ id: 'waterways', type: 'line', 'source-layer': 'waterways', minzoom: 11, paint: { 'line-color': '#cddae3', 'line-width': 1 } }),
    v({ id: 'buildings', type: 'fill', 'source-layer': 'buildings', minzoom: 14, paint: { 'fill-color': '#e2dfda', 'fill-outline-color': '#d3cfc8' } }),
    v({ id: 'paths', type: 'line', 'source-layer': 'paths', minzoom: 15, paint: { 'line-color': '#d6d3cd', 'line-width': 0.8, 'line-dasharray': [2, 1] } }),
    v({
      id: 'rail',
      type: 'line',
      'source-layer': 'rail',
      minzoom: 10,
      filter: notTunnel,
      paint: { 'line-color': '#b9b6b0', 'line-width': 1, 'line-dasharray': [3, 2] },
    }),
    v({ id: 'ferries', type: 'line', 'source-layer': 'ferries', minzoom: 10, paint: { 'line-color': '#a9bccb', 'line-width': 1, 'line-dasharray': [4, 3] } }),
    // Road tunnels are drawn faint and dashed, so a tunnel under a river does not seem to cross it.
    v({
      id: 'road-tunnels',
      type: 'line',
      'source-layer': 'roads',
      minzoom: 12,
      filter: ['==', ['get', 'brunnel'], 'tunnel'],
      paint: { 'line-color': '#cfccc6', 'line-width': 1, 'line-dasharray': [2, 2] },
    }),
    v({
      id: 'roads-minor',
      type: 'line',
      'source-layer': 'roads',
      minzoom: 13,
      filter: ['all', classIn('minor', 'service', 'pedestrian'), notTunnel],
      paint: { 'line-color': '#ffffff', 'line-width': roadWidth(1.2) },
    }),
    v({
      id: 'roads-secondary',
      type: 'line',
      'source-layer': 'roads',
      minzoom: 10,
      filter: ['all', classIn('secondary', 'tertiary'), notTunnel],
      paint: { 'line-color': '#ffffff', 'line-width': roadWidth(1.8) },
    }),
    v({
      id: 'roads-main',
      type: 'line',
      'source-layer': 'roads',
      minzoom: 7,
      filter: ['all', classIn('motorway', 'trunk', 'primary'), notTunnel],
      paint: { 'line-color': '#dad6ce', 'line-width': roadWidth(2.4) },
    }),
    v({
      id: 'road-labels',
      type: 'symbol',
      'source-layer': 'roads',
      minzoom: 12.5,
      filter: [
        'all',
        ['has', 'name'],
        notTunnel,
        ['any', classIn('motorway', 'trunk', 'primary'), ['all', ['>=', ['zoom'], 14], classIn('secondary', 'tertiary')], ['>=', ['zoom'], 15]],
      ],
      layout: {
        'symbol-placement': 'line',
        'text-field': ['get', 'name'],
        'text-font': FONT_REGULAR,
        'text-size': ['interpolate', ['linear'], ['zoom'], 13, 10.5, 17, 13],
        'symbol-spacing': 300,
      },
      paint: { 'text-color': GREY_TEXT, 'text-halo-color': HALO, 'text-halo-width': 1.4 },
    }),
    v({
      id: 'place-suburbs',
      type: 'symbol',
      'source-layer': 'places',
      minzoom: 11.5,
      filter: classIn('suburb', 'village', 'neighbourhood', 'hamlet'),
      layout: {
        'text-field': ['get', 'name'],
        'text-font': FONT_REGULAR,
        'text-size': ['interpolate', ['linear'], ['zoom'], 11.5, 11, 15, 14],
        'text-padding': 4,
      },
      paint: { 'text-color': GREY_TEXT, 'text-halo-color': HALO, 'text-halo-width': 1.6 },
    }),
    v({
      id: 'place-towns',
      type: 'symbol',
      'source-layer': 'places',
      minzoom: 8,
      filter: classIn('city', 'town'),
      layout: { 'text-field': ['get', 'name'], 'text-font': FONT_BOLD, 'text-size': ['interpolate', ['linear'], ['zoom'], 8, 11, 13, 15], 'text-padding': 4 },
      paint: { 'text-color': DARK_TEXT, 'text-halo-color': HALO, 'text-halo-width': 1.6 },
    }),
  ];
  const src = opts.source;
  const layers = !src
    ? []
    : src.kind === 'osm' || src.info.schema === 'harmgrid'
      ? basemapLayers
      : src.info.schema === 'protomaps'
        ? protomapsLayers(v)
        : src.info.schema === 'openmaptiles'
          ? openMapTilesLayers(v)
          : [v({ id: 'raster', type: 'raster', paint: { 'raster-saturation': -0.6, 'raster-opacity': 0.85 } })];
  const sources = !src
    ? {}
    : src.kind === 'osm'
      ? {
          basemap: {
            type: 'vector',
            tiles: [src.tilesUrl],
            minzoom: 0,
            maxzoom: BASEMAP_MAX_ZOOM,
            ...(src.bounds ? { bounds: src.bounds } : {}),
            attribution: ATTRIBUTION,
          },
        }
      : {
          basemap: {
            type: src.info.schema === 'raster' ? 'raster' : 'vector',
            url: src.url,
            attribution: [src.info.attribution ?? '© OpenStreetMap contributors', ATTRIBUTION].join(' · '),
          },
        };
  return {
    version: 8,
    name: 'harmgrid quiet basemap',
    metadata: {
      'harmgrid:basemap': !src
        ? 'none: the app draws the loaded boundaries'
        : src.kind === 'osm'
          ? 'offline OpenStreetMap layers'
          : `PMTiles archive (${src.info.schema} layers)`,
    },
    glyphs: opts.glyphsUrl,
    sources,
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#f4f3f0' } }, ...layers],
  };
}

type Layer = Record<string, unknown>;
const line = (color: string, base: number) => ({
  'line-color': color,
  'line-width': ['interpolate', ['exponential', 1.5], ['zoom'], 8, base * 0.3, 12, base, 16, base * 6],
});
const label = (font: string[], size: number, color = GREY_TEXT) => ({
  layout: { 'text-field': ['get', 'name'], 'text-font': font, 'text-size': size, 'text-padding': 4 },
  paint: { 'text-color': color, 'text-halo-color': HALO, 'text-halo-width': 1.6 },
});

/** The same quiet look over a Protomaps basemap archive (layers earth, water, landuse, roads, places; `kind` properties). */
function protomapsLayers(v: (l: Layer) => Layer): Layer[] {
  const kindIn = (...k: string[]) => ['in', ['get', 'kind'], ['literal', k]];
  return [
    v({ id: 'earth', type: 'fill', 'source-layer': 'earth', paint: { 'fill-color': '#f4f3f0' } }),
    v({
      id: 'green',
      type: 'fill',
      'source-layer': 'landuse',
      minzoom: 11,
      filter: kindIn('park', 'grass', 'wood', 'forest', 'nature_reserve', 'golf_course', 'allotments'),
      paint: { 'fill-color': '#e3eadd' },
    }),
    v({ id: 'water', type: 'fill', 'source-layer': 'water', paint: { 'fill-color': '#cddae3' } }),
    v({ id: 'roads-minor', type: 'line', 'source-layer': 'roads', minzoom: 13, filter: kindIn('minor_road', 'other'), paint: line('#ffffff', 1.2) }),
    v({ id: 'roads-secondary', type: 'line', 'source-layer': 'roads', minzoom: 10, filter: kindIn('medium_road'), paint: line('#ffffff', 1.8) }),
    v({ id: 'roads-main', type: 'line', 'source-layer': 'roads', minzoom: 7, filter: kindIn('highway', 'major_road'), paint: line('#dad6ce', 2.4) }),
    v({
      id: 'road-labels',
      type: 'symbol',
      'source-layer': 'roads',
      minzoom: 13,
      ...label(FONT_REGULAR, 11),
      layout: { ...label(FONT_REGULAR, 11).layout, 'symbol-placement': 'line' },
    }),
    v({
      id: 'place-suburbs',
      type: 'symbol',
      'source-layer': 'places',
      minzoom: 11.5,
      filter: kindIn('neighbourhood', 'macrohood'),
      ...label(FONT_REGULAR, 12),
    }),
    v({ id: 'place-towns', type: 'symbol', 'source-layer': 'places', minzoom: 8, filter: kindIn('locality'), ...label(FONT_BOLD, 13, DARK_TEXT) }),
  ];
}

/** The same quiet look over an OpenMapTiles archive (layers water, landcover, transportation, place; `class` properties). */
function openMapTilesLayers(v: (l: Layer) => Layer): Layer[] {
  const classIn = (...c: string[]) => ['in', ['get', 'class'], ['literal', c]];
  return [
    v({ id: 'green', type: 'fill', 'source-layer': 'landcover', minzoom: 11, filter: classIn('grass', 'wood'), paint: { 'fill-color': '#e3eadd' } }),
    v({ id: 'water', type: 'fill', 'source-layer': 'water', paint: { 'fill-color': '#cddae3' } }),
    v({ id: 'roads-minor', type: 'line', 'source-layer': 'transportation', minzoom: 13, filter: classIn('minor', 'service'), paint: line('#ffffff', 1.2) }),
    v({
      id: 'roads-secondary',
      type: 'line',
      'source-layer': 'transportation',
      minzoom: 10,
      filter: classIn('secondary', 'tertiary'),
      paint: line('#ffffff', 1.8),
    }),
    v({
      id: 'roads-main',
      type: 'line',
      'source-layer': 'transportation',
      minzoom: 7,
      filter: classIn('motorway', 'trunk', 'primary'),
      paint: line('#dad6ce', 2.4),
    }),
    v({
      id: 'road-labels',
      type: 'symbol',
      'source-layer': 'transportation_name',
      minzoom: 13,
      ...label(FONT_REGULAR, 11),
      layout: { ...label(FONT_REGULAR, 11).layout, 'symbol-placement': 'line' },
    }),
    v({
      id: 'place-suburbs',
      type: 'symbol',
      'source-layer': 'place',
      minzoom: 11.5,
      filter: classIn('suburb', 'village', 'neighbourhood', 'hamlet'),
      ...label(FONT_REGULAR, 12),
    }),
    v({ id: 'place-towns', type: 'symbol', 'source-layer': 'place', minzoom: 8, filter: classIn('city', 'town'), ...label(FONT_BOLD, 13, DARK_TEXT) }),
  ];
}
