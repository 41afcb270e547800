import { z } from 'zod';
import { plainText } from '../schemas';
import type { Db } from '../../db/connection';
import { AggregateStore } from '../../db/aggregates';
import { periodTypes } from '../../domain/periods';
import { IndicatorStore } from '../../db/indicators';
import { indicatorInputSchema } from '../../domain/indicators';
import type { Analysis } from '../../services/analysis';
import { indicatorReport } from '../../services/indicators';
import { COVERAGE_ADJUSTMENTS, type CoverageAdjustment } from '../../domain/indicatorCoverage';
import { successMeasures } from '../../services/successMeasures';
import { partnershipPack } from '../../services/partnershipPack';
import { sendPrintable } from '../pages/html';
import { indicatorPage, partnershipPackPage } from '../pages/partnership';
import { AreaService } from '../../services/areas';
import { sendCsv, type Api } from '../api';
import { DomainError } from '../../domain/errors';
import { HttpError } from '../httpError';
import { forceParam } from '../schemas';
import { round } from './hotspots';
import { currentDisclosure } from '../../services/disclosure';
import { disclosureNote, protectedSourceCounts } from '../../domain/disclosure';
import { sourceSensitivity } from '../../domain/sources';
import { indicatorReportSchema, partnershipPackResponse, sourcesResponse, successMeasuresResponse } from '../partnershipSchemas';

const aggregateOut = z
  .object({
    source: z.string(),
    measure: z.string(),
    areaCode: z.string(),
    areaName: z.string().nullable(),
    areaType: z.string(),
    periodType: z.string(),
    periodLabel: z.string(),
    periodStart: z.string(),
    periodEnd: z.string(),
    ageBand: z.string(),
    value: z.number().nullable().describe('null when the publisher suppressed it; never read as zero'),
    suppressionMarker: z.string().nullable(),
    revision: z.string(),
  })
  .meta({ id: 'AggregateValue' });

