import { useEffect, useState } from 'react';
import type { Map as MlMap } from 'maplibre-gl';
import { getJson } from '../api';
import { useView } from '../state';
import { cellsWorker } from './cellsClient';
import type { TopCell } from './cellsProtocol';
import type { CellsShown } from './layers/useCellsLayer';

/**
 * Top cells in the view, for keyboard users, asked whenever the map settles or the cells change: of
 * the server for tiled cells (GET /api/cells/top over the view's box: the map holds only the tiles
 * in view, the server the whole answer), of the cells worker for the answers it drew. Either way the
 * list never holds up the map or the controls; answers to an older question are dropped.
 * `forView` says which view and cells the list answers, so a reader (a test) can wait for the current one.
 */
export function useTopCells(map: MlMap | null, cells: CellsShown | null): { cells: TopCell[]; forView: string } {
  const [top, setTop] = useState<{ cells: TopCell[]; forView: string }>({ cells: [], forView: '' });
  const byCount = useView((v) => v.colourBy === 'count');
  const shown = useView((v) => v.showCells);
  useEffect(() => {
    if (!map) return;
    let asked = 0;
    let controller: AbortController | null = null;
    const ask = () => {
      controller?.abort();
      if (!shown || !cells) {
        setTop({ cells: [], forView: '' });
        return;
      }
      const b = map.getBounds();
      const box: [number, number, number, number] = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
      const forView = `${box.map((x) => x.toFixed(5)).join(',')}|${cells.tileQuery ?? 'worker'}|${byCount ? 'incidents' : 'harm'}`;
      const n = ++asked;
      const c = new AbortController();
      controller = c;
      const answer: Promise<TopCell[]> = cells.tileQuery
        ? getJson<{ cells: TopCell[] }>(
            `/api/cells/top?${cells.tileQuery}&bbox=${box.map((x) => x.toFixed(6)).join(',')}&by=${byCount ? 'incidents' : 'harm'}&limit=10`,
            c.signal,
          ).then((r) => r.cells.map((x) => ({ ...x, label: '' })))
        : cellsWorker().top(box, byCount);
      answer
        .then((t) => {
          if (n !== asked) return;
          setTop((prev) =>
            prev.forView === forView && prev.cells.map((x) => `${x.cell}:${x.harm}`).join() === t.map((x) => `${x.cell}:${x.harm}`).join()
              ? prev
              : { cells: t, forView },
          );
        })
        .catch(() => {});
    };
    ask();
    map.on('moveend', ask);
    return () => {
      map.off('moveend', ask);
      controller?.abort();
      asked++;
    };
  }, [map, cells, byCount, shown]);
  return top;
}
