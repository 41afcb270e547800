import { useEffect, useRef, useState } from 'react';
import { countText } from './figures';
import { getJson, qs, scopedPath, sendJson, type AreaStats, type CountChange, type Hchh, type PlaceFeature, type SiteFeature, type ZoneFeature } from './api';
import { MonthlyChart } from './CellPanel';
import { imdDecile, PHASE_LABELS, today, zonePhase } from './layers';

export interface AreaQuery {
  force?: string;
  from: string;
  to: string;
  definition: string;
  scheme: string;
}

/** What an area key names: ward:CODE, district:CODE, hchh:RANK, zone:ID or site:ID. */
export function parseArea(key: string): { kind: 'ward' | 'district' | 'hchh' | 'zone' | 'site'; id: string } | null {
  const m = /^(ward|district|hchh|zone|site):(.+)$/.exec(key);
  return m ? { kind: m[1] as 'ward', id: m[2]! } : null;
}

const KIND_NAMES = { ward: 'Ward', district: 'District', hchh: 'HCHH area', zone: 'Clear-Hold-Build zone', site: 'Site' } as const;

interface Props {
  areaKey: string;
  query: AreaQuery;
  hchh: Hchh | null;
  zones: ZoneFeature[];
  sites: SiteFeature[];
  onClose: () => void;
  onEdit: (kind: 'zone' | 'site', f: PlaceFeature) => void;
  onDeleted: () => void;
  /** The outline the statistics were computed for, to draw on the map. */
  onOutline: (g: GeoJSON.Geometry | null) => void;
}

const pct = (v: number) => `${(v * 100).toFixed(v < 0.1 && v > 0 ? 1 : 0)} %`;
const fmt = (v: number) => Math.round(v).toLocaleString('en-GB');

function changeText(t: CountChange): string {
  const p = t.percentChange === null ? 'from none' : `${t.percentChange > 0 ? '+' : ''}${t.percentChange.toFixed(0)} %`;
  const ci = t.ci ? `, rate ratio 95 % CI ${t.ci[0].toFixed(2)}–${t.ci[1].toFixed(2)}` : '';
  const p2 = t.pValue < 0.001 ? t.pValue.toExponential(1) : t.pValue.toFixed(3);
  return `${p}${ci}, p = ${p2}: ${t.significant ? `significant ${t.direction}` : 'no significant change'}`;
}

/**
 * Drill-down for an HCHH area, ward, district, zone or site: the area statistics API's monthly series,
 * offence mix, harm, change against earlier periods with its test, deprivation and (zones) phases,
 * with links to the reviews and the impact measure.
 */
