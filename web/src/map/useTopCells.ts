import { useEffect, useState } from 'react';
import type { Map as MlMap } from 'maplibre-gl';
import { useView } from '../state';
import { cellsWorker } from './cellsClient';
import type { BuildResult, TopCell } from './cellsProtocol';

/**
 * Top cells in the view, for keyboard users: asked of the cells worker (which holds the drawn table)
 * whenever the map settles or the cells change, so the list never holds up the map or the controls.
 * Answers to an older question are dropped.
 */
export function useTopCells(map: MlMap | null, cells: BuildResult | null): TopCell[] {
  const [top, setTop] = useState<TopCell[]>([]);
  const byCount = useView((v) => v.colourBy === 'count');
  const shown = useView((v) => v.showCells);
  useEffect(() => {
    if (!map) return;
    let asked = 0;
    const ask = () => {
      if (!shown || !cells) {
        setTop([]);
        return;
      }
      const b = map.getBounds();
      const n = ++asked;
      cellsWorker()
        .top([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], byCount)
        .then((t) => {
          if (n === asked) setTop((prev) => (prev.map((c) => `${c.cell}:${c.harm}`).join() === t.map((c) => `${c.cell}:${c.harm}`).join() ? prev : t));
        })
        .catch(() => {});
    };
    ask();
    map.on('moveend', ask);
    return () => {
      map.off('moveend', ask);
      asked++;
    };
  }, [map, cells, byCount, shown]);
  return top;
}
