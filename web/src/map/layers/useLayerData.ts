import { useEffect, useRef, useState } from 'react';
import { viewStore, type ViewState } from '../../state';
import { readiness } from '../readiness';

/**
 * The life of one layer's data: when the view changes, the layer's key (what it must show) is worked
 * out at once; a new key cancels the request in flight and starts its own; the layer counts as drawn
 * only when the answer for the current key is on the map. A null key: nothing to fetch (layer off).
 * Returns whether the current key's answer is still on its way (false once drawn, failed or switched off),
 * so a status line never outlives the request it speaks of.
 */
export function useLayerData(
  ready: boolean,
  id: string,
  keyOf: (v: ViewState) => string | null,
  load: (key: string, signal: AbortSignal, v: ViewState) => Promise<void>,
  onError: (e: Error) => void,
): boolean {
  const [pending, setPending] = useState(false);
  const loadRef = useRef(load);
  loadRef.current = load;
  const errorRef = useRef(onError);
  errorRef.current = onError;
  const keyRef = useRef(keyOf);
  keyRef.current = keyOf;
  useEffect(() => {
    if (!ready) return;
    let current: string | null = null;
    let controller: AbortController | null = null;
    const onView = (v: ViewState) => {
      const key = keyRef.current(v);
      if (key === current) return;
      current = key;
      controller?.abort();
      readiness.want(id, key);
      setPending(key !== null);
      if (key === null) return;
      const c = (controller = new AbortController());
      loadRef
        .current(key, c.signal, v)
        .then(() => {
          if (c.signal.aborted) return;
          setPending(false);
          readiness.drawn(id, key);
        })
        .catch((e: Error) => {
          if (c.signal.aborted) return;
          setPending(false);
          if (e.name !== 'AbortError') errorRef.current(e);
        });
    };
    onView(viewStore.get());
    const off = viewStore.subscribe(onView);
    return () => {
      off();
      controller?.abort();
      readiness.want(id, null);
      setPending(false);
    };
  }, [ready, id]);
  return pending;
}

/**
 * Sets a GeoJSON source's data and resolves once the map has read it (its worker parsed it and the
 * tiles are being cut), so that a layer is never counted as drawn while the map shows the old data.
 */
export function setSourceData(map: import('maplibre-gl').Map, id: string, data: GeoJSON.GeoJSON | string): Promise<void> {
  return new Promise((resolve) => {
    const onData = (e: import('maplibre-gl').MapSourceDataEvent) => {
      if (e.sourceId !== id || e.sourceDataType !== 'content') return;
      map.off('sourcedata', onData);
      resolve();
    };
    map.on('sourcedata', onData);
    (map.getSource(id) as import('maplibre-gl').GeoJSONSource).setData(data);
  });
}