export function AreaPanel({ areaKey, query, hchh, zones, sites, onClose, onEdit, onDeleted, onOutline }: Props) {
  const area = parseArea(areaKey);
  const [stats, setStats] = useState<AreaStats | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [impact, setImpact] = useState<string | null>(null);
  const zone = area?.kind === 'zone' ? zones.find((z) => String(z.id) === area.id) : undefined;
  const place: PlaceFeature | undefined = zone ?? (area?.kind === 'site' ? sites.find((s) => String(s.id) === area.id) : undefined);
  const clearMonth = zone ? zone.properties.clearStart.slice(0, 7) : null;
  // Equal windows inside the period: up to 12 months before and after; by default the after window is
  // the end of the period (a zone's clear month when it has one).
  const impactMonths = Math.max(1, Math.min(12, Math.floor(monthsBetween(query.from, query.to) / 2)));
  const defaultImpactMonth = clearMonth ?? shiftMonth(query.to, -(impactMonths - 1));
  const [impactMonth, setImpactMonth] = useState(defaultImpactMonth);
  const heading = useRef<HTMLHeadingElement | null>(null);
  const hchhCells = area?.kind === 'hchh' ? (hchh?.features.find((f) => String(f.properties.rank) === area.id)?.properties.cellIds ?? null) : null;

  useEffect(() => {
    heading.current?.focus();
  }, [areaKey]);
  useEffect(() => {
    setImpact(null);
    setImpactMonth(defaultImpactMonth);
  }, [areaKey, defaultImpactMonth]);
  useEffect(() => {
    if (!area) return;
    const controller = new AbortController();
    setStats(null);
    setError(null);
    const q = qs({ ...query });
    onOutline(null);
    const load = async (): Promise<{ properties: AreaStats }> => {
      switch (area.kind) {
        case 'ward':
        case 'district':
          return getJson(`/api/areas/${area.kind}/${area.id}/statistics?${q}`, controller.signal);
        case 'site':
          return getJson(`/api/sites/${area.id}/statistics?${q}`, controller.signal);
        // A zone's phases need the months before its clear start: its statistics cover every loaded month.
        case 'zone':
          return getJson(`/api/zones/${area.id}/statistics?${qs({ definition: query.definition, scheme: query.scheme })}`, controller.signal);
        case 'hchh': {
          if (!hchhCells) throw new Error(`HCHH area ${area.id} is not in the current list`);
          return sendJson('POST', `/api/areas/statistics?${q}`, { cells: hchhCells }, controller.signal);
        }
      }
    };
    load()
      .then((f) => {
        setStats(f.properties);
        onOutline((f as { geometry?: GeoJSON.Geometry }).geometry ?? null);
      })
      .catch((e: Error) => {
        if (e.name !== 'AbortError') setError(e.message);
      });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [areaKey, query.force, query.from, query.to, query.definition, query.scheme, hchhCells?.join(',')]);

  if (!area) return null;
  const impactArea = area.kind === 'hchh' || area.kind === 'zone' || area.kind === 'site' ? `${area.kind}:${area.id}` : null;
  const measureImpact = async () => {
    setImpact('Measuring…');
    try {
      const r = await getJson<{ statement?: string }>(
        `/api/impact?${qs({ area: impactArea!, date: impactMonth, months: impactMonths, definition: query.definition, scheme: query.scheme })}`,
      );
      setImpact(r.statement ?? 'The impact service answered without a statement.');
    } catch (e) {
      setImpact(`The impact could not be measured: ${(e as Error).message}`);
    }
  };
  const reviewQuery = qs({ from: query.from, to: query.to, definition: query.definition, scheme: query.scheme });
  const phase = area.kind === 'zone' && place ? zonePhase(place.properties, today()) : null;
  const name = stats?.area.name ?? place?.properties.name ?? (area.kind === 'hchh' ? `HCHH area ${area.id}` : area.id);
  const mix = stats?.offenceMix.slice(0, 6) ?? [];
  const dep = stats?.deprivation as Record<string, number> | null | undefined;
  // Zone statistics cover every loaded month; the charts then show the same span as the series.
  const months = stats?.series.map((s) => s.month) ?? [];

  const remove = async () => {
    if (!place || (area.kind !== 'zone' && area.kind !== 'site')) return;
    if (!window.confirm(`Delete ${area.kind} "${place.properties.name}"?`)) return;
    try {
      await sendJson('DELETE', `/api/${area.kind}s/${area.id}`);
      onDeleted();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <section className="panel area-panel" aria-labelledby="area-panel-heading" data-testid="area-panel" data-area={areaKey}>
      <header>
        <h2 id="area-panel-heading" ref={heading} tabIndex={-1}>
          {KIND_NAMES[area.kind]}: {name}
        </h2>
        <button type="button" onClick={onClose} aria-label="Close the area panel">
          ×
        </button>
      </header>
      {phase && (
        <p className="compact">
          Phase today: <strong data-testid="zone-phase">{PHASE_LABELS[phase]}</strong> (clear {zone?.properties.clearStart ?? ''}
          {zone?.properties.holdStart ? `, hold ${zone.properties.holdStart}` : ''}
          {zone?.properties.buildStart ? `, build ${zone.properties.buildStart}` : ''})
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!stats && !error && (
        <p className="muted" role="status">
          Loading statistics…
        </p>
      )}
      {stats && (
        <>
          <p className="muted">
            {stats.definition.name}
            {stats.definition.isProxy && !/proxy/i.test(stats.definition.name) ? ' (public-data proxy)' : ''}, {stats.from} to {stats.to}
            {stats.area.placeName ? ` — ${stats.area.placeName}` : ''}
          </p>
          <dl className="figures">
            <div>
              <dt>Incidents</dt>
              <dd data-testid="area-incidents">{countText(stats.totals.incidents)}</dd>
            </div>
            <div>
              <dt>Harm ({stats.totals.harmUnit})</dt>
              <dd data-testid="area-harm">{stats.totals.harm === null ? '–' : fmt(stats.totals.harm)}</dd>
            </div>
            {stats.rate?.perThousandPerYear !== undefined && (
              <div>
                <dt>Per 1,000 residents a year</dt>
                <dd>{stats.rate.perThousandPerYear.toFixed(1)}</dd>
              </div>
            )}
            {stats.area.areaKm2 !== null && (
              <div>
                <dt>Area</dt>
                <dd>{stats.area.areaKm2.toFixed(2)} km²</dd>
              </div>
            )}
          </dl>
          {months.length > 0 && (
            <>
              <MonthlyChart months={months} values={stats.series.map((s) => s.incidents)} title="Incidents per month" unit="incidents" colour="#3b528b" />
              <MonthlyChart
                months={months}
                values={stats.series.map((s) => s.harm)}
                title={`Harm per month (${stats.totals.harmUnit})`}
                unit={stats.totals.harmUnit}
                colour="#5b3a7a"
              />
            </>
          )}
          <h3>Change</h3>
          <ul className="compact" data-testid="area-change">
            {stats.change.map((c) => (
              <li key={c.label}>
                {c.label} ({c.recent.from}…{c.recent.to}: {countText(c.recent.incidents)}
                {c.earlier ? ` against ${countText(c.earlier.incidents)}` : ''}): {c.test ? changeText(c.test) : c.note}
              </li>
            ))}
          </ul>
          {mix.length > 0 && (
            <>
              <h3>Offence mix</h3>
              <table className="mix">
                <thead>
                  <tr>
                    <th scope="col">Offence</th>
                    <th scope="col">Incidents</th>
                    <th scope="col">Share of harm</th>
                  </tr>
                </thead>
                <tbody>
                  {mix.map((m) => (
                    <tr key={m.category}>
                      <td>{m.category}</td>
                      <td>{m.incidents.toLocaleString('en-GB')}</td>
                      <td>{pct(m.shareOfHarm)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          {dep && typeof dep.meanImdRank === 'number' && (
            <>
              <h3>Deprivation (IoD 2019)</h3>
              <p className="compact" data-testid="area-deprivation">
                Mean IMD rank {fmt(dep.meanImdRank)} (decile {imdDecile(dep.meanImdRank)}); {pct(dep.shareLsoasMostDeprived ?? 0)} of LSOAs and{' '}
                {pct(dep.shareResidentsMostDeprived ?? 0)} of residents in England's most deprived decile; crime domain{' '}
                {pct(dep.shareLsoasMostDeprivedCrime ?? 0)} of LSOAs.
              </p>
            </>
          )}
          {stats.phases && (
            <>
              <h3>Clear-Hold-Build phases</h3>
              <ul className="compact">
                {stats.phases.map((p) => (
                  <li key={p.phase}>
                    {p.phase} ({p.from}…{p.to}): {p.area.perMonth.toFixed(1)} incidents a month{p.areaChange ? ` — ${changeText(p.areaChange)}` : ''}
                    {p.relative && typeof p.relative.ratio === 'number' ? `; against the force: ratio of rate ratios ${p.relative.ratio.toFixed(2)}` : ''}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
      <h3>Actions</h3>
      <div className="row actions">
        {area.kind === 'site' && (
          <>
            <a href={scopedPath(`/api/sites/${area.id}/review.html?${reviewQuery}`)} target="_blank" rel="noopener">
              Review site
            </a>
            <a href={scopedPath(`/api/sites/${area.id}/review.html?${reviewQuery}&variant=preliminary`)} target="_blank" rel="noopener">
              Preliminary review
            </a>
          </>
        )}
        {(area.kind === 'zone' || area.kind === 'site') && place && (
          <>
            <button type="button" onClick={() => onEdit(area.kind as 'zone' | 'site', place)}>
              Edit outline
            </button>
            <button type="button" onClick={remove}>
              Delete {area.kind}
            </button>
          </>
        )}
      </div>
      {impactArea && (
        <div className="row actions">
          <label className="inline">
            Intervention month <input type="month" value={impactMonth} onChange={(e) => setImpactMonth(e.target.value)} />
          </label>
          <button type="button" onClick={measureImpact}>
            Measure impact
          </button>
          <a
            href={scopedPath(
              `/api/impact?${qs({ area: impactArea, date: impactMonth, months: impactMonths, definition: query.definition, scheme: query.scheme })}`,
            )}
            target="_blank"
            rel="noopener"
          >
            impact (JSON)
          </a>
        </div>
      )}
      {impact && (
        <p className="compact" role="status" data-testid="impact">
          {impact}
        </p>
      )}
    </section>
  );
}

/** Months from `from` to `to` inclusive ('YYYY-MM'). */
function monthsBetween(from: string, to: string): number {
  const n = (m: string) => Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1;
  return from && to ? n(to) - n(from) + 1 : 0;
}

/** The month `by` months after `month` ('YYYY-MM'). */
function shiftMonth(month: string, by: number): string {
  if (!month) return month;
  const t = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + by;
  return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
}
