import type { IndicatorReport } from '../../services/indicators';
import type { PartnershipPack } from '../../services/partnershipPack';
import type { SuccessMeasuresReport } from '../../services/successMeasures';
import { html, num, pct, printablePage, pValue, ragBadge, runChartSvg, type Markup } from './html';

const decimalsOf = (unit: string) => (/per 100,000/.test(unit) ? 1 : /days/.test(unit) ? 0 : 0);

/** One indicator: its table, the RAG rule printed under it, its notes and its run chart. */
export function indicatorSection(r: IndicatorReport, headingLevel: 'h2' | 'h3' = 'h3'): Markup {
  const d = decimalsOf(r.unit);
  const heading = headingLevel === 'h2' ? html`<h2>${r.indicator.name}</h2>` : html`<h3>${r.indicator.name}</h3>`;
  return html`<section class="indicator">${heading}
<p class="meta">${r.unit} · ${r.definition.name}${r.definition.isProxy && !/proxy/i.test(r.definition.name) ? ' (public-data proxy)' : ''} · ${r.area.name} · baseline ${r.indicator.baseline.from} to ${r.indicator.baseline.to} · data to ${r.lastMonth}</p>
<table><thead><tr><th scope="col">period</th><th scope="col">value</th><th scope="col">baseline for the same months</th><th scope="col">change</th><th scope="col">%</th><th scope="col">rate ratio 95 % CI</th><th scope="col">p (exact)</th><th scope="col">RAG</th></tr></thead>
<tbody>${r.table.rows.map(
    (
      row,
    ) => html`<tr><th scope="row">${row.period}</th><td class="n">${num(row.value, d)}</td><td class="n">${row.periodType === 'baseline' ? '' : num(row.baselineEquivalent, d)}</td>
<td class="n">${row.periodType === 'baseline' ? '' : num(row.absoluteChange, d)}</td><td class="n">${row.periodType === 'baseline' ? '' : pct(row.percentChange)}</td>
<td class="n">${row.change?.ci ? `${num(row.change.ci[0], 3)}–${num(row.change.ci[1], 3)}` : ''}</td><td class="n">${row.change ? pValue(row.change.pValue) : ''}</td><td>${row.periodType === 'baseline' ? '' : ragBadge(row.rag)}</td></tr>`,
  )}</tbody></table>
<p class="rule"><strong>RAG rule.</strong> ${r.table.rule}</p>
${r.table.notes.map((n) => html`<p class="note">${n}</p>`)}
<div class="keep">${runChartSvg(r.runChart, `Run chart of ${r.indicator.name}: monthly values with the baseline mean and control limits`)}
<p class="note">Run chart (XmR): mean and limits from the baseline months (mean ± 2.66 × mean moving range); diamonds mark special-cause signals: ${r.runChart.rules.join('; ')}.</p></div>
</section>`;
}

/** The three Home Office success measures: each area's financial years and rolling 12 months. */
export function successMeasuresSection(s: SuccessMeasuresReport): Markup {
  const measures = s.areas[0]?.measures ?? [];
  return html`<section><h2>Home Office success measures</h2>
${measures.map((m, mi) =>
  s.areas.every((a) => !a.measures[mi]!.available)
    ? html`<div class="keep"><h3>${m.name}</h3><p class="meta">${m.source}. ${m.definition}</p><p><strong>Unavailable for every area:</strong> ${m.reason}</p></div>`
    : html`<div class="keep"><h3>${m.name}</h3><p class="meta">${m.source}. ${m.definition} Rate per ${num(m.ratePer)} residents (${s.population.source}).</p>
<table><thead><tr><th scope="col">area</th><th scope="col">period</th><th scope="col">value</th><th scope="col">rate per ${num(m.ratePer)}</th><th scope="col">change</th><th scope="col">p (exact)</th><th scope="col">status</th></tr></thead><tbody>
${s.areas.map((a) => {
  const am = a.measures[mi]!;
  if (!am.available || am.values.length === 0) return html`<tr><th scope="row">${a.name}</th><td colspan="6">unavailable: ${am.reason}</td></tr>`;
  return am.values.map(
    (
      v,
      i,
    ) => html`<tr>${i === 0 ? html`<th scope="row" rowspan="${am.values.length}">${a.name}</th>` : ''}<td>${v.period}</td><td class="n">${v.value === null ? v.status : num(v.value)}</td><td class="n">${num(v.ratePerPopulation, 1)}</td>
<td class="n">${v.change ? `${pct(v.change.percent)} on ${v.change.against}` : ''}</td><td class="n">${v.change?.test ? pValue(v.change.test.pValue) : ''}</td><td>${[v.status === 'value' ? '' : v.status, v.revision ?? '', v.note ?? ''].filter(Boolean).join('; ')}</td></tr>`,
  );
})}</tbody></table></div>`,
)}
${s.notes.map((n) => html`<p class="note">${n}</p>`)}</section>`;
}

