import { useEffect, useRef, useState } from 'react';
import * as maplibregl from 'maplibre-gl';
import type { Map as MlMap, MapGeoJSONFeature, MapLayerMouseEvent } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { Protocol } from 'pmtiles';
import { viewStore } from '../state';
import { CLICK_ORDER, installLayers } from './registry';

declare global {
  interface Window {
    __harmgridMap?: MlMap;
  }
}

// MapLibre 6 loads its worker from a file beside its own module; once bundled, say where Vite put it.
maplibregl.setWorkerUrl(workerUrl);
// pmtiles:// sources: a basemap archive the user supplies, read by HTTP range requests.
maplibregl.addProtocol('pmtiles', new Protocol().tile);

/**
 * The font for the app's own labels: Noto Sans Bold from harmgrid's glyph server, or, under another
 * basemap style (HARMGRID_BASEMAP_STYLE_URL), a font that style's glyph server is known to have.
 */
export function labelFont(map: MlMap): string[] {
  const style = map.getStyle();
  if (!style.glyphs || style.glyphs.includes('/tiles/glyphs/')) return ['Noto Sans Bold'];
  for (const layer of style.layers) {
    const font = layer.type === 'symbol' ? layer.layout?.['text-font'] : undefined;
    if (Array.isArray(font) && font.every((f) => typeof f === 'string')) return font as string[];
  }
  return ['Noto Sans Bold'];
}

/** Whether WebGL is drawn by the CPU (SwiftShader, llvmpipe, Microsoft's Basic Render Driver): no GPU. */
function softwareWebgl(m: MlMap): boolean {
  const gl = m.getCanvas().getContext('webgl2') ?? m.getCanvas().getContext('webgl');
  if (!gl) return false;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  return /swiftshader|llvmpipe|softpipe|software|basic render/i.test(renderer);
}

/**
 * Without a GPU a frame's cost is the pixels it fills and reads back (measured in Chromium's
 * SwiftShader: the page's own work is about 2 ms a frame, the rest the GPU process), whatever the
 * layers. There, while the map moves, it draws at half the pixel ratio (a quarter of the pixels), and
 * at full ratio again once it has been still for 300 ms (each change of ratio resizes the canvas, a
 * whole frame's work, so pans in quick succession stay at the low ratio). At rest the map is sharp.
 */
function softwareMotion(m: MlMap): void {
  if (!softwareWebgl(m)) return;
  const sharp = m.getPixelRatio();
  let timer = 0;
  // setPixelRatio resizes the map, and a resize of a still map fires movestart and moveend itself:
  // answered, the sharp ratio's movestart set the half ratio again, whose moveend asked for the sharp
  // one 300 ms later, for ever (a full redraw and a moveend every few hundred ms on a still map).
  let resizing = false;
  const ratio = (r: number) => {
    resizing = true;
    try {
      m.setPixelRatio(r);
    } finally {
      resizing = false;
    }
  };
  m.on('movestart', () => {
    if (resizing) return;
    window.clearTimeout(timer);
    if (m.getPixelRatio() !== sharp / 2) ratio(sharp / 2);
  });
  m.on('moveend', () => {
    if (resizing) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(() => ratio(sharp), 300);
  });
}

export type Bounds = [[number, number], [number, number]];

/**
 * The MapLibre map, made once the style and the opening view are known: the camera of the link, or
 * else the extent of the loaded data. Map events write the camera into the view store at once.
 * `onClick` gets the feature that wins under the pointer (CLICK_ORDER).
 */
export function useMapInstance(
  container: React.RefObject<HTMLDivElement | null>,
  styleUrl: string | null,
  opening: Bounds | 'camera' | null,
  boundariesOnly: boolean,
  onClick: (f: MapGeoJSONFeature) => void,
  blocked: () => boolean,
): MlMap | null {
  const [map, setMap] = useState<MlMap | null>(null);
  const made = useRef(false);
  const clickRef = useRef(onClick);
  clickRef.current = onClick;
  const blockedRef = useRef(blocked);
  blockedRef.current = blocked;
  useEffect(() => {
    if (!styleUrl || !opening || !container.current || made.current) return;
    made.current = true;
    const v = viewStore.get();
    const camera =
      opening === 'camera' ? { center: [v.lng!, v.lat!] as [number, number], zoom: v.zoom! } : { bounds: opening, fitBoundsOptions: { padding: 24 } };
    const m = new maplibregl.Map({
      container: container.current,
      style: styleUrl,
      ...camera,
      minZoom: 5,
      maxZoom: 17,
      attributionControl: { compact: false },
      // No preserveDrawingBuffer: kept, every frame costs a copy of the whole canvas, and with software
      // compositing the frame is read back anyway. The PNG export reads the canvas in the 'render'
      // event, before the buffer is cleared. No label fade: each fading frame is a whole redraw.
      fadeDuration: 0,
    });
    softwareMotion(m);
    m.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    m.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
    // The camera is known from the start (the style may take a while): the layers can ask for their data now.
    const saveCamera = () => {
      const c = m.getCenter();
      viewStore.set({ lng: c.lng, lat: c.lat, zoom: m.getZoom() });
    };
    saveCamera();
    m.on('moveend', saveCamera);
    m.on('load', () => {
      installLayers(m, labelFont(m), boundariesOnly);
      window.__harmgridMap = m;
      setMap(m);
    });
    m.on('click', (e: MapLayerMouseEvent) => {
      if (blockedRef.current()) return;
      const order = CLICK_ORDER.filter((id) => m.getLayer(id));
      const hits = m.queryRenderedFeatures(e.point, { layers: order }) as MapGeoJSONFeature[];
      const f = order.map((id) => hits.find((h) => h.layer.id === id)).find(Boolean);
      if (f) clickRef.current(f);
    });
    for (const layer of ['cells-fill', 'sites-fill', 'sites-point', 'zones-fill', 'hchh-rank']) {
      m.on('mouseenter', layer, () => {
        if (!blockedRef.current()) m.getCanvas().style.cursor = 'pointer';
      });
      m.on('mouseleave', layer, () => {
        if (!blockedRef.current()) m.getCanvas().style.cursor = '';
      });
    }
  }, [styleUrl, opening, container, boundariesOnly]);
  return map;
}
