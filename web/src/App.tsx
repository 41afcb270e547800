import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { MapGeoJSONFeature } from 'maplibre-gl';
import { SignedIn } from './SignedIn';
import { qs } from './api';
import { resolutionOf, useView, viewStore, type ViewState } from './state';
import { Controls } from './Controls';
import { Legend } from './Legend';
import { CellPanel } from './CellPanel';
import { HchhList } from './HchhList';
import { forceDistricts } from './forces';
import { AreaPanel } from './AreaPanel';
import { Search } from './Search';
import { TopCells } from './TopCells';
import { DrawControls } from './DrawControls';
import { analysisQuery, periodQuery } from './map/registry';
import { useMapInstance } from './map/useMapInstance';
import { readiness } from './map/readiness';
import { useOpening } from './map/useOpening';
import { useDrawing } from './map/useDrawing';
import { useTopCells } from './map/useTopCells';
import { useCellsLayer } from './map/layers/useCellsLayer';
import { useHchhLayer } from './map/layers/useHchhLayer';
import { useBoundaries, useBoundaryLayers } from './map/layers/useBoundaryLayers';
import { useDeprivation, useDeprivationLayer } from './map/layers/useDeprivationLayer';
import { usePlaceLayers } from './map/layers/usePlaceLayers';
import { useRepeatLayer } from './map/layers/useRepeatLayer';
import { useReferenceData } from './app/useReferenceData';
import { clickedPanel, useMapActions, usePlayback } from './app/useMapActions';
import { useLegend } from './app/useLegend';
import { useAreaSearch } from './app/useAreaSearch';
import { TopBar } from './app/TopBar';

// The two full-window views are their own chunks: the map's first load does not parse them.
const PartnershipView = lazy(() => import('./PartnershipView').then((m) => ({ default: m.PartnershipView })));
const BacktestView = lazy(() => import('./BacktestView').then((m) => ({ default: m.BacktestView })));

const update = (patch: Partial<ViewState>) => viewStore.set(patch);
const PAGE_TITLES: Record<ViewState['page'], string> = { map: 'serious violence hotspots', partnership: 'Partnership', backtest: 'Backtest' };

