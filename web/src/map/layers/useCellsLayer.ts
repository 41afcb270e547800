import { useState } from 'react';
import type { Map as MlMap } from 'maplibre-gl';
import { getBuffer, getJson, type PeriodCoverage } from '../../api';
import { EMPTY_CELL, sequentialExpression } from '../../colours';
import { viewStore, type ViewState } from '../../state';
import { cellsWorker } from '../cellsClient';
import type { CellsKind, CellsLegend } from '../cellsProtocol';
import { cellsRequest, cellsTiled, cellsTileQuery, showCells, type CellsSummary } from '../registry';
import { useLayerData } from './useLayerData';

/** What the map shows of the cells: the legend, the answer's coverage, and how the cells came. */
export interface CellsShown {
  count: number;
  legend: CellsLegend;
  coverage: PeriodCoverage;
  /** Tiled cells: the tile query, for the top cells in view (GET /api/cells/top); absent: the worker holds the table. */
  tileQuery?: string;
}

/** What the cells show: the request, and how its answer is coloured. */
function cellsKey(v: ViewState): string | null {
  const url = cellsRequest(v);
  return url && `${url}#${v.colourBy === 'count' ? 'incidents' : 'harm'}${v.month ? `@${v.month}${v.cumulative ? '+' : ''}` : ''}`;
}

/** The month-by-month answer the worker holds, so the slider moves without a new request. */
let heldMonth = '';
let shownUrl = '';
/** The key whose cells are on the map: switching the layer off and on again shows them without a new request. */
let onMap = '';

/**
 * The hexagon layer. Harm and incidents over the whole period are vector tiles the server cuts from
 * the cube (GET /api/cells/tiles/…): one small summary request gives the colour scale's domain and
 * the extent, and MapLibre then asks for the tiles in view, parsing them in its own worker. Gi*,
 * emerging patterns and single months are whole answers: fetched as bytes and handed to the cells
 * worker, which parses, colours and builds the hexagons; the map's worker reads them from a blob: URL.
 */
export function useCellsLayer(map: MlMap | null, onError: (e: Error) => void): { result: CellsShown | null; loading: boolean } {
  const [result, setResult] = useState<CellsShown | null>(null);
  const loading = useLayerData(
    Boolean(map),
    'cells',
    cellsKey,
    async (key, signal, v) => {
      if (key === onMap && map!.getSource('cells')) return;
      const url = key.split('#')[0]!;
      const measure = v.colourBy === 'count' ? 'incidents' : 'harm';
      let shown: CellsShown;
      if (cellsTiled(v)) {
        const s = await getJson<CellsSummary & { scheme: unknown }>(url, signal);
        if (signal.aborted) return;
        const fill = ['case', ['>', ['get', 'incidents'], 0], sequentialExpression(s.max[measure], measure), EMPTY_CELL] as never;
        onMap = ''; // from here the map no longer shows the previous key's cells
        await showCells(map!, { kind: 'tiles', summary: s, fill }, s.cells, viewStore.get().cell);
        shown = {
          count: s.cells,
          coverage: s.coverage,
          tileQuery: cellsTileQuery(v),
          legend: { kind: 'sequential', from: s.from, to: s.to, max: s.max[measure], resolution: s.resolution, withIncidents: s.withIncidents, empty: s.empty },
        };
      } else {
        const kind: CellsKind = v.colourBy === 'gistar' ? 'gistar' : v.colourBy === 'emerging' ? 'emerging' : 'month';
        const buffer = kind === 'month' && heldMonth === url ? undefined : await getBuffer(url, signal);
        if (signal.aborted) return;
        const built = await cellsWorker().build({ kind, buffer, measure, key: url, month: v.month ?? undefined, cumulative: v.cumulative });
        if (kind === 'month') heldMonth = url;
        if (signal.aborted) {
          cellsWorker().revoke(built.url);
          return;
        }
        onMap = '';
        await showCells(map!, { kind: 'geojson', url: built.url }, built.count, viewStore.get().cell);
        // The map reads a blob: URL once, at setData: the previous hexagons' text can go.
        if (shownUrl) cellsWorker().revoke(shownUrl);
        shownUrl = built.url;
        shown = { count: built.count, legend: built.legend, coverage: built.coverage };
      }
      if (signal.aborted) return;
      onMap = key;
      setResult(shown);
      performance.mark('harmgrid:cells-set');
    },
    onError,
  );
  return { result, loading };
}