/** Partners' published figures. */
export function partnershipRoutes(api: Api, db: Db, analysis: Analysis): void {
  const aggregates = new AggregateStore(db);
  const indicators = new IndicatorStore(db);
  const areas = new AreaService(db, analysis);
  api.add({
    method: 'get',
    path: '/api/aggregates',
    tag: 'partnership',
    access: 'read',
    summary: 'Published aggregate counts (hospital admissions, Homicide Index …) with their suppression markers',
    query: z
      .object({
        source: plainText(120).optional(),
        measure: plainText(200).optional(),
        areaCode: plainText(20).optional(),
        periodType: z.enum(periodTypes).optional(),
      })
      .strict(),
    response: { description: 'values in source, measure, area and period order', schema: z.object({ values: z.array(aggregateOut) }) },
    handler: async ({ query }) => ({ values: await aggregates.list(query) }),
  });

  api.add({
    method: 'get',
    path: '/api/sources',
    tag: 'partnership',
    access: 'read',
    cache: true,
    summary: 'Every data source loaded: incident sources (police, emergency department, ambulance, fire) and published aggregates',
    description:
      'Incident sources with their records, months, the precision their positions were given in (point, LSOA, text: never shown finer), and whether they carry times and weapon flags; aggregate sources with their measures, periods, suppressed values and revisions.',
    query: z.object({ force: forceParam }).strict(),
    response: { description: 'incident and aggregate sources', schema: sourcesResponse },
    handler: async ({ query }) => {
      const scope = await analysis.forceScope(query.force ?? 'all');
      const incidents = await analysis.incidents.sources(query.force ? scope.codes : undefined);
      if (!currentDisclosure()?.controlled) return { incidents, aggregates: await aggregates.sources() };
      // A partner sees a restricted source's record counts protected, as every other figure of it.
      const { rules } = analysis.disclosure;
      const secret = await analysis.disclosure.secret();
      return {
        incidents: incidents.map(({ source, firstMonth, lastMonth, ...counts }) =>
          sourceSensitivity(source) === 'public'
            ? { source, firstMonth, lastMonth, ...counts }
            : { source, firstMonth, lastMonth, ...protectedSourceCounts(source, counts, rules, secret) },
        ),
        aggregates: await aggregates.sources(),
        disclosure: disclosureNote(rules, 0),
      };
    },
  });

  api.add({
    method: 'get',
    path: '/api/success-measures',
    tag: 'partnership',
    access: 'read',
    cache: true,
    summary: 'The three Home Office success measures for the force and each district, by financial year and rolling 12 months',
    description:
      'Hospital admissions for assault with a knife or sharp object (HES aggregates), knife-enabled serious violence (force-extract weapon flags; unavailable for data.police.uk data), homicides (Homicide Index aggregates): values, rates per population, change with the exact conditional Poisson test; suppressed figures stay suppressed.',
    query: z.object({ force: forceParam }).strict(),
    response: { description: 'one entry per area, each with the three measures', schema: successMeasuresResponse },
    handler: async ({ query }) => successMeasures(db, analysis, query),
  });

  api.add({
    method: 'get',
    path: '/api/success-measures.csv',
    tag: 'exports',
    access: 'export',
    summary: 'The success measures as a spreadsheet-safe CSV, one row per area, measure and period',
    query: z.object({ force: forceParam }).strict(),
    response: { description: 'CSV download', contentType: 'text/csv' },
    handler: async ({ query, res }) => {
      const r = await successMeasures(db, analysis, query);
      const rows: Record<string, unknown>[] = r.areas.flatMap((a) =>
        a.measures.flatMap((m) =>
          (m.values.length ? m.values : [null]).map((v) => ({
            area_code: a.code,
            area: a.name,
            measure: m.name,
            source: m.source,
            period: v?.period ?? '',
            period_type: v?.periodType ?? '',
            status: v ? v.status : 'unavailable',
            value: v?.value ?? '',
            rate: v?.ratePerPopulation == null ? '' : round(v.ratePerPopulation, 2),
            rate_per_residents: m.ratePer,
            change_against: v?.change?.against ?? '',
            percent_change: v?.change?.percent == null ? '' : round(v.change.percent, 1),
            p_value: v?.change?.test ? round(v.change.test.pValue, 4) : '',
            change: v?.change?.test?.direction ?? '',
            revision: v?.revision ?? '',
            note: v?.note ?? m.reason ?? '',
          })),
        ),
      );
      return sendCsv(res, 'harmgrid-success-measures.csv', rows);
    },
  });

  const keyParam = z.object({ key: plainText(64) });
  const adjustQuery = z
    .object({
      adjust: z
        .enum(COVERAGE_ADJUSTMENTS)
        .default('none')
        .describe(
          'periods with months not loaded: none (default) shows them incomplete, without test or RAG; loaded-months compares them per loaded month (README, "Coverage")',
        ),
    })
    .strict();
  const find = async (key: string) => {
    const i = await indicators.get(key);
    if (!i) throw new HttpError(404, `no indicator "${key}"; GET /api/indicators lists them`);
    return i;
  };
  const report = async (key: string, adjustment?: CoverageAdjustment) => {
    const { id: _id, ...indicator } = await find(key);
    try {
      return await indicatorReport(analysis, areas, indicator, { adjustment });
    } catch (e) {
      if (e instanceof HttpError || e instanceof DomainError) throw e;
      throw new HttpError(422, `indicator "${key}": ${(e as Error).message}`);
    }
  };

  api.add({
    method: 'get',
    path: '/api/indicators',
    tag: 'partnership',
    access: 'read',
    cache: true,
    summary: 'Partnership indicators',
    response: { description: 'every indicator as defined', schema: z.object({ indicators: z.array(indicatorInputSchema) }) },
    handler: async () => ({ indicators: (await indicators.list()).map(({ id: _id, ...i }) => i) }),
  });

  api.add({
    method: 'post',
    path: '/api/indicators',
    tag: 'partnership',
    access: 'write',
    summary: 'Create or replace an indicator',
    description:
      'measure count, harm or rate per 100,000 residents; a definition (and sources); an area (force, district, ward, zone, the HCHH areas of the baseline period, or H3 cells); a baseline period and a RAG rule.',
    body: indicatorInputSchema,
    response: { description: 'the stored indicator', schema: indicatorInputSchema },
    handler: async ({ body, res }) => {
      const known = (await analysis.reference.definitions()).map((d) => d.key);
      if (!known.includes(body.definition)) throw new HttpError(400, `unknown definition "${body.definition}"; known definitions: ${known.join(', ')}`);
      const existed = Boolean(await indicators.get(body.key));
      await indicators.save(body);
      res.status(existed ? 200 : 201);
      return body;
    },
  });

  api.add({
    method: 'delete',
    path: '/api/indicators/:key',
    tag: 'partnership',
    access: 'write',
    summary: 'Delete an indicator',
    params: keyParam,
    response: { description: 'deleted', schema: z.object({ deleted: z.string() }) },
    handler: async ({ params }) => {
      if (!(await indicators.remove(params.key))) throw new HttpError(404, `no indicator "${params.key}"`);
      return { deleted: params.key };
    },
  });

  api.add({
    method: 'get',
    path: '/api/indicators/:key/table',
    tag: 'partnership',
    access: 'read',
    cache: true,
    summary: 'An indicator table: baseline, quarters, rolling 12 months, change, significance and RAG, with its run chart',
    params: keyParam,
    query: adjustQuery,
    response: { description: 'the table, the RAG rule printed in words, notes and the XmR run chart of monthly values', schema: indicatorReportSchema },
    handler: async ({ params, query }) => report(params.key, query.adjust),
  });

  api.add({
    method: 'get',
    path: '/api/indicators/:key/table.csv',
    tag: 'exports',
    access: 'export',
    summary: 'An indicator table as a spreadsheet-safe CSV, with the RAG rule in the last row',
    params: keyParam,
    query: adjustQuery,
    response: { description: 'one row per period', contentType: 'text/csv' },
    handler: async ({ params, query, res }) => {
      const r = await report(params.key, query.adjust);
      const rows: Record<string, unknown>[] = r.table.rows.map((x) => ({
        indicator: r.indicator.name,
        period: x.period,
        period_type: x.periodType,
        value: round(x.value),
        unit: r.unit,
        baseline_equivalent: round(x.baselineEquivalent),
        absolute_change: round(x.absoluteChange),
        percent_change: x.percentChange === null ? '' : round(x.percentChange, 1),
        rate_ratio_ci: x.change?.ci ? `${round(x.change.ci[0], 3)} to ${round(x.change.ci[1], 3)}` : '',
        p_value: x.change ? round(x.change.pValue, 4) : '',
        change: x.change?.direction ?? '',
        rag: x.rag ?? '',
        coverage: x.coverage.complete
          ? 'complete'
          : `${x.coverage.adjusted ? 'adjusted per loaded month' : 'incomplete'}: ${[...x.coverage.missing.map((m) => `${m} not loaded`), ...x.coverage.partial.map((m) => `${m} partial`)].join(', ') || 'baseline incomplete'}`,
      }));
      rows.push({ indicator: `RAG rule: ${r.table.rule}` });
      return sendCsv(res, `harmgrid-indicator-${params.key}.csv`, rows);
    },
  });

  api.add({
    method: 'get',
    path: '/api/indicators/:key/table.html',
    tag: 'exports',
    access: 'export',
    summary: 'An indicator table as a printable page (print stylesheet; the browser saves it as PDF), with the RAG rule and run chart',
    params: keyParam,
    query: adjustQuery,
    response: { description: 'a self-contained HTML page', contentType: 'text/html' },
    handler: async ({ params, query, res }) =>
      sendPrintable(res, indicatorPage(await report(params.key, query.adjust)), `harmgrid-indicator-${params.key}.html`),
  });

  const packQuery = z
    .object({
      force: forceParam,
      definition: z.string().min(1).max(64).optional().describe('serious-violence definition of the HCHH, emerging and ward sections (default public-proxy)'),
      resolution: z.coerce.number().int().min(7).max(11).default(9).describe('H3 resolution of the HCHH and emerging sections'),
    })
    .strict();
  const pack = async (q: z.infer<typeof packQuery>) => {
    try {
      return await partnershipPack(db, analysis, areas, q);
    } catch (e) {
      if (e instanceof HttpError || e instanceof DomainError) throw e;
      throw new HttpError(422, `partnership pack: ${(e as Error).message}`);
    }
  };

  api.add({
    method: 'get',
    path: '/api/partnership-pack',
    tag: 'partnership',
    access: 'read',
    cache: true,
    summary: 'The partnership pack as data: success measures, every indicator, HCHH areas, emerging hot spots, wards by deprivation, sources and caveats',
    query: packQuery,
    response: { description: 'the pack', schema: partnershipPackResponse },
    handler: async ({ query }) => pack(query),
  });

  api.add({
    method: 'get',
    path: '/api/partnership-pack.html',
    tag: 'exports',
    access: 'export',
    cache: true,
    summary: 'The partnership pack as one printable document for the board',
    query: packQuery,
    response: { description: 'a self-contained HTML page', contentType: 'text/html' },
    handler: async ({ query, res }) => {
      const p = await pack(query);
      return sendPrintable(res, partnershipPackPage(p), `harmgrid-partnership-pack-${p.months.last}.html`);
    },
  });
}
