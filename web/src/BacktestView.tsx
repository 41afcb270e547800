import { useEffect, useMemo, useState } from 'react';
import { scaleLinear, scaleLog } from 'd3-scale';
import { getJson, qs, scopedPath, type Force, type Meta } from './api';
import { ForcePicker } from './forces';
import { periodQuery } from './map/registry';
import type { ViewState } from './state';
import type { BacktestAnswer, PatrolAreasAnswer } from '../../server/http/routes/backtest';

/** GET /api/backtest and GET /api/patrol-areas, typed by the server's response schemas. */
export type Backtest = BacktestAnswer;
export type BacktestRow = Backtest['rows'][number];
type Interval = BacktestRow['hitRate'];
type PatrolAreas = PatrolAreasAnswer;

/** Number formats of the view: percentages of shares, ratios, and "mean (lower–upper)" for intervals. */
export const percent = (v: number, d = 1) => (v * 100).toLocaleString('en-GB', { minimumFractionDigits: d, maximumFractionDigits: d });
const ratio = (d: number) => (v: number) => v.toLocaleString('en-GB', { minimumFractionDigits: d, maximumFractionDigits: d });
export const interval = (x: Interval | null, f: (v: number) => string) => (x ? `${f(x.mean)} (${f(x.lower)}–${f(x.upper)})` : '–');

// Okabe & Ito's colour-blind-safe palette, with a marker shape per method so colour is never alone.
const COLOURS = ['#000000', '#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#999999', '#7a4f9a'];
const SHAPES = ['circle', 'square', 'diamond', 'triangle'] as const;
function Marker({ shape, x, y, colour, children }: { shape: (typeof SHAPES)[number]; x: number; y: number; colour: string; children?: React.ReactNode }) {
  const style = { fill: colour, stroke: '#000', strokeWidth: 0.6 };
  if (shape === 'circle')
    return (
      <circle cx={x} cy={y} r={3.5} {...style}>
        {children}
      </circle>
    );
  if (shape === 'square')
    return (
      <rect x={x - 3.2} y={y - 3.2} width={6.4} height={6.4} {...style}>
        {children}
      </rect>
    );
  if (shape === 'diamond')
    return (
      <path d={`M${x},${y - 4.2}l4.2,4.2l-4.2,4.2l-4.2,-4.2z`} {...style}>
        {children}
      </path>
    );
  return (
    <path d={`M${x},${y - 4.2}l4.2,7.4h-8.4z`} {...style}>
      {children}
    </path>
  );
}

type Measure = 'hitRate' | 'harmCaptured';
const MEASURES: Record<Measure, string> = { hitRate: 'incidents captured (hit rate)', harmCaptured: 'harm captured' };

/**
 * Capture against area budget, one line per method: the mean over origins with its 95 % interval as
 * a vertical line. Budgets on a log axis (0.25 %, 0.5 %, 1 % are equal doublings), capture from zero.
 */
