import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { SignedIn } from './SignedIn';
import type { GeoJSONSource, MapGeoJSONFeature } from 'maplibre-gl';
import { cellToLatLng } from 'h3-js';
import { getJson, loadForceScope, qs, scopedPath, type AreaHit, type Definition, type Force, type Meta, type Scheme, type TilesConfig } from './api';
import { resolutionOf, useView, viewStore, type ViewState } from './state';
import { Controls } from './Controls';
import { Legend, type LegendModel } from './Legend';
import { CellPanel } from './CellPanel';
import { HchhList } from './HchhList';
import { PartnershipView } from './PartnershipView';
import { BacktestView } from './BacktestView';
import { ForcePicker, forceDistricts, openingForce } from './forces';
import { AreaPanel } from './AreaPanel';
import { Search, type SearchItem } from './Search';
import { TopCells } from './TopCells';
import { DrawControls } from './DrawControls';
import { mapPng } from './exportPng';
import { deprivationClasses, deprivationSource } from './layers';
import { analysisQuery, applyToggles, periodQuery } from './map/registry';
import { useMapInstance } from './map/useMapInstance';
import { readiness } from './map/readiness';
import { bboxOf, useOpening } from './map/useOpening';
import { useDrawing } from './map/useDrawing';
import { useTopCells } from './map/useTopCells';
import { type CellsShown, useCellsLayer } from './map/layers/useCellsLayer';
import { useHchhLayer } from './map/layers/useHchhLayer';
import { useBoundaries, useBoundaryLayers } from './map/layers/useBoundaryLayers';
import { useDeprivation, useDeprivationLayer } from './map/layers/useDeprivationLayer';
import { usePlaceLayers } from './map/layers/usePlaceLayers';
import { useRepeatLayer } from './map/layers/useRepeatLayer';

const update = (patch: Partial<ViewState>) => viewStore.set(patch);

