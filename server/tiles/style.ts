import { BASEMAP_MAX_ZOOM } from './basemap';

/** Attribution the licences require for what the map shows. */
export const ATTRIBUTION = [
  '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap contributors</a> (ODbL)',
  'Boundaries: Office for National Statistics, © Crown copyright and database right (OGL v3); contains OS data © Crown copyright and database right',
  'Crime data: data.police.uk (OGL v3)',
].join(' · ');

/** The text font: Noto Sans, shipped with the web app from @fontsource (MapLibre draws it locally). */
const FONT = ['Noto Sans', 'sans-serif'];

/**
 * A quiet analytical basemap: muted greys so hotspots read first, roads labelled at street zooms,
 * places by importance, district and ward outlines on top. The style has no `glyphs` URL: MapLibre
 * GL JS (5.11 and later) then renders labels with the page's own fonts, so nothing is fetched from
 * outside.
 */
export function basemapStyle(tilesUrl: string): object {
  const roadWidth = (base: number) => ['interpolate', ['exponential', 1.5], ['zoom'], 8, base * 0.3, 12, base, 16, base * 6];
  return {
    version: 8,
    name: 'harmgrid quiet basemap',
    sources: {
      basemap: { type: 'vector', tiles: [tilesUrl], minzoom: 0, maxzoom: BASEMAP_MAX_ZOOM, attribution: ATTRIBUTION },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#f4f3f0' } },
      { id: 'landuse', type: 'fill', source: 'basemap', 'source-layer': 'landuse', minzoom: 10, paint: { 'fill-color': '#ecebe6' } },
      { id: 'green', type: 'fill', source: 'basemap', 'source-layer': 'green', minzoom: 9, paint: { 'fill-color': '#e4ebdf' } },
      { id: 'water', type: 'fill', source: 'basemap', 'source-layer': 'water', paint: { 'fill-color': '#cfdbe3' } },
      { id: 'waterways', type: 'line', source: 'basemap', 'source-layer': 'waterways', minzoom: 11, paint: { 'line-color': '#cfdbe3', 'line-width': 1 } },
      { id: 'buildings', type: 'fill', source: 'basemap', 'source-layer': 'buildings', minzoom: 14, paint: { 'fill-color': '#e2dfda', 'fill-outline-color': '#d6d2cc' } },
      { id: 'paths', type: 'line', source: 'basemap', 'source-layer': 'paths', minzoom: 15, paint: { 'line-color': '#d9d6d0', 'line-width': 0.8, 'line-dasharray': [2, 1] } },
      { id: 'rail', type: 'line', source: 'basemap', 'source-layer': 'rail', minzoom: 10, filter: ['!=', ['get', 'brunnel'], 'tunnel'], paint: { 'line-color': '#bdbab4', 'line-width': 1, 'line-dasharray': [3, 2] } },
      { id: 'ferries', type: 'line', source: 'basemap', 'source-layer': 'ferries', minzoom: 10, paint: { 'line-color': '#a9bccb', 'line-width': 1, 'line-dasharray': [4, 3] } },
      // The Mersey tunnels are drawn faint and dashed so they do not seem to cross the river.
      { id: 'road-tunnels', type: 'line', source: 'basemap', 'source-layer': 'roads', minzoom: 12, filter: ['==', ['get', 'brunnel'], 'tunnel'], paint: { 'line-color': '#d4d1cb', 'line-width': 1, 'line-dasharray': [2, 2] } },
      { id: 'roads-minor', type: 'line', source: 'basemap', 'source-layer': 'roads', minzoom: 13, filter: ['all', ['in', ['get', 'class'], ['literal', ['minor', 'service', 'pedestrian']]], ['!=', ['get', 'brunnel'], 'tunnel']], paint: { 'line-color': '#ffffff', 'line-width': roadWidth(1.2) } },
      { id: 'roads-secondary', type: 'line', source: 'basemap', 'source-layer': 'roads', minzoom: 10, filter: ['all', ['in', ['get', 'class'], ['literal', ['secondary', 'tertiary']]], ['!=', ['get', 'brunnel'], 'tunnel']], paint: { 'line-color': '#ffffff', 'line-width': roadWidth(1.8) } },
      { id: 'roads-main', type: 'line', source: 'basemap', 'source-layer': 'roads', minzoom: 7, filter: ['all', ['in', ['get', 'class'], ['literal', ['motorway', 'trunk', 'primary']]], ['!=', ['get', 'brunnel'], 'tunnel']], paint: { 'line-color': '#dcd8d0', 'line-width': roadWidth(2.4) } },
      { id: 'wards', type: 'line', source: 'basemap', 'source-layer': 'wards', minzoom: 11, paint: { 'line-color': '#8d8a84', 'line-width': 0.6, 'line-dasharray': [3, 2] } },
      { id: 'districts', type: 'line', source: 'basemap', 'source-layer': 'districts', paint: { 'line-color': '#5f5c57', 'line-width': 1.4 } },
      { id: 'road-labels', type: 'symbol', source: 'basemap', 'source-layer': 'roads', minzoom: 14, filter: ['has', 'name'], layout: { 'symbol-placement': 'line', 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 11 }, paint: { 'text-color': '#6b6862', 'text-halo-color': '#ffffff', 'text-halo-width': 1.2 } },
      { id: 'place-suburbs', type: 'symbol', source: 'basemap', 'source-layer': 'places', minzoom: 12, filter: ['in', ['get', 'class'], ['literal', ['suburb', 'village', 'neighbourhood']]], layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 12 }, paint: { 'text-color': '#55524d', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 } },
      { id: 'place-towns', type: 'symbol', source: 'basemap', 'source-layer': 'places', minzoom: 8, filter: ['in', ['get', 'class'], ['literal', ['city', 'town']]], layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': ['interpolate', ['linear'], ['zoom'], 8, 11, 13, 15] }, paint: { 'text-color': '#3d3b37', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 } },
    ],
  };
}
