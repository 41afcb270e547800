import { useState } from 'react';
import type { Map as MlMap } from 'maplibre-gl';
import { getBuffer } from '../../api';
import type { ViewState } from '../../state';
import { cellsWorker } from '../cellsClient';
import type { BuildResult, CellsKind } from '../cellsProtocol';
import { cellsRequest } from '../registry';
import { setSourceData, useLayerData } from './useLayerData';

/** What the cells show: the request, and how its answer is coloured. */
function cellsKey(v: ViewState): string | null {
  const url = cellsRequest(v);
  return url && `${url}#${v.colourBy === 'count' ? 'incidents' : 'harm'}${v.month ? `@${v.month}${v.cumulative ? '+' : ''}` : ''}`;
}

/** The month-by-month answer the worker holds, so the slider moves without a new request. */
let heldMonth = '';
let shownUrl = '';

/**
 * The hexagon layer. The answer is fetched as bytes and handed to the cells worker, which parses it
 * and builds the hexagons; the map's own worker then reads them from a blob: URL. Above 20,000 cells
 * the fill's antialiasing outline is dropped: it is drawn per hexagon and roughly doubles the work of
 * every frame, and at that density the edges are sub-pixel anyway.
 */
export function useCellsLayer(map: MlMap | null, onError: (e: Error) => void): { result: BuildResult | null; loading: boolean } {
  const [result, setResult] = useState<BuildResult | null>(null);
  const [loading, setLoading] = useState(false);
  useLayerData(
    Boolean(map),
    'cells',
    cellsKey,
    async (key, signal, v) => {
      setLoading(true);
      const url = key.split('#')[0]!;
      const kind: CellsKind = v.colourBy === 'gistar' ? 'gistar' : v.colourBy === 'emerging' ? 'emerging' : v.month ? 'month' : 'cells';
      const measure = v.colourBy === 'count' ? 'incidents' : 'harm';
      const buffer = kind === 'month' && heldMonth === url ? undefined : await getBuffer(url, signal);
      if (signal.aborted) return;
      const built = await cellsWorker().build({ kind, buffer, measure, key: url, month: v.month ?? undefined, cumulative: v.cumulative });
      if (kind === 'month') heldMonth = url;
      if (signal.aborted) {
        cellsWorker().revoke(built.url);
        return;
      }
      map!.setPaintProperty('cells-fill', 'fill-antialias', built.count <= 20_000);
      await setSourceData(map!, 'cells', built.url);
      // The map reads a blob: URL once, at setData: the previous hexagons' text can go.
      if (shownUrl) cellsWorker().revoke(shownUrl);
      shownUrl = built.url;
      setResult(built);
      setLoading(false);
      performance.mark('harmgrid:cells-set');
    },
    (e) => {
      setLoading(false);
      onError(e);
    },
  );
  return { result, loading };
}
