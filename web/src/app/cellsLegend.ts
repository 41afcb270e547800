import type { Definition, Scheme } from '../api';
import type { LegendModel } from '../Legend';
import type { CellsShown } from '../map/layers/useCellsLayer';
import type { ViewState } from '../state';

/** The legend of the cells, from what the cells worker drew and the names of the definition and scheme. */
export function cellsLegend(r: CellsShown, v: ViewState, definitions: Definition[], schemes: Scheme[]): LegendModel {
  const definition = definitions.find((d) => d.key === v.definition);
  const name = definition?.name ?? v.definition;
  const title = definition?.isProxy && !/proxy/i.test(name) ? `${name} (public-data proxy)` : name;
  const l = r.legend;
  if (l.kind === 'gistar')
    return {
      kind: 'gistar',
      title,
      unit: 'Gi* confidence bin (counts, FDR-corrected)',
      note: `${l.studyAreaCells.toLocaleString('en-GB')} study-area cells, ${l.studyAreaKm2} km²`,
      from: l.from,
      to: l.to,
    };
  if (l.kind === 'emerging')
    return {
      kind: 'emerging',
      title,
      unit: l.insufficient ? 'short-series pattern (sfhotspot)' : 'emerging hot spot pattern (ArcGIS)',
      note: l.insufficient ?? undefined,
      counts: l.counts,
      from: l.from,
      to: l.to,
    };
  const byCount = v.colourBy === 'count';
  const scheme = schemes.find((s) => s.key === v.scheme);
  const base = {
    kind: 'sequential' as const,
    title,
    unit: byCount ? 'incidents' : (scheme?.unit ?? 'harm'),
    measure: byCount ? 'Incidents' : 'Harm',
    schemeName: byCount ? undefined : scheme?.name,
    max: l.max,
    from: l.from,
    to: l.to,
  };
  if (l.firstMonth) return { ...base, note: v.cumulative ? `cumulative from ${l.firstMonth}` : 'one month; colours fixed over the whole period' };
  return {
    ...base,
    note: `${(l.withIncidents ?? 0).toLocaleString('en-GB')} cells with incidents${v.zeros ? ` and ${(l.empty ?? 0).toLocaleString('en-GB')} empty study-area cells (grey)` : ''}, H3 resolution ${l.resolution}`,
  };
}
