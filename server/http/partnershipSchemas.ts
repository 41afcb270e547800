import { z } from 'zod';
import { periodCoverageSchema } from './coverageSchemas';
import { disclosureSchema } from './disclosure';
import { countChangeSchema, isoDateTime, resolvedDescription } from './schemas';
import { COVERAGE_ADJUSTMENTS } from '../domain/indicatorCoverage';
import { indicatorInputSchema } from '../domain/indicators';

const sourceCount = (what: string) => z.number().nullable().describe(`${what}; null where a partner's protected count is withheld ("<5")`);

/** GET /api/sources: every data source loaded. */
export const sourcesResponse = z
  .object({
    incidents: z.array(
      z.object({
        source: z.string(),
        firstMonth: z.string(),
        lastMonth: z.string(),
        records: sourceCount('incidents of the source'),
        point: sourceCount('positioned at a point'),
        lsoa: sourceCount('positioned by LSOA only'),
        text: sourceCount('located by text only'),
        withoutPosition: sourceCount('with no position'),
        timed: sourceCount('with a recorded time'),
        weaponFlagged: sourceCount('with a knife or firearm flag'),
        shown: z.record(z.string(), z.string()).optional().describe('a restricted source as a partner sees it: each count as shown, "<5" where withheld'),
      }),
    ),
    aggregates: z.array(
      z.object({
        source: z.string(),
        measure: z.string(),
        values: z.number(),
        suppressed: z.number().describe('values the publisher suppressed'),
        periodTypes: z.array(z.string()),
        firstPeriod: z.string(),
        lastPeriod: z.string(),
        revisions: z.array(z.string()),
      }),
    ),
    disclosure: disclosureSchema.optional(),
  })
  .meta({ id: 'Sources' });

const measureValue = z.object({
  period: z.string().describe('e.g. 2020/21, or the rolling 12 months to a month'),
  periodType: z.enum(['financial_year', 'rolling_12_months']),
  months: z.tuple([z.string(), z.string()]).describe('first and last month of the period'),
  status: z.enum(['value', 'suppressed', 'not published', 'unavailable']),
  value: z.number().nullable().describe('null unless status is value: a suppressed figure is never read as zero'),
  ratePerPopulation: z.number().nullable().describe('per ratePer residents'),
  revision: z.string().nullable(),
  note: z.string().nullable(),
  change: z
    .object({
      against: z.string().describe('the period compared with'),
      previous: z.number(),
      absolute: z.number(),
      percent: z.number().nullable(),
      test: countChangeSchema.nullable(),
    })
    .nullable(),
});

/** GET /api/success-measures: the three Home Office success measures. */
export const successMeasuresResponse = z
  .object({
    force: resolvedDescription.shape.force,
    population: z.object({ year: z.string(), source: z.string() }),
    areas: z.array(
      z.object({
        code: z.string(),
        name: z.string(),
        type: z.enum(['force', 'district']),
        population: z.number().nullable(),
        measures: z.array(
          z.object({
            key: z.enum(['hospital-admissions-knife-assault', 'knife-enabled-serious-violence', 'homicides']),
            name: z.string(),
            source: z.string(),
            definition: z.string(),
            ratePer: z.number().describe('rates are per this many residents'),
            available: z.boolean(),
            reason: z.string().nullable().describe('why the measure is unavailable'),
            values: z.array(measureValue),
          }),
        ),
      }),
    ),
    notes: z.array(z.string()),
    coverage: periodCoverageSchema.nullable().describe("the knife-enabled measure's months; null when no weapon flags are loaded"),
  })
  .meta({ id: 'SuccessMeasures' });

