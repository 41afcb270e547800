import { DAYS } from '../../domain/siteReview';
import { escapeHtml as esc, html as h, Markup as Raw, printablePage } from './html';
import type { SiteReviewService } from '../../services/siteReview';

type Review = Awaited<ReturnType<SiteReviewService['review']>>;
type Geometry = { type: string; coordinates: unknown };

const n0 = (v: number | null | undefined) => (v === null || v === undefined ? '–' : Math.round(v).toLocaleString('en-GB'));
const n1 = (v: number | null | undefined, d = 1) =>
  v === null || v === undefined ? '–' : v.toLocaleString('en-GB', { minimumFractionDigits: d, maximumFractionDigits: d });
const p = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v < 1e-300 ? '< 10⁻³⁰⁰' : v < 0.001 ? v.toExponential(1) : v.toPrecision(2));
const verdictClass = (v: string) => (v === 'higher' ? 'hi' : v === 'lower' ? 'lo' : '');

/** An outline map of the site and its rings as inline SVG (equirectangular around the site, north up). */
function outlineSvg(r: Review): Raw {
  const rings = ringsOf(r);
  const all = rings.flatMap((g) => points(g.geometry)) as [number, number][];
  const lat0 = all.reduce((s, q) => s + q[1], 0) / Math.max(1, all.length);
  const k = Math.cos((lat0 * Math.PI) / 180);
  const xs = all.map((q) => q[0] * k),
    ys = all.map((q) => q[1]);
  const minX = Math.min(...xs),
    maxX = Math.max(...xs),
    minY = Math.min(...ys),
    maxY = Math.max(...ys);
  const size = 360,
    pad = 12,
    scale = (size - 2 * pad) / Math.max(maxX - minX, maxY - minY, 1e-9);
  const tx = (q: number[]) => `${(pad + (q[0]! * k - minX) * scale).toFixed(1)},${(pad + (maxY - q[1]!) * scale).toFixed(1)}`;
  const path = (g: Geometry) =>
    polygons(g)
      .map((poly) => poly.map((ring) => `M${ring.map(tx).join('L')}Z`).join(''))
      .join('');
  const shapes = rings
    .map((g, i) => h`<path d="${g.geometry ? path(g.geometry) : ''}" class="${i === 0 ? 'site' : 'ring'}" fill-rule="evenodd"><title>${g.label}</title></path>`)
    .reverse();
  const metres = (maxX - minX) * 111_320;
  const bar = Math.pow(10, Math.floor(Math.log10(Math.max(metres / 3, 1))));
  const barPx = (bar / 111_320) * scale;
  return h`<svg viewBox="0 0 ${size} ${size + 24}" width="${size}" height="${size + 24}" role="img" aria-label="Outline of the site and its rings">
    ${shapes}
    <line x1="${pad}" y1="${size + 12}" x2="${pad + barPx}" y2="${size + 12}" class="bar"/><text x="${pad + barPx + 6}" y="${size + 16}">${bar >= 1000 ? `${bar / 1000} km` : `${bar} m`}</text>
    <text x="${size - pad}" y="${size + 16}" text-anchor="end">N ↑ · site shaded, rings outlined</text>
  </svg>`;
}

function ringsOf(r: Review): { label: string; geometry: Geometry | null }[] {
  return [
    { label: 'site', geometry: r.site.outline as Geometry },
    ...r.site.ringOutlines.map((x) => ({ label: `${x.outerMetres} m from the edge`, geometry: x.geometry as Geometry })),
  ];
}
function polygons(g: Geometry): number[][][][] {
  return g.type === 'Polygon' ? [g.coordinates as number[][][]] : g.type === 'MultiPolygon' ? (g.coordinates as number[][][][]) : [];
}
function points(g: Geometry | null): number[][] {
  return g ? polygons(g).flatMap((poly) => poly.flatMap((ring) => ring)) : [];
}