function CapturePlot({ rows, methods, measure, horizon }: { rows: BacktestRow[]; methods: Backtest['methods']; measure: Measure; horizon: number }) {
  const w = 760,
    h = 330,
    left = 52,
    right = 240,
    top = 12,
    bottom = 42;
  const budgets = [...new Set(rows.map((r) => r.budgetShare))].sort((a, b) => a - b);
  const hi = Math.max(0.01, ...rows.map((r) => r[measure].upper)) * 1.08;
  const x =
    budgets.length > 1
      ? scaleLog()
          .domain([budgets[0]!, budgets.at(-1)!])
          .range([left, w - right])
      : () => (left + w - right) / 2;
  const y = scaleLinear()
    .domain([0, hi])
    .range([h - bottom, top])
    .nice();
  const title = `${MEASURES[measure]} in the next ${horizon === 1 ? 'month' : `${horizon} months`} against area budget, per method`;
  const summary = methods
    .map(
      (m) =>
        `${m.name}: ${budgets
          .map((b) => {
            const r = rows.find((q) => q.method === m.key && q.budgetShare === b);
            return r ? `${percent(r[measure].mean)} % at ${percent(b, 2)} %` : '';
          })
          .filter(Boolean)
          .join(', ')}`,
    )
    .join('; ');
  return (
    <svg role="img" aria-label={`${title}. ${summary}`} viewBox={`0 0 ${w} ${h}`} width="100%" style={{ maxWidth: w }} data-testid="capture-plot">
      {y.ticks(5).map((v) => (
        <g key={v}>
          <line x1={left} x2={w - right} y1={y(v)} y2={y(v)} stroke="#ddd" />
          <text x={left - 6} y={y(v) + 4} textAnchor="end" fontSize="11">
            {percent(v, 0)} %
          </text>
        </g>
      ))}
      {budgets.map((b) => (
        <text key={b} x={x(b)} y={h - bottom + 16} textAnchor="middle" fontSize="11">
          {percent(b, 2)} %
        </text>
      ))}
      <text x={(left + w - right) / 2} y={h - 8} textAnchor="middle" fontSize="11">
        area budget (share of the study area)
      </text>
      <text x={12} y={(top + h - bottom) / 2} textAnchor="middle" fontSize="11" transform={`rotate(-90 12 ${(top + h - bottom) / 2})`}>
        {MEASURES[measure]}
      </text>
      {methods.map((m, k) => {
        const colour = COLOURS[k % COLOURS.length]!,
          shape = SHAPES[k % SHAPES.length]!;
        const pts = budgets.map((b) => rows.find((r) => r.method === m.key && r.budgetShare === b)).filter((r): r is BacktestRow => Boolean(r));
        const ly = top + 8 + k * 18;
        return (
          <g key={m.key} data-method={m.key}>
            <path d={pts.map((r, i) => `${i ? 'L' : 'M'}${x(r.budgetShare)},${y(r[measure].mean)}`).join('')} fill="none" stroke={colour} strokeWidth={1.6} />
            {pts.map((r) => (
              <g key={r.budgetShare}>
                <line x1={x(r.budgetShare)} x2={x(r.budgetShare)} y1={y(r[measure].lower)} y2={y(r[measure].upper)} stroke={colour} />
                <Marker shape={shape} x={x(r.budgetShare)} y={y(r[measure].mean)} colour={colour}>
                  <title>{`${m.name}: ${percent(r[measure].mean)} % at ${percent(r.budgetShare, 2)} %`}</title>
                </Marker>
              </g>
            ))}
            {pts.length > 0 && (
              <>
                <Marker shape={shape} x={w - right + 20} y={ly} colour={colour} />
                <text x={w - right + 30} y={ly + 4} fontSize="11">
                  {m.name}
                </text>
              </>
            )}
          </g>
        );
      })}
    </svg>
  );
}

/**
 * The Backtest view: how much of the coming months' incidents and harm each hotspot method's places
 * held, at each area budget (GET /api/backtest, rolling origins, intervals from the API), a plot of
 * capture against budget, and the patrol areas the area builder proposes now (GET /api/patrol-areas).
 * One force at a time: a regional view would pick places across forces no one patrol plan covers.
 */
