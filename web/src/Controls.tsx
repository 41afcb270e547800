import type { Definition, Meta, PeriodCoverage, Scheme } from './api';
import { CoverageStatement, CoverageStrip, stripMonths, useCoverage } from './CoverageStrip';
import { qs } from './api';
import { periodQuery as periodOf } from './map/registry';
import type { ColourBy, DeprivationMeasure, ViewState } from './state';

interface Props {
  view: ViewState;
  update: (p: Partial<ViewState>) => void;
  meta: Meta;
  definitions: Definition[];
  schemes: Scheme[];
  resolution: number;
  playing: boolean;
  setPlaying: (p: boolean) => void;
  exportPng: () => void;
  analysisQuery: string;
  /** The coverage block of the answer the map shows. */
  coverage: PeriodCoverage | null;
}

/** Every control is a labelled native form element, so it is reachable by keyboard and named for screen readers. */
export function Controls({ view, update, meta, definitions, schemes, resolution, playing, setPlaying, exportPng, analysisQuery, coverage }: Props) {
  const loaded = meta.months.filter((m) => m >= view.from && m <= view.to);
  const coverageAnswer = useCoverage(view.definition, view.from, view.to);
  const strip = coverageAnswer ? stripMonths(coverageAnswer).filter((m) => m.month >= view.from && m.month <= view.to) : [];
  // The slider steps through every month of the span, so each strip cell sits under its step; a step
  // on a month not loaded moves on to the next loaded month the way the slider went (never drawn as zero).
  const months = strip.length ? strip.map((m) => m.month) : loaded;
  const monthIndex = view.month ? Math.max(0, months.indexOf(view.month)) : months.length - 1;
  const stepTo = (index: number): string | null => {
    const forward = index >= monthIndex;
    const target = months[index];
    if (target === undefined) return null;
    if (loaded.includes(target)) return target;
    const found = forward ? loaded.find((m) => m > target) : [...loaded].reverse().find((m) => m < target);
    return found ?? view.month;
  };
  const query = analysisQuery;
  const periodQuery = qs(periodOf(view));
  return (
    <form className="controls" onSubmit={(e) => e.preventDefault()}>
      <fieldset>
        <legend>Period</legend>
        <label>
          From
          <select value={view.from} onChange={(e) => update({ from: e.target.value, month: null })}>
            {meta.months
              .filter((m) => m <= view.to)
              .map((m) => (
                <option key={m}>{m}</option>
              ))}
          </select>
        </label>
        <label>
          To
          <select value={view.to} onChange={(e) => update({ to: e.target.value, month: null })}>
            {meta.months
              .filter((m) => m >= view.from)
              .map((m) => (
                <option key={m}>{m}</option>
              ))}
          </select>
        </label>
      </fieldset>
      <fieldset>
        <legend>Month by month</legend>
        <label className="wide">
          Month: <output>{view.month ?? 'whole period'}</output>
          <input
            type="range"
            min={0}
            max={Math.max(0, months.length - 1)}
            value={monthIndex}
            aria-valuetext={view.month ?? 'whole period'}
            onChange={(e) =>
              update({
                month: stepTo(Number(e.target.value)),
                colourBy: view.colourBy === 'gistar' || view.colourBy === 'emerging' ? 'harm' : view.colourBy,
              })
            }
          />
        </label>
        <CoverageStrip months={strip} />
        {/* The map's answer says its coverage; until it answers (or if it is refused) the period's, which is the same block. */}
        <CoverageStatement coverage={coverage ?? coverageAnswer?.coverage} />
        <div className="row">
          <button
            type="button"
            onClick={() => {
              if (!view.month) update({ month: months[0] ?? null });
              setPlaying(!playing);
            }}
            aria-pressed={playing}
          >
            {playing ? 'Pause' : 'Play'}
          </button>
          <button
            type="button"
            onClick={() => {
              setPlaying(false);
              update({ month: null });
            }}
          >
            Whole period
          </button>
          <label className="inline">
            <input type="checkbox" checked={view.cumulative} onChange={(e) => update({ cumulative: e.target.checked })} /> Cumulative
          </label>
        </div>
      </fieldset>
      <fieldset>
        <legend>What to map</legend>
        <label>
          Definition
          <select value={view.definition} onChange={(e) => update({ definition: e.target.value })}>
            {definitions.map((d) => (
              <option key={d.key} value={d.key}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Harm scheme
          <select value={view.scheme} onChange={(e) => update({ scheme: e.target.value })}>
            {schemes.map((s) => (
              <option key={s.key} value={s.key}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Colour cells by
          <select value={view.colourBy} onChange={(e) => update({ colourBy: e.target.value as ColourBy, month: null })}>
            <option value="harm">Harm</option>
            <option value="count">Incident count</option>
            <option value="gistar">Gi* hot and cold spots</option>
            <option value="emerging">Emerging hot spot pattern</option>
          </select>
        </label>
        <label>
          Cell size (H3 resolution)
          <select value={String(view.resolution)} onChange={(e) => update({ resolution: e.target.value === 'auto' ? 'auto' : Number(e.target.value) })}>
            <option value="auto">Automatic by zoom (now {resolution})</option>
            {meta.resolutions.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
      </fieldset>
      <fieldset>
        <legend>Layers</legend>
        <label className="inline">
          <input type="checkbox" checked={view.showCells} onChange={(e) => update({ showCells: e.target.checked })} /> Hotspot cells
        </label>
        <label className="inline">
          <input type="checkbox" checked={view.showHchh} onChange={(e) => update({ showHchh: e.target.checked })} /> HCHH areas
        </label>
        <label className="inline">
          <input type="checkbox" checked={view.showWards} onChange={(e) => update({ showWards: e.target.checked })} /> Ward outlines
        </label>
        <label className="inline">
          <input type="checkbox" checked={view.zeros} onChange={(e) => update({ zeros: e.target.checked })} /> Empty cells too
        </label>
        <label className="inline">
          <input type="checkbox" checked={view.showDeprivation} onChange={(e) => update({ showDeprivation: e.target.checked })} /> Ward deprivation
        </label>
        {view.showDeprivation && (
          <label>
            Deprivation measure
            <select value={view.deprivationMeasure} onChange={(e) => update({ deprivationMeasure: e.target.value as DeprivationMeasure })}>
              <option value="share">Share of LSOAs in the most deprived decile</option>
              <option value="rank">IMD decile of the mean rank</option>
            </select>
          </label>
        )}
        <label className="inline">
          <input type="checkbox" checked={view.showZones} onChange={(e) => update({ showZones: e.target.checked })} /> Clear-Hold-Build zones
        </label>
        <label className="inline">
          <input type="checkbox" checked={view.showSites} onChange={(e) => update({ showSites: e.target.checked })} /> Sites
        </label>
        <label className="inline">
          <input type="checkbox" checked={view.showRepeat} onChange={(e) => update({ showRepeat: e.target.checked })} /> Repeat locations
        </label>
        {view.showRepeat && <a href={`/api/repeat-locations.csv?${periodQuery}`}>Repeat locations (CSV)</a>}
      </fieldset>
      <fieldset>
        <legend>Export</legend>
        <div className="row exports">
          <a href={`/api/hotspots?${query}`} download={`harmgrid-hotspots-${view.from}-${view.to}.geojson`}>
            Cells (GeoJSON)
          </a>
          <a href={`/api/hotspots.csv?${query}`}>Cells (CSV)</a>
          <a href={`/api/hchh.csv?${qs({ ...periodOf(view), resolution: 9 })}`}>HCHH areas (CSV)</a>
          <button type="button" onClick={exportPng}>
            Map (PNG)
          </button>
        </div>
      </fieldset>
    </form>
  );
}
