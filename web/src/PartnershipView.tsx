import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { getJson, qs, scopedPath, sendJson, type AreaHit, type Definition, type Force, type Meta } from './api';
import { ForcePicker } from './forces';

/** Shapes of the partnership endpoints, as this view reads them. */
interface MeasureValue {
  period: string;
  periodType: string;
  status: string;
  value: number | null;
  ratePerPopulation: number | null;
  revision: string | null;
  note: string | null;
  change: { against: string; percent: number | null; test: { pValue: number; direction: string } | null } | null;
}
interface SuccessMeasures {
  force?: { codes: string[]; name: string };
  areas: {
    code: string;
    name: string;
    population: number | null;
    measures: { key: string; name: string; source: string; ratePer: number; available: boolean; reason: string | null; values: MeasureValue[] }[];
  }[];
  notes: string[];
}
interface IndicatorDef {
  key: string;
  name: string;
  measure: string;
  definition: string;
  area: { type: string; code?: string; id?: number; rank?: number; name?: string };
  baseline: { from: string; to: string };
}
interface IndicatorRow {
  period: string;
  periodType: string;
  value: number;
  baselineEquivalent: number;
  percentChange: number | null;
  change: { pValue: number } | null;
  rag: string | null;
}
interface IndicatorTable {
  unit: string;
  area: { name: string };
  definition: { name: string };
  table: { rows: IndicatorRow[]; rule: string; notes: string[] };
  runChart: { mean: number; lowerLimit: number; upperLimit: number; points: { label: string; value: number; signals: string[] }[] };
}
interface Sources {
  incidents: { source: string; records: number; firstMonth: string; lastMonth: string; timed: number; weaponFlagged: number }[];
  aggregates: { source: string; measure: string; values: number; suppressed: number }[];
}
interface AreaOption {
  code: string;
  name: string;
}

