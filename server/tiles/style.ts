import { BASEMAP_MAX_ZOOM } from './basemap';

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

/**
 * A quiet analytical basemap: muted greys so hotspots read first, main roads named from zoom 12.5,
 * every named street from 15, towns from 8 and suburbs from 11.5, Mersey tunnels dashed, district
 * and ward outlines on top. Everything comes from this server: vector tiles, glyphs, no sprite.
 * With no basemap files (`tilesUrl` null) the style keeps only the background, so overlays still draw.
 */
export function basemapStyle(opts: { tilesUrl: string | null; glyphsUrl: string }): Record<string, unknown> {
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
    v({ id: 'rail', type: 'line', 'source-layer': 'rail', minzoom: 10, filter: notTunnel, paint: { 'line-color': '#b9b6b0', 'line-width': 1, 'line-dasharray': [3, 2] } }),
    v({ id: 'ferries', type: 'line', 'source-layer': 'ferries', minzoom: 10, paint: { 'line-color': '#a9bccb', 'line-width': 1, 'line-dasharray': [4, 3] } }),
    // The Queensway and Kingsway tunnels are drawn faint and dashed so they do not seem to cross the Mersey.
    v({ id: 'road-tunnels', type: 'line', 'source-layer': 'roads', minzoom: 12, filter: ['==', ['get', 'brunnel'], 'tunnel'], paint: { 'line-color': '#cfccc6', 'line-width': 1, 'line-dasharray': [2, 2] } }),
    v({ id: 'roads-minor', type: 'line', 'source-layer': 'roads', minzoom: 13, filter: ['all', classIn('minor', 'service', 'pedestrian'), notTunnel], paint: { 'line-color': '#ffffff', 'line-width': roadWidth(1.2) } }),
    v({ id: 'roads-secondary', type: 'line', 'source-layer': 'roads', minzoom: 10, filter: ['all', classIn('secondary', 'tertiary'), notTunnel], paint: { 'line-color': '#ffffff', 'line-width': roadWidth(1.8) } }),
    v({ id: 'roads-main', type: 'line', 'source-layer': 'roads', minzoom: 7, filter: ['all', classIn('motorway', 'trunk', 'primary'), notTunnel], paint: { 'line-color': '#dad6ce', 'line-width': roadWidth(2.4) } }),
    v({ id: 'wards', type: 'line', 'source-layer': 'wards', minzoom: 11, paint: { 'line-color': '#8d8a84', 'line-width': 0.6, 'line-dasharray': [3, 2] } }),
    v({ id: 'districts', type: 'line', 'source-layer': 'districts', paint: { 'line-color': '#5f5c57', 'line-width': 1.4 } }),
    v({
      id: 'road-labels', type: 'symbol', 'source-layer': 'roads', minzoom: 12.5,
      filter: ['all', ['has', 'name'], notTunnel, ['any',
        classIn('motorway', 'trunk', 'primary'),
        ['all', ['>=', ['zoom'], 14], classIn('secondary', 'tertiary')],
        ['>=', ['zoom'], 15]]],
      layout: { 'symbol-placement': 'line', 'text-field': ['get', 'name'], 'text-font': FONT_REGULAR, 'text-size': ['interpolate', ['linear'], ['zoom'], 13, 10.5, 17, 13], 'symbol-spacing': 300 },
      paint: { 'text-color': GREY_TEXT, 'text-halo-color': HALO, 'text-halo-width': 1.4 },
    }),
    v({
      id: 'place-suburbs', type: 'symbol', 'source-layer': 'places', minzoom: 11.5, filter: classIn('suburb', 'village', 'neighbourhood', 'hamlet'),
      layout: { 'text-field': ['get', 'name'], 'text-font': FONT_REGULAR, 'text-size': ['interpolate', ['linear'], ['zoom'], 11.5, 11, 15, 14], 'text-padding': 4 },
      paint: { 'text-color': GREY_TEXT, 'text-halo-color': HALO, 'text-halo-width': 1.6 },
    }),
    v({
      id: 'place-towns', type: 'symbol', 'source-layer': 'places', minzoom: 8, filter: classIn('city', 'town'),
      layout: { 'text-field': ['get', 'name'], 'text-font': FONT_BOLD, 'text-size': ['interpolate', ['linear'], ['zoom'], 8, 11, 13, 15], 'text-padding': 4 },
      paint: { 'text-color': DARK_TEXT, 'text-halo-color': HALO, 'text-halo-width': 1.6 },
    }),
  ];
  return {
    version: 8,
    name: 'harmgrid quiet basemap',
    metadata: { 'harmgrid:basemap': opts.tilesUrl ? 'OpenStreetMap layers of Merseyside, OSM data of about 2021-08' : 'missing: no basemap files found' },
    glyphs: opts.glyphsUrl,
    sources: opts.tilesUrl
      ? { basemap: { type: 'vector', tiles: [opts.tilesUrl], minzoom: 0, maxzoom: BASEMAP_MAX_ZOOM, bounds: [-3.23, 53.28, -2.57, 53.7], attribution: ATTRIBUTION } }
      : {},
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#f4f3f0' } },
      ...(opts.tilesUrl ? basemapLayers : []),
    ],
  };
}