/** GET /api/indicators/{key}/table: an indicator's table and run chart. */
export const indicatorReportSchema = z
  .object({
    indicator: indicatorInputSchema,
    definition: resolvedDescription.shape.definition,
    scheme: z.object({ key: z.string(), unit: z.string() }).nullable().describe('harm indicators only'),
    unit: z.string(),
    area: z.object({ name: z.string(), selection: z.string(), population: z.number().nullable() }),
    table: z.object({
      rows: z.array(
        z.object({
          period: z.string(),
          periodType: z.enum(['baseline', 'financial_quarter', 'rolling_12_months']),
          months: z.array(z.string()),
          value: z.number().describe('in unit'),
          count: z.number().describe('incidents'),
          baselineEquivalent: z.number().describe('the baseline scaled to the same number of months'),
          absoluteChange: z.number(),
          percentChange: z.number().nullable(),
          change: countChangeSchema.nullable().describe('counts only: harm rows carry no test'),
          rag: z.enum(['red', 'amber', 'green']).nullable(),
          coverage: z.object({
            complete: z.boolean(),
            missing: z.array(z.string()),
            partial: z.array(z.string()),
            monthsUsed: z.number().describe("months the row's value and test stand on"),
            adjusted: z.boolean(),
          }),
        }),
      ),
      rule: z.string().describe('the RAG rule in words'),
      notes: z.array(z.string()),
    }),
    runChart: z
      .object({
        mean: z.number(),
        movingRange: z.number(),
        lowerLimit: z.number(),
        upperLimit: z.number(),
        baselinePoints: z.number(),
        points: z.array(
          z.object({
            label: z.string(),
            value: z.number(),
            signals: z.array(z.enum(['outside limits', 'shift', 'trend', 'two of three near a limit'])),
          }),
        ),
        rules: z.array(z.string()),
      })
      .describe('XmR chart of the monthly values (limits from the baseline: mean ± 2.66 × mean moving range)'),
    lastMonth: z.string(),
    coverage: periodCoverageSchema.extend({ adjustment: z.enum(COVERAGE_ADJUSTMENTS) }),
  })
  .meta({ id: 'IndicatorReport' });

/** GET /api/partnership-pack: the pack as data. */
export const partnershipPackResponse = z
  .object({
    generated: isoDateTime.describe('when the pack was made'),
    months: z.object({ first: z.string(), last: z.string() }),
    definition: resolvedDescription.shape.definition.extend({ description: z.string() }),
    scheme: z.object({ key: z.string(), unit: z.string() }),
    successMeasures: successMeasuresResponse,
    indicators: z.array(
      z.object({
        key: z.string(),
        name: z.string(),
        report: indicatorReportSchema.nullable(),
        error: z.string().nullable().describe('why the indicator could not be computed'),
      }),
    ),
    hchh: z.object({
      period: z.object({ from: z.string(), to: z.string() }),
      rule: z.string(),
      areas: z.array(
        z.object({
          rank: z.number(),
          name: z.string(),
          cells: z.number(),
          areaKm2: z.number(),
          incidents: z.number(),
          harm: z.number(),
          shareOfHarm: z.number(),
          shareOfIncidents: z.number(),
        }),
      ),
      totals: z.object({ areaKm2: z.number(), shareOfArea: z.number(), shareOfIncidents: z.number(), shareOfHarm: z.number() }),
    }),
    emerging: z.object({
      period: z.object({ from: z.string(), to: z.string() }),
      resolution: z.number(),
      counts: z.record(z.string(), z.number()).describe('cells per emerging hot spot category'),
      insufficient: z.string().nullable(),
      coverage: z.string(),
      notable: z.array(z.object({ category: z.string(), cell: z.string(), place: z.string() })),
    }),
    coverage: z.object({
      definition: periodCoverageSchema,
      sources: z.array(
        z.object({
          force: z.string().nullable(),
          source: z.string(),
          loaded: z.number().describe('months loaded'),
          missing: z.string().describe('months not loaded, in words'),
          partial: z.array(z.object({ month: z.string(), reasons: z.array(z.string()) })),
        }),
      ),
    }),
    wards: z.array(
      z.object({
        code: z.string(),
        name: z.string(),
        district: z.string(),
        population: z.number(),
        shareResidentsMostDeprived: z.number(),
        incidents: z.number(),
        ratePerThousand: z.number(),
      }),
    ),
    sources: sourcesResponse.omit({ disclosure: true }),
    caveats: z.array(z.string()),
  })
  .meta({ id: 'PartnershipPack' });