export function BacktestView({
  meta,
  view,
  forces,
  onForce,
  onClose,
}: {
  meta: Meta;
  view: ViewState;
  forces: Force[];
  onForce: (force: string) => void;
  onClose: () => void;
}) {
  const [history, setHistory] = useState(12);
  const [resolution, setResolution] = useState(9);
  const [horizon, setHorizon] = useState(1);
  const [measure, setMeasure] = useState<Measure>('hitRate');
  const [backtest, setBacktest] = useState<Backtest | string | null>(null);
  const [patrol, setPatrol] = useState<PatrolAreas | string | null>(null);
  const regional = view.force === 'all';
  const base = useMemo(() => ({ ...periodQuery(view), resolution }), [view.force, view.from, view.to, view.definition, view.scheme, resolution]); // eslint-disable-line react-hooks/exhaustive-deps
  const query = qs({ ...base, window: history });

  useEffect(() => {
    if (regional || !view.from) return;
    const c = new AbortController();
    setBacktest(null);
    setPatrol(null);
    getJson<Backtest>(`/api/backtest?${query}`, c.signal)
      .then(setBacktest)
      .catch((e: Error) => {
        if (e.name !== 'AbortError') setBacktest(e.message);
      });
    getJson<PatrolAreas>(`/api/patrol-areas?${qs(base)}`, c.signal)
      .then(setPatrol)
      .catch((e: Error) => {
        if (e.name !== 'AbortError') setPatrol(e.message);
      });
    return () => c.abort();
  }, [query, base, regional, view.from]);

  const b = typeof backtest === 'object' ? backtest : null;
  const horizons = b ? [...new Set(b.rows.map((r) => r.horizon))].sort((x, y) => x - y) : [];
  const shownHorizon = horizons.includes(horizon) ? horizon : (horizons[0] ?? 1);
  const rows = b?.rows.filter((r) => r.horizon === shownHorizon) ?? [];
  const methodName = new Map(b?.methods.map((m) => [m.key, m.name]) ?? []);
  const forceName = b?.query.force.name ?? meta.force.name;

  return (
    <section className="partnership backtest" aria-labelledby="backtest-title">
      <header className="partnership-head">
        <h2 id="backtest-title">
          Backtest: <span data-testid="backtest-force">{regional ? 'choose a force' : forceName}</span>
        </h2>
        <ForcePicker forces={forces} value={view.force} onChange={onForce} allowAll={false} />
        {!regional && (
          <a href={scopedPath(`/api/backtest.html?${query}`)} target="_blank" rel="noopener">
            Printable backtest
          </a>
        )}
        <button type="button" onClick={onClose}>
          Back to the map
        </button>
      </header>
      <p className="muted">
        Which way of choosing hotspots holds the coming months' serious violence? At every origin month each method picks cells from the months before it, never
        reading the origin month or later, and is scored on the months that follow.
      </p>
      {regional ? (
        <p role="status">The backtest scores one force's choice of places: choose a force above.</p>
      ) : (
        <>
          <form className="row backtest-controls" onSubmit={(e) => e.preventDefault()}>
            <label>
              Months of history
              <select value={history} onChange={(e) => setHistory(Number(e.target.value))}>
                {[3, 12, 24].map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Cell size (H3 resolution)
              <select value={resolution} onChange={(e) => setResolution(Number(e.target.value))}>
                {meta.resolutions
                  .filter((r) => r >= 8 && r <= 10)
                  .map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
              </select>
            </label>
            <label>
              Scored on
              <select value={shownHorizon} onChange={(e) => setHorizon(Number(e.target.value))} disabled={horizons.length < 2}>
                {(horizons.length ? horizons : [1]).map((x) => (
                  <option key={x} value={x}>
                    {x === 1 ? 'the next month' : `the next ${x} months`}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Plot
              <select value={measure} onChange={(e) => setMeasure(e.target.value as Measure)}>
                {(Object.keys(MEASURES) as Measure[]).map((m) => (
                  <option key={m} value={m}>
                    {MEASURES[m]}
                  </option>
                ))}
              </select>
            </label>
          </form>
          {backtest === null && (
            <p className="muted" role="status">
              Running the backtest…
            </p>
          )}
          {typeof backtest === 'string' && (
            <p className="error" role="alert">
              {backtest}
            </p>
          )}
          {b && (
            <>
              <p className="muted" data-testid="backtest-meta">
                {b.query.definition.name}
                {b.query.definition.isProxy && !/proxy/i.test(b.query.definition.name) ? ' (public-data proxy)' : ''}, harm by {b.query.scheme.name}; H3
                resolution {b.query.resolution}; {b.months.count} months, {b.months.first} to {b.months.last}; study area{' '}
                {b.studyArea.cells.toLocaleString('en-GB')} cells, {b.studyArea.areaKm2.toLocaleString('en-GB')} km² ({b.studyArea.basis}). {b.bootstrap}.
              </p>
              {rows.length === 0 ? (
                <p role="status">
                  No origin month has enough months before it to score: the backtest needs at least 12 months and the window before an origin.
                </p>
              ) : (
                <>
                  <figure>
                    <CapturePlot rows={rows} methods={b.methods} measure={measure} horizon={shownHorizon} />
                    <figcaption className="muted">
                      Mean over {rows[0]!.origins} origin{rows[0]!.origins === 1 ? '' : 's'} ({rows[0]!.firstOrigin} to {rows[0]!.lastOrigin}); the vertical
                      lines are the 95 % intervals.
                    </figcaption>
                  </figure>
                  <table
                    className="data"
                    data-testid="backtest-table"
                    aria-label={`Methods and area budgets, scored on the next ${shownHorizon === 1 ? 'month' : `${shownHorizon} months`}`}
                  >
                    <thead>
                      <tr>
                        <th scope="col">method</th>
                        <th scope="col">area budget</th>
                        <th scope="col">hit rate, %</th>
                        <th scope="col">harm captured, %</th>
                        <th scope="col">PAI</th>
                        <th scope="col">RRI</th>
                        <th scope="col">stability, %</th>
                        <th scope="col">hit rate ÷ last 3 months</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((r) => (
                        <tr key={`${r.method}|${r.budgetShare}`} data-method={r.method} data-budget={r.budgetShare}>
                          <th scope="row">{methodName.get(r.method) ?? r.method}</th>
                          <td className="n">{percent(r.budgetShare, 2)} %</td>
                          <td className="n">{interval(r.hitRate, percent)}</td>
                          <td className="n">{interval(r.harmCaptured, percent)}</td>
                          <td className="n">{interval(r.pai, ratio(1))}</td>
                          <td className="n">{interval(r.rri, ratio(2))}</td>
                          <td className="n">{interval(r.stability, percent)}</td>
                          <td className="n">{interval(r.hitRateVsBaseline, ratio(2))}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </>
              )}
              <details>
                <summary>The methods</summary>
                <dl>
                  {b.methods.map((m) => (
                    <div key={m.key}>
                      <dt>{m.name}</dt>
                      <dd>{m.description}</dd>
                    </div>
                  ))}
                </dl>
              </details>
            </>
          )}
          <h3>Areas a patrol plan can use</h3>
          {patrol === null && (
            <p className="muted" role="status">
              Building the patrol areas…
            </p>
          )}
          {typeof patrol === 'string' && (
            <p className="error" role="alert">
              {patrol}
            </p>
          )}
          {patrol && typeof patrol !== 'string' && <PatrolTable patrol={patrol} />}
        </>
      )}
    </section>
  );
}

function PatrolTable({ patrol }: { patrol: PatrolAreas }) {
  const t = patrol.totals;
  return (
    <>
      <p className="muted">
        Predicted harm by {patrol.method.name} over {patrol.window.from} to {patrol.window.to}; at most {patrol.limits.maxAreas} areas, each at most{' '}
        {patrol.limits.maxAreaKm2} km², together at most {percent(patrol.limits.budgetShare, 2)} % of the study area (
        {patrol.limits.budgetKm2.toLocaleString('en-GB', { maximumFractionDigits: 2 })} km²). Rule: {patrol.rule}.
      </p>
      <table className="data" data-testid="patrol-table">
        <thead>
          <tr>
            <th scope="col">rank</th>
            <th scope="col">area</th>
            <th scope="col">km²</th>
            <th scope="col">share of area, %</th>
            <th scope="col">incidents</th>
            <th scope="col">share of incidents, %</th>
            <th scope="col">share of harm, %</th>
          </tr>
        </thead>
        <tbody>
          {patrol.areas.map((a) => (
            <tr key={a.rank}>
              <td className="n">{a.rank}</td>
              <th scope="row">{a.name}</th>
              <td className="n">{a.areaKm2.toLocaleString('en-GB', { maximumFractionDigits: 3 })}</td>
              <td className="n">{percent(a.shareOfArea, 2)}</td>
              <td className="n">{a.incidents.toLocaleString('en-GB')}</td>
              <td className="n">{percent(a.shareOfIncidents)}</td>
              <td className="n">{percent(a.shareOfHarm)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <td />
            <th scope="row">{t.areas} areas together</th>
            <td className="n">{t.areaKm2.toLocaleString('en-GB', { maximumFractionDigits: 3 })}</td>
            <td className="n">{percent(t.shareOfArea, 2)}</td>
            <td className="n">{t.incidents.toLocaleString('en-GB')}</td>
            <td className="n">{percent(t.shareOfIncidents)}</td>
            <td className="n">{percent(t.shareOfHarm)}</td>
          </tr>
        </tfoot>
      </table>
    </>
  );
}
