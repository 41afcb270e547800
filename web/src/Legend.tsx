import { EMERGING_COLOURS, GI_BIN_COLOURS, GI_BIN_LABELS, sequential } from './colours';
import { PHASE_COLOURS, PHASE_LABELS, SITE_COLOUR, type Phase } from './layers';

/**
 * Overlays shown, for the legend: deprivation classes (or, where none can be shown, the API's
 * sentence saying why), zones by phase, sites, repeat locations.
 */
export interface DeprivationLegend {
  unit: string;
  classes: { label: string; colour: string }[];
  source: string;
  missing: string | null;
}
export interface Overlays {
  deprivation: DeprivationLegend | null;
  zones: boolean;
  sites: boolean;
  repeat: boolean;
}

const DASHES: Record<Phase, string> = { planned: '2 3', clear: '8 3', hold: '5 2 1.5 2', build: '' };

export type LegendModel =
  | {
      kind: 'sequential';
      title: string;
      unit: string;
      max: number;
      from: string;
      to: string;
      note?: string | undefined;
      measure: string;
      schemeName?: string | undefined;
    }
  | { kind: 'gistar'; title: string; unit: string; from: string; to: string; note?: string | undefined }
  | { kind: 'emerging'; title: string; unit: string; from: string; to: string; note?: string | undefined; counts: Record<string, number> };

const fmt = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-GB') : v.toLocaleString('en-GB', { maximumFractionDigits: 1 }));

/** Unit names spelt out, so the legend says what a number means and not only its abbreviation. */
const UNIT_NAMES: Record<string, string> = { 'CCHI days': 'Cambridge Crime Harm Index days' };

/**
 * The legend says what is shown, in what unit, under which definition and over which months; it is
 * drawn over the map (so a screenshot or PNG export carries it) and read out when it changes.
 */
export function legendHeading(model: LegendModel): string {
  return model.kind === 'sequential'
    ? `${model.measure} per cell${model.unit !== 'incidents' ? ` (${UNIT_NAMES[model.unit] ?? model.unit})` : ''}`
    : model.unit;
}

export function Legend({ model, overlays }: { model: LegendModel; overlays: Overlays }) {
  const period = model.from === model.to ? model.from : `${model.from} to ${model.to}`;
  const heading = legendHeading(model);
  return (
    <section className="legend" aria-live="polite" aria-labelledby="legend-heading" data-testid="legend">
      <h2 id="legend-heading">{heading}</h2>
      <p className="legend-title">
        {model.title}, {period}
      </p>
      {model.kind === 'sequential' && <SequentialLegend max={model.max} />}
      {model.kind === 'gistar' && (
        <ul className="swatches">
          {GI_BIN_LABELS.map(([bin, label]) => (
            <li key={bin}>
              <span className="swatch" style={{ background: GI_BIN_COLOURS[bin] }} />
              {label}
            </li>
          ))}
        </ul>
      )}
      {model.kind === 'emerging' && (
        <ul className="swatches">
          {Object.entries(model.counts)
            .filter(([k]) => EMERGING_COLOURS[k])
            .sort((a, b) => b[1] - a[1])
            .map(([k, n]) => (
              <li key={k}>
                <span className="swatch" style={{ background: EMERGING_COLOURS[k] }} />
                {k} <span className="muted">({n.toLocaleString('en-GB')} cells)</span>
              </li>
            ))}
        </ul>
      )}
      {model.kind === 'sequential' && model.schemeName && <p className="muted">Harm scheme: {model.schemeName}</p>}
      {model.note && <p className="muted">{model.note}</p>}
      <p className="key">
        <svg width="18" height="16" viewBox="0 0 18 16" aria-hidden="true">
          <polygon points="4.5,1 13.5,1 17,8 13.5,15 4.5,15 1,8" fill="none" stroke="#111111" strokeWidth="2" />
        </svg>
        Outlined, numbered: High Crime High Harm areas by harm rank
      </p>
      <p className="key">
        <svg width="18" height="16" viewBox="0 0 18 16" aria-hidden="true">
          <polygon points="4.5,1 13.5,1 17,8 13.5,15 4.5,15 1,8" fill="none" stroke="#e66100" strokeWidth="2.5" />
        </svg>
        Orange outline: the cell shown in the panel
      </p>
      <p className="key">
        <svg width="18" height="16" viewBox="0 0 18 16" aria-hidden="true">
          <rect x="2" y="2" width="14" height="12" fill="none" stroke="#1a1a1a" strokeWidth="4" />
          <rect x="2" y="2" width="14" height="12" fill="none" stroke="#f0e442" strokeWidth="2" />
        </svg>
        Yellow outline: the area shown in the panel
      </p>
      {overlays.deprivation && (
        <div data-testid="legend-deprivation">
          {overlays.deprivation.missing ? (
            <>
              <h3 className="legend-sub">Ward deprivation</h3>
              <p data-testid="deprivation-missing">{overlays.deprivation.missing}</p>
            </>
          ) : (
            <>
              <h3 className="legend-sub">Ward deprivation: {overlays.deprivation.unit}</h3>
              <ul className="swatches classes">
                {overlays.deprivation.classes.map((c) => (
                  <li key={c.label}>
                    <span className="swatch" style={{ background: c.colour }} />
                    {c.label}
                  </li>
                ))}
              </ul>
              <p className="muted">Source: {overlays.deprivation.source}</p>
            </>
          )}
        </div>
      )}
      {overlays.zones && (
        <div data-testid="legend-zones">
          <h3 className="legend-sub">Clear-Hold-Build zones, phase today</h3>
          <ul className="swatches classes">
            {(Object.keys(PHASE_COLOURS) as Phase[]).map((p) => (
              <li key={p}>
                <svg width="22" height="10" aria-hidden="true">
                  <line x1="0" y1="5" x2="22" y2="5" stroke={PHASE_COLOURS[p]} strokeWidth="3" strokeDasharray={DASHES[p]} />
                </svg>
                {PHASE_LABELS[p]}
              </li>
            ))}
          </ul>
        </div>
      )}
      {overlays.sites && (
        <p className="key">
          <span className="swatch" style={{ background: SITE_COLOUR }} />
          Sites (drawn outlines or points)
        </p>
      )}
      {overlays.repeat && (
        <p className="key">
          <svg width="16" height="16" aria-hidden="true">
            <circle cx="8" cy="8" r="6" fill="#ffffff" stroke="#1a1a1a" strokeWidth="2" />
          </svg>
          Repeat locations (circle size: incidents)
        </p>
      )}
    </section>
  );
}

function SequentialLegend({ max }: { max: number }) {
  const colour = sequential(max);
  // The ramp is spaced as the colour scale is (square root): position p shows the value max × p².
  const stops = Array.from({ length: 11 }, (_, i) => max * (i / 10) ** 2);
  return (
    <>
      <div
        className="ramp"
        role="img"
        aria-label={`colour scale from 0 (light yellow-green) to ${fmt(max)} (dark purple), square-root spaced`}
        style={{ background: `linear-gradient(to right, ${stops.map((s) => colour(s)).join(', ')})` }}
      />
      <div className="ramp-labels" aria-hidden="true">
        <span>0</span>
        <span>{fmt(max * 0.25)}</span>
        <span>{fmt(max)}</span>
      </div>
    </>
  );
}
