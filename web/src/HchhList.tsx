import type { Hchh, HchhFeature } from './api';
import { countText } from './figures';

/** HCHH areas sorted by harm; choosing one flies the map to it, Details opens its panel. */
export function HchhList({
  hchh,
  onSelect,
  onDetails,
  unit,
}: {
  hchh: Hchh;
  onSelect: (f: HchhFeature) => void;
  onDetails: (f: HchhFeature) => void;
  unit: string;
}) {
  const t = hchh.totals;
  return (
    <section className="hchh" aria-labelledby="hchh-heading">
      <h2 id="hchh-heading">High Crime High Harm areas</h2>
      <p className="muted">
        {t.areas} areas: {(t.shareOfArea * 100).toFixed(2)} % of the study area, {(t.shareOfIncidents * 100).toFixed(1)} % of incidents,{' '}
        {(t.shareOfHarm * 100).toFixed(1)} % of harm. Rule: {hchh.rule}.
      </p>
      <ol>
        {hchh.features.map((f) => (
          <li key={f.properties.rank}>
            <button type="button" className="link" onClick={() => onSelect(f)}>
              <strong>{f.properties.rank}.</strong> {f.properties.name}
              <span className="muted">
                {' '}
                — {countText(f.properties.incidents)} incidents, {f.properties.harm === null ? '–' : Math.round(f.properties.harm).toLocaleString('en-GB')}{' '}
                {unit}, {f.properties.areaKm2} km²
              </span>
            </button>{' '}
            <button type="button" className="details" onClick={() => onDetails(f)} aria-label={`Details of HCHH area ${f.properties.rank}`}>
              Details
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
