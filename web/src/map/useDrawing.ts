import { useEffect, useRef, useState } from 'react';
import type { Map as MlMap } from 'maplibre-gl';
import { TerraDraw, TerraDrawPolygonMode, TerraDrawSelectMode } from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter';
import { sendJson, type PlaceFeature } from '../api';
import type { DrawRequest } from '../DrawControls';
import { viewStore } from '../state';

declare global {
  interface Window {
    __harmgridDraw?: TerraDraw;
  }
}

export interface Drawing {
  drawing: DrawRequest | null;
  editing: { kind: 'zone' | 'site'; feature: PlaceFeature; drawId: string | number } | null;
  message: string | null;
  /** True while a click on the map belongs to the drawing, not to the panels. */
  busy: () => boolean;
  start(req: DrawRequest): void;
  cancel(): void;
  edit(kind: 'zone' | 'site', feature: PlaceFeature): void;
  finishEdit(save: boolean): Promise<void>;
}

/**
 * Drawing and editing zone and site outlines with terra-draw (idle, in static mode, until asked). A
 * finished polygon is saved through the API at once, then its panel opens.
 */
export function useDrawing(map: MlMap | null, reloadPlaces: () => Promise<void>): Drawing {
  const [drawing, setDrawing] = useState<DrawRequest | null>(null);
  const [editing, setEditing] = useState<Drawing['editing']>(null);
  const [message, setMessage] = useState<string | null>(null);
  const drawRef = useRef<TerraDraw | null>(null);
  const drawingRef = useRef<DrawRequest | null>(null);
  const editingRef = useRef(false);

  const onDrawn = useRef<(id: string | number) => void>(() => {});
  onDrawn.current = (id) => {
    const draw = drawRef.current,
      req = drawingRef.current;
    if (!draw || !req) return;
    const f = draw.getSnapshotFeature(id);
    draw.removeFeatures([id]);
    draw.setMode('static');
    drawingRef.current = null;
    setDrawing(null);
    if (!f) return;
    const body =
      req.kind === 'site'
        ? { name: req.name, geometry: f.geometry, notes: req.notes || null }
        : {
            name: req.name,
            geometry: f.geometry,
            clearStart: req.clearStart,
            holdStart: req.holdStart || null,
            buildStart: req.buildStart || null,
            partnership: req.partnership || null,
            notes: req.notes || null,
          };
    setMessage(`Saving the ${req.kind}…`);
    sendJson<PlaceFeature>('POST', `/api/${req.kind}s`, body)
      .then(async (saved) => {
        await reloadPlaces();
        setMessage(`${req.kind === 'site' ? 'Site' : 'Zone'} "${saved.properties.name}" saved.`);
        viewStore.set({ area: `${req.kind}:${saved.id}`, cell: null, [req.kind === 'site' ? 'showSites' : 'showZones']: true });
      })
      .catch((e: Error) => setMessage(`The ${req.kind} was not saved: ${e.message}`));
  };

  useEffect(() => {
    if (!map || drawRef.current) return;
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
    draw.on('finish', (id, context) => {
      if (context.mode === 'polygon') onDrawn.current(id);
    });
    drawRef.current = draw;
    window.__harmgridDraw = draw;
  }, [map]);

  return {
    drawing,
    editing,
    message,
    busy: () => Boolean(drawingRef.current) || editingRef.current,
    start(req) {
      const draw = drawRef.current;
      if (!draw) return;
      drawingRef.current = req;
      setDrawing(req);
      setMessage(`Click on the map to place the corners of the ${req.kind}; click the first corner again, or press Enter, to finish. Escape cancels.`);
      draw.setMode('polygon');
    },
    cancel() {
      const draw = drawRef.current;
      drawingRef.current = null;
      setDrawing(null);
      setMessage(null);
      if (draw) {
        draw.clear();
        draw.setMode('static');
      }
    },
    edit(kind, feature) {
      const draw = drawRef.current;
      if (!draw || feature.geometry.type === 'Point') {
        setMessage('Only outlines can be edited on the map.');
        return;
      }
      draw.clear();
      const polygons = feature.geometry.type === 'Polygon' ? [feature.geometry.coordinates] : (feature.geometry as GeoJSON.MultiPolygon).coordinates;
      const drawId = `edit-${kind}-${feature.id}`;
      // terra-draw edits Polygons: a MultiPolygon is edited by its first part.
      draw.addFeatures([{ id: drawId, type: 'Feature', geometry: { type: 'Polygon', coordinates: polygons[0]! }, properties: { mode: 'polygon' } }]);
      draw.setMode('select');
      draw.selectFeature(drawId);
      editingRef.current = true;
      setEditing({ kind, feature, drawId });
      setMessage(`Drag the corners of "${feature.properties.name}" (or the midpoints to add corners), then save.`);
    },
    async finishEdit(save) {
      const draw = drawRef.current,
        e = editing;
      if (!draw || !e) return;
      const f = draw.getSnapshotFeature(e.drawId);
      draw.clear();
      draw.setMode('static');
      editingRef.current = false;
      setEditing(null);
      if (!save || !f) {
        setMessage(null);
        return;
      }
      // A zone's area is the server's to compute from the outline, not the client's to send back.
      const props = Object.fromEntries(Object.entries(e.feature.properties).filter(([k]) => k !== 'areaKm2'));
      try {
        await sendJson('PUT', `/api/${e.kind}s/${e.feature.id}`, { ...props, geometry: f.geometry });
        await reloadPlaces();
        setMessage(`"${e.feature.properties.name}" saved.`);
        viewStore.set({ area: `${e.kind}:${e.feature.id}`, cell: null });
      } catch (err) {
        setMessage(`Not saved: ${(err as Error).message}`);
      }
    },
  };
}