/** The legend of the cells, from what the cells worker drew and the names of the definition and scheme. */
function cellsLegend(r: CellsShown, v: ViewState, definitions: Definition[], schemes: Scheme[]): LegendModel {
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

/** The app: reference data, the map and its layers (each one hook), the sidebar and the panels. */
export function App() {
  const view = useView((v) => v);
  const [forces, setForces] = useState<Force[] | null>(null);
  const [meta, setMeta] = useState<Meta | null>(null);
  const [definitions, setDefinitions] = useState<Definition[]>([]);
  const [schemes, setSchemes] = useState<Scheme[]>([]);
  const [config, setConfig] = useState<TilesConfig | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [playing, setPlaying] = useState(false);
  const mapDiv = useRef<HTMLDivElement | null>(null);

  /**
   * Switches the view to a force: its months first (GET /api/meta for it), then the force and a
   * period inside its months in one change of the view, so no layer asks for the new force with a
   * period it does not have. The panels of the previous force close.
   */
  const applyForce = useCallback(async (force: string) => {
    const m = await getJson<Meta>(scopedPath('/api/meta', 'GET', force));
    setMeta(m);
    viewStore.set((v) => {
      const keep = m.months.includes(v.from) && m.months.includes(v.to) && v.from <= v.to;
      return {
        force,
        from: keep ? v.from : (m.months[0] ?? ''),
        to: keep ? v.to : (m.months.at(-1) ?? ''),
        definition: v.definition || m.defaultDefinition,
        scheme: v.scheme || m.defaultScheme,
        ...(v.force !== force ? { area: null, cell: null, month: null, districts: '' } : {}),
      };
    });
  }, []);
  const chooseForce = (force: string) => {
    setPlaying(false);
    applyForce(force).catch((e: Error) => setError(e.message));
  };

  // Reference data, the forces loaded and the force the view opens on, once.
  useEffect(() => {
    Promise.all([
      getJson<{ forces: Force[] }>('/api/forces'),
      getJson<{ definitions: Definition[] }>('/api/definitions'),
      getJson<{ schemes: Scheme[] }>('/api/harm-schemes'),
      getJson<TilesConfig>('/tiles/config'),
      loadForceScope(),
    ])
      .then(async ([f, d, s, c]) => {
        setForces(f.forces);
        setDefinitions(d.definitions);
        setSchemes(s.schemes);
        await applyForce(openingForce(f.forces, viewStore.get().force));
        setConfig(c);
      })
      .catch((e: Error) => setError(`The service did not answer: ${e.message}`));
  }, [applyForce]);

  // The page names the force it is about, as the API's answers name it.
  const forceName = meta?.force.name ?? '';
  useEffect(() => {
    const page = view.page === 'partnership' ? 'Partnership' : view.page === 'backtest' ? 'Backtest' : 'serious violence hotspots';
    document.title = forceName ? `harmgrid — ${page}, ${forceName}` : `harmgrid — ${page}`;
  }, [forceName, view.page]);

  const keep = useMemo(() => forceDistricts(forces ?? [], view.force), [forces, view.force]);
  const deprivation = useDeprivation();
  const boundaries = useBoundaries(keep, deprivation?.vintage ?? null);
  // Until the forces are known, the outlines of no force are shown (nor opened on).
  const { districtsFailed } = boundaries;
  const districts = forces ? boundaries.districts : null;
  const wards = forces ? boundaries.wards : null;
  const period = useMemo(() => (view.from && view.to ? { from: view.from, to: view.to } : null), [view.from, view.to]);
  const { opening, boundariesOnly } = useOpening(config, districts, districtsFailed, period);
  const drawRef = useRef<() => boolean>(() => false);
  const onMapClick = useCallback((f: MapGeoJSONFeature) => {
    const id = f.layer.id;
    if (id === 'cells-fill') update({ cell: String(f.properties.cell), area: null });
    else
      update({
        area: id.startsWith('sites')
          ? `site:${f.properties.id}`
          : id === 'zones-fill'
            ? `zone:${f.properties.id}`
            : id === 'hchh-rank'
              ? `hchh:${f.properties.rank}`
              : `ward:${f.properties.code}`,
        cell: null,
      });
  }, []);
  const map = useMapInstance(mapDiv, config?.styleUrl ?? null, opening, boundariesOnly, onMapClick, () => drawRef.current());

  const cells = useCellsLayer(map, (e) => setError(e.message));
  const hchh = useHchhLayer(map, (e) => setError(e.message));
  useBoundaryLayers(map, districts, wards);
  useDeprivationLayer(map, wards, deprivation);
  const places = usePlaceLayers(map);
  useRepeatLayer(map, (e) => setError(e.message));
  const topCells = useTopCells(map, cells.result);
  const draw = useDrawing(map, places.reload);
  drawRef.current = draw.busy;
  // After the layer hooks above have said what they need: from now on readiness follows them.
  useEffect(() => {
    if (map) readiness.start();
  }, [map]);

  // Layer visibility and the selected cell.
  useEffect(() => {
    if (!map) return;
    applyToggles(map, view, boundariesOnly);
    map.setFilter('cells-selected', ['==', ['get', 'cell'], view.cell ?? '']);
  }, [map, view, boundariesOnly]);

  // A new force: the map fits its districts (the first force is opened on by useOpening).
  const fitted = useRef<string | null>(null);
  useEffect(() => {
    if (!map || !districts) return;
    if (fitted.current === null) {
      fitted.current = view.force;
      return;
    }
    if (fitted.current === view.force) return;
    fitted.current = view.force;
    if (districts.features.length) map.fitBounds(bboxOf(districts), { padding: 24, duration: 0 });
  }, [map, districts, view.force]);

  // Month animation: one month a second.
  useEffect(() => {
    if (!playing || !meta) return;
    const months = meta.months.filter((m) => m >= view.from && m <= view.to);
    const timer = window.setInterval(() => {
      viewStore.set((v) => ({ month: months[(months.indexOf(v.month ?? '') + 1) % months.length] ?? null }));
    }, 1000);
    return () => window.clearInterval(timer);
  }, [playing, meta, view.from, view.to]);

  const flyTo = (cellIds: string[]) => {
    if (!map) return;
    const pts = cellIds.map((c) => cellToLatLng(c));
    const lats = pts.map((p) => p[0]),
      lngs = pts.map((p) => p[1]);
    map.fitBounds(
      [
        [Math.min(...lngs), Math.min(...lats)],
        [Math.max(...lngs), Math.max(...lats)],
      ],
      { padding: 120, maxZoom: 15, duration: 800 },
    );
  };

  const legend = useMemo(
    () => (cells.result ? cellsLegend(cells.result, view, definitions, schemes) : null),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [cells.result, definitions, schemes],
  );
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

  // The outline of the area whose panel is open.
  const showOutline = useCallback(
    (g: GeoJSON.Geometry | null) => {
      (map?.getSource('area-selected') as GeoJSONSource | undefined)?.setData({
        type: 'FeatureCollection',
        features: g ? [{ type: 'Feature', geometry: g, properties: {} }] : [],
      });
    },
    [map],
  );
  useEffect(() => {
    if (!view.area || view.cell) showOutline(null);
  }, [view.area, view.cell, showOutline]);

  // Wards and districts by name from the loaded boundaries (the API's area search), of the view's force.
  const findArea = useCallback(
    async (text: string, signal: AbortSignal): Promise<SearchItem[]> => {
      const r = await getJson<{ areas: AreaHit[] }>(`/api/areas/search?${qs({ q: text })}`, signal);
      return r.areas
        .filter((a) => !keep || keep.has(a.kind === 'ward' ? (a.districtCode ?? '') : a.code))
        .map((a) => ({ key: `${a.kind}:${a.code}`, name: a.name, kind: a.kind, bbox: a.bbox }));
    },
    [keep],
  );
  const chooseArea = (item: SearchItem) => {
    const [w, s, e, n] = item.bbox;
    map?.fitBounds(
      [
        [w, s],
        [e, n],
      ],
      { padding: 80, maxZoom: 15, duration: 800 },
    );
    update({ area: item.key, cell: null });
  };
  const query = analysisQuery(view);
  const areaQuery = periodQuery(view);
  const unit = schemes.find((s) => s.key === view.scheme)?.unit ?? '';

  return (
    <div className="app">
      <header className="topbar">
        <h1>harmgrid</h1>
        <p className="tagline">
          Where serious violence concentrates and where it is emerging
          {forceName && (
            <>
              :{' '}
              <strong className="force-name" data-testid="force-name">
                {forceName}
              </strong>
            </>
          )}
        </p>
        <nav className="views" aria-label="Views">
          <button type="button" aria-pressed={view.page === 'map'} onClick={() => update({ page: 'map' })}>
            Map
          </button>
          <button type="button" aria-pressed={view.page === 'partnership'} onClick={() => update({ page: 'partnership' })}>
            Partnership
          </button>
          <button type="button" aria-pressed={view.page === 'backtest'} onClick={() => update({ page: 'backtest' })}>
            Backtest
          </button>
        </nav>
        {forces && view.page === 'map' && <ForcePicker forces={forces} value={view.force} onChange={chooseForce} allowAll />}
        {cells.loading && (
          <span className="status" role="status">
            Loading…
          </span>
        )}
        <SignedIn />
      </header>
      {view.page === 'partnership' && meta && forces && (
        <div className="page-overlay">
          <PartnershipView
            meta={meta}
            definitions={definitions}
            forces={forces}
            force={view.force}
            keep={keep}
            onForce={chooseForce}
            onClose={() => update({ page: 'map' })}
          />
        </div>
      )}
      {view.page === 'backtest' && meta && forces && (
        <div className="page-overlay">
          <BacktestView meta={meta} view={view} forces={forces} onForce={chooseForce} onClose={() => update({ page: 'map' })} />
        </div>
      )}
      <aside className="sidebar" aria-label="Controls and results">
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <Search find={findArea} onChoose={chooseArea} />
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
