import { useEffect, useState } from 'react';
import { countText } from './figures';
import { getJson, qs, type Series } from './api';
import { cellsWorker } from './map/cellsClient';
import type { CellStats } from './map/cellsProtocol';

interface Props {
  cell: string;
  query: { force?: string; from: string; to: string; definition: string; scheme: string };
  unit: string;
  onClose: () => void;
}

/** A clicked cell: its monthly series, totals and, where computed, its Gi* and emerging pattern. */
export function CellPanel({ cell, query, unit, onClose }: Props) {
  const [series, setSeries] = useState<Series | null>(null);
  // The Gi* and emerging figures of the cell, where the map computed them (kept by the cells worker).
  const [stats, setStats] = useState<CellStats>({});
  useEffect(() => {
    cellsWorker()
      .stats(cell)
      .then(setStats)
      .catch(() => setStats({}));
  }, [cell]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    getJson<Series>(`/api/cells/${cell}/series?${qs(query)}`, controller.signal)
      .then(setSeries)
      .catch((e: Error) => {
        if (e.name !== 'AbortError') setError(e.message);
      });
    return () => controller.abort();
  }, [cell, query.force, query.from, query.to, query.definition, query.scheme]);
  // A partner's withheld months (null, "<5") make the total withheld too.
  const total = series?.incidents.some((v) => v === null) ? null : (series?.incidents.reduce<number>((a, b) => a + (b ?? 0), 0) ?? 0);
  const harm = series?.harm.reduce<number>((a, b) => a + (b ?? 0), 0) ?? 0;
  return (
    <section className="panel" aria-label={`Cell ${cell}`} data-testid="cell-panel">
      <header>
        <h2>Cell {cell}</h2>
        <button type="button" onClick={onClose} aria-label="Close the cell panel">
          ×
        </button>
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {series && (
        <>
          <p className="muted">
            {series.definition.name}
            {series.definition.isProxy && !/proxy/i.test(series.definition.name) ? ' (public-data proxy)' : ''}, {series.from} to {series.to}, H3 resolution{' '}
            {series.resolution}
          </p>
          <dl className="figures">
            <div>
              <dt>Incidents</dt>
              <dd data-testid="cell-incidents">{countText(total)}</dd>
            </div>
            <div>
              <dt>Harm ({unit})</dt>
              <dd data-testid="cell-harm">{Math.round(harm).toLocaleString('en-GB')}</dd>
            </div>
            {stats.giZ !== undefined && (
              <div>
                <dt>Gi* z</dt>
                <dd>
                  {stats.giZ.toFixed(2)} (bin {stats.giBin})
                </dd>
              </div>
            )}
            {stats.pattern && (
              <div>
                <dt>Pattern</dt>
                <dd>{stats.pattern}</dd>
              </div>
            )}
          </dl>
          <MonthlyChart months={series.months} values={series.incidents} title="Incidents per month" unit="incidents" colour="#3b528b" />
          <MonthlyChart months={series.months} values={series.harm} title={`Harm per month (${unit})`} unit={unit} colour="#5b3a7a" />
        </>
      )}
    </section>
  );
}

export function MonthlyChart({
  months,
  values: shown,
  title,
  unit,
  colour,
}: {
  months: string[];
  values: (number | null)[];
  title: string;
  unit: string;
  colour: string;
}) {
  // A partner's withheld months (null, shown "<5") are drawn as empty bars and named as withheld.
  const values = shown.map((v) => v ?? 0);
  const w = 330,
    h = 92,
    pad = 38;
  const max = Math.max(1, ...values);
  const bw = (w - pad) / Math.max(1, values.length);
  const fmt = (v: number) => Math.round(v).toLocaleString('en-GB');
  const peak = values.indexOf(Math.max(...values));
  return (
    <figure>
      <figcaption className="chart-title">{title}</figcaption>
      <svg
        width={w}
        height={h}
        role="img"
        aria-label={`${title} from ${months[0]} to ${months[months.length - 1]}: highest ${fmt(max)} ${unit} in ${months[peak] ?? ''}, total ${fmt(values.reduce((a, b) => a + b, 0))}`}
      >
        <line x1={pad} x2={w} y1={h - 18} y2={h - 18} stroke="#767676" />
        <line x1={pad} x2={pad} y1={6} y2={h - 18} stroke="#767676" />
        {values.map((v, i) => (
          <rect key={months[i]} x={pad + 1 + i * bw} y={h - 18 - ((h - 26) * v) / max} width={Math.max(1, bw - 1)} height={((h - 26) * v) / max} fill={colour}>
            <title>
              {months[i]}: {shown[i] === null ? 'withheld (<5)' : fmt(v)} {unit}
            </title>
          </rect>
        ))}
        <text x={pad - 4} y={12} fontSize="10" fill="#333" textAnchor="end">
          {fmt(max)}
        </text>
        <text x={pad - 4} y={h - 18} fontSize="10" fill="#333" textAnchor="end">
          0
        </text>
        <text x={pad} y={h - 4} fontSize="10" fill="#333">
          {months[0]}
        </text>
        <text x={w} y={h - 4} fontSize="10" fill="#333" textAnchor="end">
          {months[months.length - 1]}
        </text>
      </svg>
    </figure>
  );
}