function rateTable(r: Review): Raw {
  const comps = r.comparators;
  const head = h`<tr><th>Zone</th><th>Area km²</th><th>Residents</th><th>Incidents</th><th>Per km²</th>${comps.map((c) => h`<th>vs ${c.kind} (${c.name})<br><small>per km²: ratio, p</small></th>`)}${comps.map((c) => h`<th>vs ${c.kind}<br><small>per 1,000 residents</small></th>`)}</tr>`;
  const rows = r.zones.map((z) => {
    const inc = z.definition.current!.incidents;
    const cells = comps.map((c) => {
      const t = z.rates[c.kind]?.perKm2;
      return t ? h`<td class="${verdictClass(t.verdict)}">${n1(t.ratio, 2)}× · p ${p(t.pValue)}<br><small>${t.verdict}</small></td>` : h`<td>–</td>`;
    });
    const res = comps.map((c) => {
      const t = z.rates[c.kind]?.perThousandResidents;
      return t ? h`<td class="${verdictClass(t.verdict)}">${n1(t.zoneRate)} vs ${n1(t.comparatorRate)}<br><small>${t.verdict}</small></td>` : h`<td>–</td>`;
    });
    return h`<tr><th>${z.label}</th><td>${n1(z.areaKm2, 3)}</td><td>${n0(z.residents)}</td><td>${n0(inc)}</td><td>${n0(inc / z.areaKm2)}</td>${cells}${res}</tr>`;
  });
  const compRows = comps.map(
    (c) =>
      h`<tr class="comp"><th>${c.kind}: ${c.name}</th><td>${n1(c.areaKm2, 1)}</td><td>${n0(c.residents)}</td><td>${n0(c.incidents)}</td><td>${n0(c.perKm2)}</td><td colspan="${comps.length * 2}">${c.perThousandResidents === null ? '' : `${n1(c.perThousandResidents)} per 1,000 residents`}</td></tr>`,
  );
  return h`<table class="rates"><thead>${head}</thead><tbody>${rows}${compRows}</tbody></table>`;
}