const fmt = (v: number | null | undefined, d = 0) =>
  v === null || v === undefined ? '–' : v.toLocaleString('en-GB', { minimumFractionDigits: d, maximumFractionDigits: d });
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${v > 0 ? '+' : ''}${v.toFixed(1)} %`);
const p = (v: number | undefined) => (v === undefined ? '' : v < 0.001 ? v.toExponential(1) : v.toFixed(3));

/** Wards and districts of the view's force (all of them when `keep` is null), from the loaded boundaries. */
async function areasOf(kind: 'ward' | 'district', keep: Set<string> | null): Promise<AreaHit[]> {
  const r = await getJson<{ areas: AreaHit[] }>(`/api/areas/search?${qs({ kind })}`);
  return r.areas.filter((a) => !keep || keep.has(a.kind === 'ward' ? (a.districtCode ?? '') : a.code)).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Whether an indicator is about the view's force. The indicators API is not scoped by force: an
 * indicator of a district or ward is the force's when the area is; others (the force, zones, HCHH)
 * are shown with every force.
 */
const ofForce = (i: IndicatorDef, areas: Set<string> | null) => !areas || !i.area.code || areas.has(i.area.code);

/**
 * The Partnership view: the Home Office success measures, the partnership's indicators with baseline,
 * quarters, change, significance, RAG (rule printed) and run charts, a form to define indicators,
 * the sources loaded, and links to the printable pack and CSVs. Uses only the public API.
 */
export function PartnershipView({
  meta,
  definitions,
  forces,
  force,
  keep,
  onForce,
  onClose,
}: {
  meta: Meta;
  definitions: Definition[];
  forces: Force[];
  force: string;
  keep: Set<string> | null;
  onForce: (force: string) => void;
  onClose: () => void;
}) {
  const [measures, setMeasures] = useState<SuccessMeasures | null>(null);
  const [indicators, setIndicators] = useState<IndicatorDef[]>([]);
  const [tables, setTables] = useState<Record<string, IndicatorTable | string>>({});
  const [sources, setSources] = useState<Sources | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [districts, setDistricts] = useState<AreaOption[]>([]);
  const [wards, setWards] = useState<AreaOption[]>([]);

  const load = useCallback(async () => {
    try {
      setMeasures(null);
      const [m, i, s, d, w] = await Promise.all([
        getJson<SuccessMeasures>('/api/success-measures'),
        getJson<{ indicators: IndicatorDef[] }>('/api/indicators'),
        getJson<Sources>('/api/sources'),
        areasOf('district', keep),
        areasOf('ward', keep),
      ]);
      const areas = keep ? new Set([...d, ...w].map((a) => a.code)) : null;
      const mine = i.indicators.filter((x) => ofForce(x, areas));
      setMeasures(m);
      setIndicators(mine);
      setSources(s);
      setDistricts(d);
      setWards(w);
      const entries = await Promise.all(
        mine.map(async (x) => {
          try {
            return [x.key, await getJson<IndicatorTable>(`/api/indicators/${x.key}/table`)] as const;
          } catch (e) {
            return [x.key, (e as Error).message] as const;
          }
        }),
      );
      setTables(Object.fromEntries(entries));
    } catch (e) {
      setError((e as Error).message);
    }
    // The force is read by the requests (scopedPath); a new force is a new load.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [keep, force]);
  useEffect(() => {
    void load();
  }, [load]);

  const remove = async (key: string) => {
    try {
      await sendJson('DELETE', `/api/indicators/${key}`);
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const forceName = measures?.force?.name ?? meta.force.name;

  return (
    <section className="partnership" aria-labelledby="partnership-title">
      <header className="partnership-head">
        <h2 id="partnership-title">
          Partnership: <span data-testid="partnership-force">{forceName}</span>
        </h2>
        <ForcePicker forces={forces} value={force} onChange={onForce} allowAll />
        <a href={scopedPath('/api/partnership-pack.html')} target="_blank" rel="noopener">
          Print the partnership pack
        </a>
        <a href={scopedPath('/api/success-measures.csv')} download>
          Success measures (CSV)
        </a>
        <button type="button" onClick={onClose}>
          Back to the map
        </button>
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}

      <h3>Home Office success measures</h3>
      {!measures ? <p className="muted">Loading…</p> : <SuccessMeasuresTable measures={measures} />}

      <h3>Indicators</h3>
      {indicators.length === 0 && <p className="muted">No indicators yet: define one below.</p>}
      {indicators.map((i) => (
        <IndicatorCard key={i.key} def={i} table={tables[i.key]} onDelete={() => remove(i.key)} />
      ))}
      <NewIndicator key={meta.force.codes.join()} meta={meta} definitions={definitions} districts={districts} wards={wards} onSaved={load} onError={setError} />

      <h3>Sources loaded</h3>
      {sources && (
        <table className="data">
          <thead>
            <tr>
              <th scope="col">source</th>
              <th scope="col">records</th>
              <th scope="col">months</th>
              <th scope="col">times</th>
              <th scope="col">weapon flags</th>
            </tr>
          </thead>
          <tbody>
            {sources.incidents.map((s) => (
              <tr key={s.source}>
                <td>{s.source}</td>
                <td className="n">{fmt(s.records)}</td>
                <td>
                  {s.firstMonth} to {s.lastMonth}
                </td>
                <td className="n">{s.timed ? fmt(s.timed) : 'months only'}</td>
                <td className="n">{s.weaponFlagged ? fmt(s.weaponFlagged) : 'none'}</td>
              </tr>
            ))}
            {sources.aggregates.map((a) => (
              <tr key={`${a.source}|${a.measure}`}>
                <td>
                  {a.source}: {a.measure}
                </td>
                <td className="n">
                  {fmt(a.values)}
                  {a.suppressed ? ` (${fmt(a.suppressed)} suppressed)` : ''}
                </td>
                <td colSpan={3}>published aggregates</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function SuccessMeasuresTable({ measures }: { measures: SuccessMeasures }) {
  const names = measures.areas[0]?.measures ?? [];
  return (
    <>
      {names.map((m, mi) => (
        <div key={m.key} className="measure">
          <h4>{m.name}</h4>
          <p className="muted">
            {m.source}. Rate per {fmt(m.ratePer)} residents.
          </p>
          <table className="data" aria-label={m.name}>
            <thead>
              <tr>
                <th scope="col">area</th>
                <th scope="col">period</th>
                <th scope="col">value</th>
                <th scope="col">rate</th>
                <th scope="col">change</th>
                <th scope="col">p</th>
              </tr>
            </thead>
            <tbody>
              {measures.areas.map((a) => {
                const am = a.measures[mi]!;
                if (!am.available)
                  return (
                    <tr key={a.code}>
                      <th scope="row">{a.name}</th>
                      <td colSpan={5}>unavailable: {am.reason}</td>
                    </tr>
                  );
                const shown = am.values.filter(
                  (v) => v.periodType === 'rolling_12_months' || v === am.values.filter((x) => x.periodType === 'financial_year').at(-1),
                );
                return shown.map((v, i) => (
                  <tr key={`${a.code}|${v.period}`}>
                    {i === 0 && (
                      <th scope="row" rowSpan={shown.length}>
                        {a.name}
                      </th>
                    )}
                    <td>{v.period}</td>
                    <td className="n">{v.value === null ? v.status : fmt(v.value)}</td>
                    <td className="n">{fmt(v.ratePerPopulation, 1)}</td>
                    <td className="n">{v.change ? `${pct(v.change.percent)} on ${v.change.against}` : (v.note ?? '')}</td>
                    <td className="n">{p(v.change?.test?.pValue)}</td>
                  </tr>
                ));
              })}
            </tbody>
          </table>
        </div>
      ))}
      {measures.notes.map((n) => (
        <p key={n} className="muted">
          {n}
        </p>
      ))}
    </>
  );
}

function IndicatorCard({ def, table, onDelete }: { def: IndicatorDef; table: IndicatorTable | string | undefined; onDelete: () => void }) {
  const d = def.measure === 'rate' ? 1 : 0;
  return (
    <article className="indicator" aria-labelledby={`ind-${def.key}`} data-testid={`indicator-${def.key}`}>
      <header className="row">
        <h4 id={`ind-${def.key}`}>{def.name}</h4>
        <a href={`/api/indicators/${def.key}/table.html`} target="_blank" rel="noopener">
          Printable
        </a>
        <a href={`/api/indicators/${def.key}/table.csv`} download>
          CSV
        </a>
        <button type="button" onClick={onDelete} aria-label={`Delete indicator ${def.name}`}>
          Delete
        </button>
      </header>
      {table === undefined && <p className="muted">Loading…</p>}
      {typeof table === 'string' && <p className="error">{table}</p>}
      {table && typeof table !== 'string' && (
        <>
          <p className="muted">
            {table.unit} · {table.definition.name} · {table.area.name}
          </p>
          <table className="data">
            <thead>
              <tr>
                <th scope="col">period</th>
                <th scope="col">value</th>
                <th scope="col">baseline</th>
                <th scope="col">change</th>
                <th scope="col">p</th>
                <th scope="col">RAG</th>
              </tr>
            </thead>
            <tbody>
              {table.table.rows.map((r) => (
                <tr key={r.period}>
                  <th scope="row">{r.period}</th>
                  <td className="n">{fmt(r.value, d)}</td>
                  <td className="n">{r.periodType === 'baseline' ? '' : fmt(r.baselineEquivalent, d)}</td>
                  <td className="n">{r.periodType === 'baseline' ? '' : pct(r.percentChange)}</td>
                  <td className="n">{p(r.change?.pValue)}</td>
                  <td>{r.rag && <span className={`rag rag-${r.rag}`}>{r.rag.toUpperCase()}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="rule">
            <strong>RAG rule.</strong> {table.table.rule}
          </p>
          <RunChart chart={table.runChart} title={`Run chart of ${def.name}`} />
        </>
      )}
    </article>
  );
}

function RunChart({ chart, title }: { chart: IndicatorTable['runChart']; title: string }) {
  const w = 560,
    h = 110,
    l = 40,
    t = 6,
    b = 18;
  const vals = chart.points.map((x) => x.value);
  // The axis spans the limits and the values (not zero), so variation around the mean is visible.
  const lo0 = Math.max(0, Math.min(chart.lowerLimit, ...vals)),
    hi0 = Math.max(chart.upperLimit, ...vals);
  const lo = lo0 - (hi0 - lo0) * 0.05,
    hi = hi0 + (hi0 - lo0) * 0.05 || 1;
  const x = (i: number) => l + (i * (w - l - 4)) / Math.max(1, chart.points.length - 1);
  const y = (v: number) => t + (h - t - b) * (1 - (v - lo) / (hi - lo));
  const signals = chart.points.filter((q) => q.signals.length).map((q) => q.label);
  return (
    <svg
      width={w}
      height={h}
      viewBox={`0 0 ${w} ${h}`}
      role="img"
      style={{ maxWidth: '100%', height: 'auto' }}
      aria-label={`${title}: mean ${fmt(chart.mean, 1)}, limits ${fmt(chart.lowerLimit, 1)} to ${fmt(chart.upperLimit, 1)}; special-cause signals in ${signals.length ? signals.join(', ') : 'no month'}`}
    >
      {[chart.upperLimit, chart.lowerLimit].map((v, i) => (
        <line key={i} x1={l} x2={w - 4} y1={y(v)} y2={y(v)} stroke="#b2182b" strokeDasharray="5 3" />
      ))}
      <line x1={l} x2={w - 4} y1={y(chart.mean)} y2={y(chart.mean)} stroke="#333" />
      <polyline fill="none" stroke="#2166ac" strokeWidth="1.5" points={chart.points.map((q, i) => `${x(i)},${y(q.value)}`).join(' ')} />
      {chart.points.map((q, i) => (
        <circle key={q.label} cx={x(i)} cy={y(q.value)} r={q.signals.length ? 3.5 : 2} fill={q.signals.length ? '#b2182b' : '#2166ac'}>
          <title>
            {q.label}: {fmt(q.value, 1)}
            {q.signals.length ? ` (${q.signals.join(', ')})` : ''}
          </title>
        </circle>
      ))}
      <text x={l - 4} y={t + 8} fontSize="10" textAnchor="end" fill="#333">
        {fmt(hi)}
      </text>
      <text x={l - 4} y={h - b} fontSize="10" textAnchor="end" fill="#333">
        {fmt(lo)}
      </text>
      <text x={l} y={h - 4} fontSize="10" fill="#333">
        {chart.points[0]?.label}
      </text>
      <text x={w - 4} y={h - 4} fontSize="10" textAnchor="end" fill="#333">
        {chart.points.at(-1)?.label}
      </text>
    </svg>
  );
}

function NewIndicator({
  meta,
  definitions,
  districts,
  wards,
  onSaved,
  onError,
}: {
  meta: Meta;
  definitions: Definition[];
  districts: AreaOption[];
  wards: AreaOption[];
  onSaved: () => Promise<void>;
  onError: (m: string | null) => void;
}) {
  const [name, setName] = useState('');
  const [measure, setMeasure] = useState('count');
  const [definition, setDefinition] = useState(meta.defaultDefinition);
  const [areaType, setAreaType] = useState('district');
  const [code, setCode] = useState('');
  const [zone, setZone] = useState('');
  const [from, setFrom] = useState(meta.months.find((m) => m.endsWith('-04')) ?? meta.months[0] ?? '');
  const [to, setTo] = useState('');
  const [target, setTarget] = useState('');
  const [zones, setZones] = useState<{ id: number; name: string }[]>([]);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    getJson<{ features: { id: number; properties: { name: string } }[] }>('/api/zones')
      .then((r) => setZones(r.features.map((f) => ({ id: f.id, name: f.properties.name }))))
      .catch(() => setZones([]));
  }, []);
  const baselineTo = to || meta.months[meta.months.indexOf(from) + 11] || '';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    onError(null);
    const key =
      name
        .toLowerCase()
        .normalize('NFKD')
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 60) || 'indicator';
    const area =
      areaType === 'force'
        ? { type: 'force' }
        : areaType === 'zone'
          ? { type: 'zone', id: Number(zone) }
          : areaType === 'hchh'
            ? { type: 'hchh' }
            : { type: areaType, code };
    try {
      await sendJson('POST', '/api/indicators', {
        key: key.length < 2 ? `${key}-1` : key,
        name,
        measure,
        definition,
        area,
        baseline: { from, to: baselineTo },
        rag: target ? { rule: 'target', targetPercent: Number(target) } : { rule: 'significance' },
      });
      setName('');
      await onSaved();
    } catch (err) {
      onError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="new-indicator" onSubmit={submit} aria-labelledby="new-indicator-title">
      <h4 id="new-indicator-title">Define an indicator</h4>
      <label>
        Name <input aria-label="Name" required value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
      </label>
      <label>
        Measure
        <select aria-label="Measure" value={measure} onChange={(e) => setMeasure(e.target.value)}>
          <option value="count">Count of incidents</option>
          <option value="rate">Rate per 100,000 residents</option>
          <option value="harm">Harm (Crime Harm Index days)</option>
        </select>
      </label>
      <label>
        Serious-violence definition
        <select aria-label="Serious-violence definition" value={definition} onChange={(e) => setDefinition(e.target.value)}>
          {definitions.map((d) => (
            <option key={d.key} value={d.key}>
              {d.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Area
        <select
          aria-label="Area"
          value={areaType}
          onChange={(e) => {
            setAreaType(e.target.value);
            setCode('');
          }}
        >
          <option value="force">The force</option>
          <option value="district">A district</option>
          <option value="ward">A ward</option>
          <option value="zone">A Clear-Hold-Build zone</option>
          <option value="hchh">The HCHH areas of the baseline</option>
        </select>
      </label>
      {(areaType === 'district' || areaType === 'ward') && (
        <label>
          {areaType === 'district' ? 'District' : 'Ward'}
          <select aria-label={areaType === 'district' ? 'District' : 'Ward'} required value={code} onChange={(e) => setCode(e.target.value)}>
            <option value="">Choose…</option>
            {(areaType === 'district' ? districts : wards).map((a) => (
              <option key={a.code} value={a.code}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {areaType === 'zone' && (
        <label>
          Zone
          <select aria-label="Zone" required value={zone} onChange={(e) => setZone(e.target.value)}>
            <option value="">{zones.length ? 'Choose…' : 'No zones drawn yet'}</option>
            {zones.map((z) => (
              <option key={z.id} value={z.id}>
                {z.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <div className="row">
        <label>
          Baseline from{' '}
          <select aria-label="Baseline from" value={from} onChange={(e) => setFrom(e.target.value)}>
            {meta.months.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <label>
          to{' '}
          <select aria-label="Baseline to" value={baselineTo} onChange={(e) => setTo(e.target.value)}>
            {meta.months
              .filter((m) => m >= from)
              .map((m) => (
                <option key={m}>{m}</option>
              ))}
          </select>
        </label>
      </div>
      <label>
        Target change for green, % (blank: significance rule){' '}
        <input aria-label="Target change for green, %" type="number" min={-100} max={100} step={1} value={target} onChange={(e) => setTarget(e.target.value)} />
      </label>
      <button type="submit" disabled={busy}>
        {busy ? 'Saving…' : 'Add indicator'}
      </button>
    </form>
  );
}
