import { useMemo } from 'react';
import type { Map as MlMap } from 'maplibre-gl';
import type { Definition, Scheme } from '../api';
import { mapPng } from '../exportPng';
import { deprivationClasses, deprivationSource } from '../layers';
import type { LegendModel, Overlays } from '../Legend';
import type { CellsShown } from '../map/layers/useCellsLayer';
import type { useDeprivation } from '../map/layers/useDeprivationLayer';
import type { ViewState } from '../state';
import { cellsLegend } from './cellsLegend';

type Places = { zones: { features: unknown[] }; sites: { features: unknown[] } };

/**
 * The legend over the map: the cells' section (from what was drawn, so it changes with the drawing,
 * not with the controls) and the overlays shown; and the PNG export, which carries both.
 */
export function useLegend(
  map: MlMap | null,
  view: ViewState,
  cells: CellsShown | null,
  names: { definitions: Definition[]; schemes: Scheme[] },
  deprivation: ReturnType<typeof useDeprivation>,
  places: Places,
): { legend: LegendModel | null; overlays: Overlays; exportPng: () => void } {
  const { definitions, schemes } = names;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the legend follows what was drawn (cells), not the controls meanwhile
  const legend = useMemo(() => (cells ? cellsLegend(cells, view, definitions, schemes) : null), [cells, definitions, schemes]);
  const overlays = useMemo(
    () => ({
      deprivation: view.showDeprivation
        ? {
            ...deprivationClasses(view.deprivationMeasure),
            source: deprivationSource(deprivation?.vintage ?? null),
            missing: deprivation && !deprivation.available ? deprivation.missing : null,
          }
        : null,
      zones: view.showZones && places.zones.features.length > 0,
      sites: view.showSites && places.sites.features.length > 0,
      repeat: view.showRepeat,
    }),
    [view.showDeprivation, view.deprivationMeasure, deprivation, view.showZones, view.showSites, view.showRepeat, places.zones, places.sites],
  );
  const exportPng = () => {
    if (!map) return;
    map.once('render', () => {
      const a = document.createElement('a');
      a.download = `harmgrid-map-${view.from}-${view.to}.png`;
      a.href = mapPng(map.getCanvas(), legend, overlays);
      a.click();
    });
    map.triggerRepaint();
  };
  return { legend, overlays, exportPng };
}