function headlineTable(r: Review): Raw {
  const rows = r.zones.map((z) => {
    const c = z.definition.change;
    return h`<tr><th>${z.label}</th><td>${n0(z.definition.current!.incidents)}</td><td>${n0(z.definition.current!.harm)}</td><td>${z.definition.previous ? n0(z.definition.previous.incidents) : '–'}</td>
      <td>${c ? (c.rateRatio === null ? 'n/a' : `${c.percentChange! >= 0 ? '+' : ''}${n1(c.percentChange, 0)} %`) : '–'}</td><td>${c ? `${c.direction} (p ${p(c.pValue)})` : '–'}</td>
      <td>${n0(z.allCrime.current!.incidents)}</td><td>${z.allCrime.previous ? n0(z.allCrime.previous.incidents) : '–'}</td></tr>`;
  });
  return h`<table><thead><tr><th>Zone</th><th>${r.definition.name}: incidents</th><th>harm (${r.scheme.unit})</th><th>period before</th><th>change</th><th>exact test</th><th>all crime</th><th>all crime before</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function categoryTable(r: Review): Raw {
  const cats = [...new Set(r.zones.flatMap((z) => (z.byCategory ?? []).map((c) => c.category)))];
  const get = (z: Review['zones'][number], c: string) => z.byCategory?.find((x) => x.category === c)?.current ?? { incidents: 0, harm: 0 };
  cats.sort((a, b) => r.zones.reduce((s, z) => s + get(z, b).harm, 0) - r.zones.reduce((s, z) => s + get(z, a).harm, 0));
  const head = h`<tr><th>Category</th>${r.zones.map((z) => h`<th>${z.label}<br><small>incidents · harm</small></th>`)}</tr>`;
  const rows = cats.map((c) => h`<tr><th>${c}</th>${r.zones.map((z) => h`<td>${n0(get(z, c).incidents)} · ${n0(get(z, c).harm)}</td>`)}</tr>`);
  const defs = (r.zones[0]?.byDefinition ?? []).map(
    (d, i) =>
      h`<tr class="comp"><th>${d.name}</th>${r.zones.map((z) => h`<td>${n0(z.byDefinition![i]!.current!.incidents)} · ${n0(z.byDefinition![i]!.current!.harm)}</td>`)}</tr>`,
  );
  return h`<table><thead>${head}</thead><tbody>${rows}${defs}</tbody></table>`;
}

function monthlyTable(r: Review): Raw {
  const months = r.zones[0]?.monthly ?? [];
  const max = Math.max(1, ...r.zones.flatMap((z) => (z.monthly ?? []).map((m) => m.incidents)));
  const head = h`<tr><th>Month</th>${r.zones.map((z) => h`<th>${z.label}</th>`)}</tr>`;
  const rows = months.map(
    (m, i) =>
      h`<tr class="${m.month < r.period.from ? 'before' : ''}"><th>${m.month}</th>${r.zones.map((z) => {
        const v = z.monthly![i]!.incidents;
        return h`<td><span class="bar" style="width:${Math.round((v / max) * 60)}px"></span> ${n0(v)}</td>`;
      })}</tr>`,
  );
  return h`<table class="monthly"><thead>${head}</thead><tbody>${rows}</tbody></table>`;
}

function dayHour(r: Review): Raw {
  const t = r.dayHour;
  if (!t) return h``;
  const d = t.definition;
  if (!d.table) return h`<p class="statement">${d.statement}</p>`;
  const head = h`<tr><th>Day</th>${Array.from({ length: 24 }, (_, i) => h`<th>${String(i).padStart(2, '0')}</th>`)}</tr>`;
  const rows = d.table.map((row, i) => h`<tr><th>${DAYS[i]!.slice(0, 3)}</th>${row.map((v) => h`<td>${v || ''}</td>`)}</tr>`);
  return h`<p>${d.statement}</p><table class="dayhour"><thead>${head}</thead><tbody>${rows}</tbody></table>`;
}

function hotspots(r: Review): Raw {
  const rows = r.hotspots.cells.map(
    (c) =>
      h`<tr><td><code>${c.cell}</code></td><td>${c.hchhArea ? `yes: area ${c.hchhArea.rank}, ${c.hchhArea.name}` : 'no'}</td><td>${c.giBin ?? '–'}${c.giZ === null ? '' : ` (z ${n1(c.giZ, 2)})`}</td><td>${c.emerging ?? '–'}</td></tr>`,
  );
  const near = r.hotspots.hchhAreasWithinRings;
  return h`<table><thead><tr><th>H3 cell (res ${r.hotspots.resolution})</th><th>HCHH</th><th>Gi* bin</th><th>Emerging</th></tr></thead><tbody>${rows}</tbody></table>
    <p>${near.length ? `HCHH areas within the rings: ${near.map((a) => `${a.rank}. ${a.name} (${a.cells} cells)`).join('; ')}.` : 'No HCHH area lies within the rings.'}</p>
    <p class="rule">${r.hotspots.rules.hchh}. ${r.hotspots.rules.gistar}. Emerging: ${r.hotspots.rules.emerging}.</p>`;
}

function locations(r: Review): Raw {
  const top = r.zones.map(
    (z) =>
      h`<li><b>${z.label}:</b> ${
        (z.topLocations ?? [])
          .slice(0, 5)
          .map((l) => `${l.location} (${l.incidents})`)
          .join('; ') || 'none'
      }</li>`,
  );
  const rep = r.repeatLocations;
  const rows = (rep?.locations ?? []).map(
    (l) =>
      h`<tr><td>${l.rank}</td><td class="t">${l.location}</td><td class="t">${l.zone}</td><td>${n0(l.incidents)}</td><td>${n0(l.harm)}</td><td>${l.firstHalf} → ${l.secondHalf}</td><td>${l.monthsActive}</td></tr>`,
  );
  return h`<p>Most frequent locations, all recorded crime in the period:</p><ul>${top}</ul>
    <p>Repeat locations (${r.definition.name}): ${rep ? `${rep.totals.locations} locations hold ${n0(rep.totals.repeatIncidents)} of ${n0(rep.totals.incidents)} incidents (${n1(rep.totals.repeatShare * 100, 0)} %)` : ''}.</p>
    <table><thead><tr><th>#</th><th>Location</th><th>Zone</th><th>Incidents</th><th>Harm</th><th>1st → 2nd half</th><th>Months</th></tr></thead><tbody>${rows}</tbody></table>
    <p class="rule">${rep?.rule ?? ''}</p>`;
}

function deprivation(r: Review): Raw {
  const d = r.deprivation;
  if (!d) return h``;
  const rows = d.lsoas.map(
    (l) =>
      h`<tr><td class="t">${l.code}</td><td class="t">${l.name ?? ''}</td><td>${n1((l.shareOfLsoaInside ?? 0) * 100, 1)} %</td><td>${n0(l.imdRank)}</td><td>${l.imdDecile ?? '–'}</td><td>${l.crimeDecile ?? '–'}</td></tr>`,
  );
  return h`<table><thead><tr><th>LSOA</th><th>Name</th><th>Share of LSOA inside</th><th>IMD rank</th><th>IMD decile</th><th>Crime domain decile</th></tr></thead><tbody>${rows}</tbody></table><p class="rule">${d.method}</p>`;
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1a1a1a;margin:24px auto;max-width:1100px;padding:0 16px;font-size:14px;line-height:1.4}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:22px 0 6px;border-bottom:1px solid #ccc;padding-bottom:2px}
table{border-collapse:collapse;margin:6px 0;font-size:12.5px}th,td{border:1px solid #ccc;padding:3px 6px;text-align:right;vertical-align:top}th{text-align:left;background:#f3f3f3}
td.t{text-align:left}td.hi{background:#fde0dc}td.lo{background:#dff3e3}tr.comp th,tr.comp td{background:#fafafa;color:#444}tr.before th,tr.before td{color:#777}
.light{display:flex;gap:16px;align-items:flex-start;border:2px solid #999;padding:10px;border-radius:6px}.lamp{width:56px;height:56px;border-radius:50%;flex:none;border:2px solid #333;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.red{background:#c62828}.amber{background:#f9a825}.green{background:#2e7d32}.rule{color:#444;font-size:12px}.statement{font-weight:600}
.bar{display:inline-block;height:9px;background:#555;vertical-align:middle;-webkit-print-color-adjust:exact;print-color-adjust:exact}
svg path.site{fill:#c62828;fill-opacity:.45;stroke:#7f0000;stroke-width:1.5}svg path.ring{fill:none;stroke:#333;stroke-dasharray:4 3}svg line.bar{stroke:#000;stroke-width:2}svg text{font-size:11px}
.top{display:flex;gap:24px;flex-wrap:wrap}.meta td,.meta th{text-align:left}button{font-size:15px;padding:6px 14px;cursor:pointer}
table.dayhour td{min-width:14px;text-align:center;padding:2px}
@media print{button,.noprint{display:none}body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}table,.light,svg{break-inside:avoid}@page{size:A4;margin:14mm}}
`;

/** The report as one self-contained printable page (the shared print button, stylesheet and CSP), with its own styles. */
export function renderSiteReview(r: Review): string {
  const full = r.variant === 'full';
  const title = `${full ? 'Site review' : 'Preliminary site review'}: ${r.site.name}`;
  const light = r.trafficLight;
  const body = h`
  <header>
  <h1>${title}</h1>
  <p>${r.definition.name}${r.definition.isProxy ? ' (a proxy from public categories)' : ''} · harm: ${r.scheme.name} (${r.scheme.unit}) · period ${r.period.from} to ${r.period.to} (${r.period.months} months)${r.previousPeriod ? ` against ${r.previousPeriod.from} to ${r.previousPeriod.to}` : ''}</p></header>
  ${r.previousNote ? h`<p class="statement">${r.previousNote}</p>` : h``}
  <div class="top">
    <div>${outlineSvg(r)}</div>
    <div>
      <table class="meta"><tbody>
        <tr><th>Site</th><td>#${r.site.id} ${r.site.name}${r.site.bufferMetres ? ` (with a ${r.site.bufferMetres} m buffer)` : ''}</td></tr>
        <tr><th>Site area</th><td>${n1(r.site.areaKm2 * 100, 2)} ha</td></tr>
        <tr><th>Rings</th><td>${r.zones
          .slice(1)
          .map((z) => z.label)
          .join(', ')}</td></tr>
        ${r.comparators.map((c) => h`<tr><th>${c.kind}</th><td>${c.name} (${c.code})</td></tr>`)}
        ${r.site.notes ? h`<tr><th>Notes</th><td>${r.site.notes}</td></tr>` : h``}
      </tbody></table>
      <h2>Traffic light</h2>
      <div class="light"><div class="lamp ${light.light}" aria-label="${light.light}"></div><div><b>${light.light.toUpperCase()}</b>
        <ul>${light.reasons.length ? light.reasons.map((x) => h`<li>${x}</li>`) : h`<li>none of the conditions holds</li>`}</ul>
        <p class="rule">Rule: ${light.rule}</p></div></div>
    </div>
  </div>
  <h2>Incidents and harm: site and rings</h2>${headlineTable(r)}<p class="rule">${r.rules.rings} ${r.rules.period}</p>
  <h2>Rates against ward, district and force (${r.definition.name})</h2>${rateTable(r)}<p class="rule">${r.rules.rateTest}</p>
  <h2>Hotspot status of the cells the site touches</h2>${hotspots(r)}
  ${
    full
      ? h`
  <h2>By category and definition (period)</h2>${categoryTable(r)}
  <h2>Monthly trend (${r.definition.name}; grey: the period before)</h2>${monthlyTable(r)}
  <h2>Day of week × hour</h2>${dayHour(r)}
  <h2>Top and repeat locations</h2>${locations(r)}
  <h2>Deprivation of the LSOAs the site touches</h2>${deprivation(r)}`
      : h`<p class="rule">Preliminary variant for outline planning applications: the full report (categories, trend, times, locations, deprivation) is at variant=full.</p>`
  }
  <h2>Data caveats</h2><ul>${r.caveats.map((c) => h`<li>${c}</li>`)}</ul>
  <p class="rule">Contains public sector information licensed under the Open Government Licence v3.0 (data.police.uk; ONS boundaries; English Indices of Deprivation 2019). Generated by harmgrid.</p>`;
  return printablePage(title, body, { css: CSS });
}