/** The app: reference data, the map and its layers (each one hook), the sidebar and the panels. */
export function App() {
  const view = useView((v) => v);
  const { forces, meta, definitions, schemes, config, error, setError, chooseForce: switchForce } = useReferenceData();
  const [playing, setPlaying] = useState(false);
  const chooseForce = (force: string) => {
    setPlaying(false);
    switchForce(force);
  };
  const fail = (e: Error) => setError(e.message);
  usePlayback(playing, meta?.months ?? null, view.from, view.to);

  // The page names the force it is about, as the API's answers name it.
  const forceName = meta?.force.name ?? '';
  useEffect(() => {
    const page = PAGE_TITLES[view.page];
    document.title = forceName ? `harmgrid — ${page}, ${forceName}` : `harmgrid — ${page}`;
  }, [forceName, view.page]);

  const keep = useMemo(() => forceDistricts(forces ?? [], view.force), [forces, view.force]);
  const deprivation = useDeprivation();
  const boundaries = useBoundaries(keep, deprivation?.vintage ?? null);
  // Until the forces are known, the outlines of no force are shown (nor opened on).
  const districts = forces ? boundaries.districts : null;
  const wards = forces ? boundaries.wards : null;
  const period = useMemo(() => (view.from && view.to ? { from: view.from, to: view.to } : null), [view.from, view.to]);
  const { opening, boundariesOnly } = useOpening(config, districts, boundaries.districtsFailed, period);

  const mapDiv = useRef<HTMLDivElement | null>(null);
  const drawRef = useRef<() => boolean>(() => false);
  const onMapClick = useCallback((f: MapGeoJSONFeature) => update(clickedPanel(f)), []);
  const map = useMapInstance(mapDiv, config?.styleUrl ?? null, opening, boundariesOnly, onMapClick, () => drawRef.current());
  const cells = useCellsLayer(map, fail);
  const hchh = useHchhLayer(map, fail);
  useBoundaryLayers(map, districts, wards);
  useDeprivationLayer(map, wards, deprivation);
  const places = usePlaceLayers(map);
  useRepeatLayer(map, fail);
  const topCells = useTopCells(map, cells.result);
  const draw = useDrawing(map, places.reload);
  drawRef.current = draw.busy;
  // After the layer hooks above have said what they need: from now on readiness follows them.
  useEffect(() => {
    if (map) readiness.start();
  }, [map]);

  const { flyTo, fitBox, showOutline } = useMapActions(map, view, districts, boundariesOnly);
  const { legend, overlays, exportPng } = useLegend(map, view, cells.result, { definitions, schemes }, deprivation, places);
  const findArea = useAreaSearch(keep);
  const query = analysisQuery(view);
  const areaQuery = periodQuery(view);
  const unit = schemes.find((s) => s.key === view.scheme)?.unit ?? '';
  const toMap = () => update({ page: 'map' });

  return (
    <div className="app">
      <TopBar forceName={forceName} page={view.page} forces={forces} force={view.force} onForce={chooseForce} loading={cells.loading}>
        <SignedIn />
      </TopBar>
      {view.page !== 'map' && meta && forces && (
        <div className="page-overlay">
          <Suspense fallback={<p className="muted">Loading…</p>}>
            {view.page === 'partnership' ? (
              <PartnershipView meta={meta} definitions={definitions} forces={forces} force={view.force} keep={keep} onForce={chooseForce} onClose={toMap} />
            ) : (
              <BacktestView meta={meta} view={view} forces={forces} onForce={chooseForce} onClose={toMap} />
            )}
          </Suspense>
        </div>
      )}
      <aside className="sidebar" aria-label="Controls and results">
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <Search
          find={findArea}
          onChoose={(item) => {
            fitBox(item.bbox);
            update({ area: item.key, cell: null });
          }}
        />
        {meta && (
          <Controls
            view={view}
            update={update}
            meta={meta}
            definitions={definitions}
            schemes={schemes}
            resolution={resolutionOf(view)}
            playing={playing}
            setPlaying={setPlaying}
            exportPng={exportPng}
            analysisQuery={qs(query)}
            coverage={cells.result?.coverage ?? null}
          />
        )}
        {meta && (
          <DrawControls
            drawing={draw.drawing}
            editing={draw.editing ? draw.editing.feature.properties.name : null}
            message={draw.message}
            onStart={draw.start}
            onCancel={draw.cancel}
            onSaveEdit={() => draw.finishEdit(true)}
            onCancelEdit={() => draw.finishEdit(false)}
          />
        )}
        {hchh && (
          <>
            <p className="row">
              <a className="button" href={`/api/patrol-briefing.html?${qs(query)}`} target="_blank" rel="noopener">
                Patrol briefing
              </a>
            </p>
            <HchhList
              hchh={hchh}
              onSelect={(f) => flyTo(f.properties.cellIds)}
              unit={hchh.scheme.unit}
              onDetails={(f) => {
                flyTo(f.properties.cellIds);
                update({ area: `hchh:${f.properties.rank}`, cell: null });
              }}
            />
          </>
        )}
        <TopCells
          cells={topCells.cells}
          forView={topCells.forView}
          unit={view.colourBy === 'count' ? 'incidents' : unit}
          selected={view.cell}
          onOpen={(cell) => update({ cell, area: null })}
        />
      </aside>
      <main className="map-wrap">
        <div ref={mapDiv} className="map" role="region" aria-label="Map of hotspot cells and High Crime High Harm areas" />
        {legend && <Legend model={legend} overlays={overlays} />}
      </main>
      {view.cell && <CellPanel cell={view.cell} query={areaQuery} unit={unit} onClose={() => update({ cell: null })} />}
      {view.area && !view.cell && (
        <AreaPanel
          areaKey={view.area}
          query={areaQuery}
          hchh={hchh}
          zones={places.zones.features}
          sites={places.sites.features}
          onClose={() => update({ area: null })}
          onEdit={draw.edit}
          onDeleted={() => {
            update({ area: null });
            places.reload().catch(() => {});
          }}
          onOutline={showOutline}
        />
      )}
    </div>
  );
}
