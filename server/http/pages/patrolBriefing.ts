import type { Road } from '../../services/patrolBriefing';
import { escapeHtml } from './html';

type Polygonal = { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };

interface BriefingArea {
  rank: number;
  name: string;
  cells: number;
  areaKm2: number;
  incidents: number;
  harm: number;
  outline: unknown;
  box: [number, number, number, number];
  streets: { street: string; incidents: number; harm: number }[];
  peakMonths: { month: string; incidents: number; harm: number }[];
  peakTimes: { available: boolean; statement: string };
  visits: { order: number; street: string; minutes: string; when: string }[];
  roads?: Road[] | null;
}

interface Briefing {
  from: string;
  to: string;
  resolution: number;
  definition: { name: string; isProxy: boolean };
  scheme: { name: string; unit: string };
  dataRefresh: { latestMonthLoaded: string | null; lastImport: string | null };
  guidance: string;
  rule: string;
  streetsRule: string;
  areas: BriefingArea[];
}

const ROAD_WIDTH: Record<string, number> = { motorway: 3.2, trunk: 3, primary: 2.6, secondary: 2.2, tertiary: 1.8 };

/**
 * An outline map as inline SVG: the OSM roads within the area's box (equirectangular, x scaled by
 * cos(latitude) so that a metre is a metre both ways), the area's outline on top, north up.
 */
export function outlineSvg(area: Pick<BriefingArea, 'outline' | 'box' | 'roads' | 'name' | 'streets'>, width = 640): string {
  const [w, s, e, n] = area.box;
  const k = Math.cos((((s + n) / 2) * Math.PI) / 180);
  const height = Math.max(200, Math.round(width * ((n - s) / ((e - w) * k))));
  const x = (lon: number) => ((lon - w) / (e - w)) * width;
  const y = (lat: number) => ((n - lat) / (n - s)) * height;
  const line = (pts: number[][]) => pts.map(([lon, lat], i) => `${i ? 'L' : 'M'}${x(lon!).toFixed(1)} ${y(lat!).toFixed(1)}`).join('');
  const top = new Set(area.streets.slice(0, 5).map((st) => st.street.toLowerCase()));
  const roads = (area.roads ?? [])
    .map((r) => {
      const wdt = ROAD_WIDTH[r.class] ?? (r.name ? 1.4 : 0.8);
      const hi = r.name && top.has(r.name.toLowerCase());
      return `<path d="${r.coordinates.map(line).join('')}" fill="none" stroke="${hi ? '#1f4e9c' : '#9a9a9a'}" stroke-width="${hi ? wdt + 1 : wdt}" stroke-linecap="round"/>`;
    })
    .join('');
  const labelled = new Set<string>();
  const labels = (area.roads ?? [])
    .filter((r) => r.name && top.has(r.name.toLowerCase()))
    .map((r) => {
      if (labelled.has(r.name!)) return '';
      const pts = r.coordinates.flat().filter(([lon, lat]) => lon! >= w && lon! <= e && lat! >= s && lat! <= n);
      const mid = pts[Math.floor(pts.length / 2)];
      if (!mid) return '';
      labelled.add(r.name!);
      return `<text x="${x(mid[0]!).toFixed(1)}" y="${y(mid[1]!).toFixed(1)}" class="label">${escapeHtml(r.name)}</text>`;
    })
    .join('');
  const o = area.outline as Polygonal;
  const polys = o.type === 'Polygon' ? [o.coordinates] : o.coordinates;
  const outline = `<path d="${polys.map((p) => p.map((ring) => `${line(ring)}Z`).join('')).join('')}" fill="#d7301f" fill-opacity="0.18" stroke="#d7301f" stroke-width="2.5" fill-rule="evenodd"/>`;
  const noRoads = area.roads === null ? `<text x="8" y="${height - 8}" class="note">Basemap roads not loaded (basemap/roads.geojson)</text>` : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeHtml(`Outline map of ${area.name} with its streets`)}">` +
    `<rect width="${width}" height="${height}" fill="#fbfaf7"/>${roads}${outline}${labels}${noRoads}` +
    `<text x="${width - 18}" y="22" class="north">N↑</text></svg>`
  );
}