/** What the pack's figures stand on, on its first page: months missing are unknown, not zero. */
function coverageSection(p: PartnershipPack) {
  return html`<section class="coverage"><h2>Data coverage</h2>
<p class="${p.coverage.definition.complete ? 'meta' : 'note'}">${p.coverage.definition.statement}.</p>
<table><thead><tr><th>Source</th><th>Months loaded</th><th>Missing</th><th>Partial</th></tr></thead><tbody>
${p.coverage.sources.map((s) => html`<tr><th scope="row">${s.source}</th><td class="n">${s.loaded}</td><td>${s.missing}</td><td>${s.partial.length ? s.partial.map((x) => `${x.month}: ${x.reasons.join('; ')}`).join(' · ') : 'none'}</td></tr>`)}
</tbody></table></section>`;
}

/** The partnership pack: one printable document for the board. */
export function partnershipPackPage(p: PartnershipPack): string {
  const def = p.definition;
  const body = html`<h1>Serious violence partnership pack</h1>
<p class="meta">harmgrid · data ${p.months.first} to ${p.months.last} · figures computed ${p.generated.slice(0, 10)} · definition: ${def.name}${def.isProxy && !/proxy/i.test(def.name) ? ' (public-data proxy)' : ''} · harm in ${p.scheme.unit}</p>
<p>${def.description}</p>
${coverageSection(p)}
${successMeasuresSection(p.successMeasures)}
<section class="page-break"><h2>Indicators</h2>
${p.indicators.length === 0 ? html`<p>No indicators are defined yet. A partnership defines them with <code>POST /api/indicators</code> or in the Partnership view of the map.</p>` : ''}
${p.indicators.map((i) => (i.report ? indicatorSection(i.report) : html`<h3>${i.name}</h3><p class="note">Cannot be computed: ${i.error}</p>`))}</section>
<section><h2>High Crime High Harm areas, ${p.hchh.period.from} to ${p.hchh.period.to}</h2>
<p class="meta">Rule: ${p.hchh.rule}. Together: ${num(p.hchh.totals.areaKm2, 2)} km² (${num(p.hchh.totals.shareOfArea * 100, 2)} % of the area), ${num(p.hchh.totals.shareOfIncidents * 100, 1)} % of incidents, ${num(p.hchh.totals.shareOfHarm * 100, 1)} % of harm.</p>
<table><thead><tr><th scope="col">rank</th><th scope="col">area</th><th scope="col">cells (res ${p.hchh.cellResolution})</th><th scope="col">km²</th><th scope="col">incidents</th><th scope="col">harm (${p.scheme.unit})</th><th scope="col">share of harm</th></tr></thead><tbody>
${p.hchh.areas.map((a) => html`<tr><td class="n">${a.rank}</td><td>${a.name}</td><td class="n">${a.cells}</td><td class="n">${num(a.areaKm2, 2)}</td><td class="n">${num(a.incidents)}</td><td class="n">${num(a.harm)}</td><td class="n">${num(a.shareOfHarm * 100, 1)} %</td></tr>`)}
</tbody></table></section>
<section><h2>Emerging hot spots, ${p.emerging.period.from} to ${p.emerging.period.to}</h2>
<p class="meta">Space-time Gi* on monthly counts at H3 resolution ${p.emerging.resolution} with the Mann-Kendall trend (ArcGIS categories).${p.emerging.insufficient ? ` ${p.emerging.insufficient}` : ''} ${p.emerging.coverage}.</p>
<table><thead><tr><th scope="col">pattern</th><th scope="col">cells</th></tr></thead><tbody>
${Object.entries(p.emerging.counts)
  .filter(([k]) => k !== 'none')
  .sort((a, b) => b[1] - a[1])
  .map(([k, n]) => html`<tr><td>${k}</td><td class="n">${num(n)}</td></tr>`)}</tbody></table>
${p.emerging.notable.length ? html`<h3>Where to look first</h3><table><thead><tr><th scope="col">pattern</th><th scope="col">place</th><th scope="col">cell</th></tr></thead><tbody>${p.emerging.notable.map((n) => html`<tr><td>${n.category}</td><td>${n.place}</td><td><code>${n.cell}</code></td></tr>`)}</tbody></table>` : ''}
</section>
<section class="page-break"><h2>Wards by deprivation</h2>
<p class="meta">Wards (December 2019) ordered by the share of residents in England's most deprived 10 % of LSOAs (English Indices of Deprivation 2019; ONS best-fit LSOA → ward lookup), with the serious-violence rate per 1,000 residents a year over ${p.hchh.period.from} to ${p.hchh.period.to}. The 20 most deprived wards:</p>
<table><thead><tr><th scope="col">ward</th><th scope="col">district</th><th scope="col">residents</th><th scope="col">residents in most-deprived decile</th><th scope="col">incidents</th><th scope="col">per 1,000 a year</th></tr></thead><tbody>
${p.wards.slice(0, 20).map((w) => html`<tr><td>${w.name}</td><td>${w.district}</td><td class="n">${num(w.population)}</td><td class="n">${num(w.shareResidentsMostDeprived * 100, 0)} %</td><td class="n">${num(w.incidents)}</td><td class="n">${num(w.ratePerThousand, 1)}</td></tr>`)}
</tbody></table></section>
<section><h2>Sources and caveats</h2>
<table><thead><tr><th scope="col">source</th><th scope="col">records</th><th scope="col">months</th><th scope="col">given as</th><th scope="col">times</th><th scope="col">weapon flags</th></tr></thead><tbody>
${p.sources.incidents.map((s) => html`<tr><td>${s.source}</td><td class="n">${num(s.records)}</td><td>${s.firstMonth} to ${s.lastMonth}</td><td>${[s.point ? `${num(s.point)} points` : '', s.lsoa ? `${num(s.lsoa)} LSOAs` : '', s.text ? `${num(s.text)} location texts` : '', s.withoutPosition ? `${num(s.withoutPosition)} without a position` : ''].filter(Boolean).join(', ')}</td><td>${s.timed ? `${num(s.timed)}` : 'none (months only)'}</td><td>${s.weaponFlagged ? num(s.weaponFlagged) : 'none'}</td></tr>`)}
${p.sources.aggregates.map((a) => html`<tr><td>${a.source}: ${a.measure}</td><td class="n">${num(a.values)} values${a.suppressed ? `, ${num(a.suppressed)} suppressed` : ''}</td><td>${a.firstPeriod} to ${a.lastPeriod}</td><td>${a.periodTypes.join(', ')}</td><td></td><td>${a.revisions.join(', ')}</td></tr>`)}
</tbody></table>
<ul>${p.caveats.map((c) => html`<li>${c}</li>`)}</ul>
<p class="note">Contains public sector information licensed under the Open Government Licence v3.0 (data.police.uk; ONS boundaries © Crown copyright and database right; English Indices of Deprivation 2019, MHCLG). Harm weights: Cambridge Crime Harm Index.</p></section>`;
  return printablePage(`Partnership pack ${p.months.last}`, body);
}

/** One indicator on its own printable page. */
export function indicatorPage(r: IndicatorReport): string {
  return printablePage(
    `${r.indicator.name} — indicator table`,
    html`<p class="meta">harmgrid · Serious violence partnership indicator</p>${indicatorSection(r, 'h2')}`,
  );
}
