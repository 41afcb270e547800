import { EMERGING_COLOURS, GI_BIN_COLOURS, GI_BIN_LABELS, sequential } from './colours';

export type LegendModel =
  | { kind: 'sequential'; title: string; unit: string; max: number; from: string; to: string; note?: string | undefined }
  | { kind: 'gistar'; title: string; unit: string; from: string; to: string; note?: string | undefined }
  | { kind: 'emerging'; title: string; unit: string; from: string; to: string; note?: string | undefined; counts: Record<string, number> };

const fmt = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-GB') : v.toLocaleString('en-GB', { maximumFractionDigits: 1 }));

/** The legend says what is shown, in what unit, under which definition; it is read out when it changes. */
export function Legend({ model }: { model: LegendModel }) {
  return (
    <section className="legend" aria-live="polite" aria-label="Map legend">
      <h2>{model.unit}</h2>
      <p className="legend-title">{model.title}, {model.from === model.to ? model.from : `${model.from} to ${model.to}`}</p>
      {model.kind === 'sequential' && <SequentialLegend max={model.max} />}
      {model.kind === 'gistar' && (
        <ul className="swatches">
          {GI_BIN_LABELS.map(([bin, label]) => <li key={bin}><span className="swatch" style={{ background: GI_BIN_COLOURS[bin] }} />{label}</li>)}
        </ul>
      )}
      {model.kind === 'emerging' && (
        <ul className="swatches">
          {Object.entries(model.counts).filter(([k]) => EMERGING_COLOURS[k]).sort((a, b) => b[1] - a[1]).map(([k, n]) => (
            <li key={k}><span className="swatch" style={{ background: EMERGING_COLOURS[k] }} />{k} <span className="muted">({n.toLocaleString('en-GB')} cells)</span></li>
          ))}
        </ul>
      )}
      {model.note && <p className="muted">{model.note}</p>}
      <p className="muted">Outlined and numbered: High Crime High Harm areas, ranked by harm.</p>
    </section>
  );
}

function SequentialLegend({ max }: { max: number }) {
  const colour = sequential(max);
  const stops = [0, 0.05, 0.15, 0.3, 0.5, 0.75, 1].map((f) => f * max);
  return (
    <>
      <div className="ramp" role="img" aria-label={`colour scale from 0 (light) to ${fmt(max)} (dark)`}
        style={{ background: `linear-gradient(to right, ${stops.map((s) => colour(s)).join(', ')})` }} />
      <div className="ramp-labels" aria-hidden="true"><span>0</span><span>{fmt(max * 0.25)}</span><span>{fmt(max)}</span></div>
    </>
  );
}