/** The printable briefing: a cover with the method, then one page per area. Self-contained: no scripts, fonts or images fetched. */
export function briefingHtml(b: Briefing): string {
  const fmt = (v: number) => v.toLocaleString('en-GB', { maximumFractionDigits: 1 });
  const pages = b.areas
    .map(
      (a) => `
<section class="page">
  <h2>Area ${a.rank}: ${escapeHtml(a.name)}</h2>
  <p class="facts">${a.cells} H3 cells, ${fmt(a.areaKm2)} km² · ${fmt(a.incidents)} incidents · harm ${fmt(a.harm)} ${escapeHtml(b.scheme.unit)} (${escapeHtml(b.from)} to ${escapeHtml(b.to)})</p>
  <figure>${outlineSvg(a)}<figcaption>Area outline (red) with OpenStreetMap roads; the top streets in blue.</figcaption></figure>
  <div class="cols">
    <div>
      <h3>Streets</h3>
      <table><thead><tr><th>Street</th><th>Incidents</th><th>Harm</th></tr></thead><tbody>
      ${a.streets.map((s) => `<tr><td>${escapeHtml(s.street)}</td><td>${fmt(s.incidents)}</td><td>${fmt(s.harm)}</td></tr>`).join('')}
      </tbody></table>
    </div>
    <div>
      <h3>Peak months</h3>
      <ul>${a.peakMonths.map((m) => `<li>${escapeHtml(m.month)}: ${fmt(m.incidents)} incidents, harm ${fmt(m.harm)}</li>`).join('')}</ul>
      <h3>Peak days and hours</h3>
      <p>${escapeHtml(a.peakTimes.statement)}</p>
      <h3>Suggested visits</h3>
      <ol>${a.visits.map((v) => `<li>${escapeHtml(v.minutes)} minutes on or near <strong>${escapeHtml(v.street)}</strong>, ${escapeHtml(v.when)}</li>`).join('')}</ol>
    </div>
  </div>
  <p class="foot">Data to ${escapeHtml(b.dataRefresh.latestMonthLoaded ?? 'none')} (latest month loaded)${b.dataRefresh.lastImport ? `, last refreshed ${escapeHtml(b.dataRefresh.lastImport.slice(0, 16).replace('T', ' '))} UTC` : ''} · ${escapeHtml(b.definition.name)}</p>
</section>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Hotspot patrol briefing ${escapeHtml(b.from)}–${escapeHtml(b.to)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1a1a1a;margin:0 auto;max-width:900px;padding:16px}
h1{font-size:22px;margin:0 0 8px}h2{font-size:19px;margin:0 0 4px}h3{font-size:15px;margin:12px 0 4px}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ccc;padding:2px 6px;text-align:left}td:nth-child(n+2),th:nth-child(n+2){text-align:right}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:16px}.facts,.foot{color:#444}.foot{font-size:12px;border-top:1px solid #ccc;padding-top:4px}
figure{margin:8px 0}figcaption{font-size:12px;color:#555}
svg .label{font:600 11px system-ui,sans-serif;fill:#1f4e9c;paint-order:stroke;stroke:#fff;stroke-width:3px}svg .north{font:700 13px system-ui,sans-serif}svg .note{font:12px system-ui,sans-serif;fill:#555}
.page{border-top:2px solid #333;padding-top:12px;margin-top:24px}
@media print{@page{size:A4;margin:12mm}body{max-width:none;padding:0;font-size:11pt}.page{break-before:page;border-top:none;margin-top:0}.cover{break-after:avoid}figure svg{max-height:120mm}}
</style></head><body>
<section class="cover">
<h1>Hotspot patrol briefing</h1>
<p>${b.areas.length} High Crime High Harm area${b.areas.length === 1 ? '' : 's'}: ${escapeHtml(b.rule)}. Period ${escapeHtml(b.from)} to ${escapeHtml(b.to)}, H3 resolution ${b.resolution}, ${escapeHtml(b.definition.name)}${b.definition.isProxy ? ' (a proxy: read as an upper bound)' : ''}, harm by ${escapeHtml(b.scheme.name)}.</p>
<p>Latest month loaded: <strong>${escapeHtml(b.dataRefresh.latestMonthLoaded ?? 'none')}</strong>${b.dataRefresh.lastImport ? `; data last refreshed ${escapeHtml(b.dataRefresh.lastImport.slice(0, 16).replace('T', ' '))} UTC` : ''}.</p>
<p>${escapeHtml(b.guidance)}</p>
<p>${escapeHtml(b.streetsRule)}.</p>
</section>${pages}
</body></html>`;
}
