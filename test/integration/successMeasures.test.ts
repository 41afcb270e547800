import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countChange } from '../../server/domain/countChange';
import { monthRange } from '../../server/domain/months';
import type { RunningServer } from '../../server/server';
import { startTestServer } from '../support/server';
import { dbLabel } from '../support/db';
import { dataDir, monthFile, readRows, tempDir } from '../support/data';

// One real data.police.uk month is the sample (no weapon flag). There is no real force extract, hospital
// or Homicide Index data in the shared folder: the test builds small files in the documented formats,
// with positions and locations taken from real police rows, and counts what it wrote.
const POLICE_MONTH = '2020-06';
const EXTRACT_MONTHS = monthRange('2018-04', '2020-03');
const DISTRICTS = ['E08000011', 'E08000012', 'E08000013', 'E08000014', 'E08000015'];

describe(`Home Office success measures on ${dbLabel}`, () => {
  let server: RunningServer;
  const tmp = tempDir();
  const call = async (p: string, init?: RequestInit) => {
    const res = await fetch(server.url + p, init);
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      text,
      body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null,
    };
  };
  const upload = async (name: string, lines: string[]) => {
    const r = await call(`/api/imports?fileName=${name}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: lines.join('\n') });
    expect(r.status, r.text).toBe(201);
    return r.body;
  };

  // Force extract rows: in each month, the first three real violence rows in the five districts, as 8N
  // with the knife flag Y, N and blank (not recorded), and one real robbery row as 34A with Y.
  const extract: { month: string; code: string; knife: string; lat: string; lon: string; location: string }[] = [];
  for (const m of EXTRACT_MONTHS) {
    // Rows whose published LSOA is in one of the five districts, so each lies inside the force area.
    const rows = readRows(monthFile(m)).filter((r) => r.Longitude !== '' && /^(Knowsley|Liverpool|St\. Helens|Sefton|Wirral) \d/.test(r['LSOA name'] ?? ''));
    const violence = rows.filter((r) => r['Crime type'] === 'Violence and sexual offences').slice(0, 3);
    const robbery = rows.filter((r) => r['Crime type'] === 'Robbery').slice(0, 1);
    violence.forEach((r, i) => extract.push({ month: m, code: '8N', knife: ['Y', 'N', ''][i]!, lat: r.Latitude!, lon: r.Longitude!, location: r.Location! }));
    robbery.forEach((r) => extract.push({ month: m, code: '34A', knife: 'Y', lat: r.Latitude!, lon: r.Longitude!, location: r.Location! }));
  }
  const knifeIn = (from: string, to: string) => extract.filter((e) => e.knife === 'Y' && e.month >= from && e.month <= to).length;

  beforeAll(async () => {
    server = await startTestServer([POLICE_MONTH], { buildWeb: false });
  }, 240_000);
  afterAll(async () => {
    await server?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('marks knife-enabled violence unavailable on data.police.uk data, never zero', async () => {
    const r = await call('/api/success-measures');
    expect(r.status).toBe(200);
    expect(r.body.areas.map((a: any) => a.code)).toEqual(['force', 'E08000011', 'E08000012', 'E08000014', 'E08000013', 'E08000015']);
    for (const area of r.body.areas) {
      const knife = area.measures.find((m: any) => m.key === 'knife-enabled-serious-violence');
      expect(knife.available).toBe(false);
      expect(knife.reason).toMatch(/data\.police\.uk publishes no weapon flag/);
      expect(knife.values).toEqual([]);
      const hes = area.measures.find((m: any) => m.key === 'hospital-admissions-knife-assault');
      expect(hes.available).toBe(false);
      expect(hes.reason).toMatch(/no NHS Hospital Episode Statistics/);
    }
  });

  it('counts knife-enabled violence from force-extract flags by financial year, with rates and the exact test', async () => {
    const outcome = await upload('extract.csv', [
      'incident_id,occurred_at,offence_code,knife,latitude,longitude,location',
      ...extract.map((e, i) => `FX-${i},${e.month}-15T21:30,${e.code},${e.knife},${e.lat},${e.lon},"${e.location}"`),
    ]);
    expect(outcome.rowsImported).toBe(extract.length);
    const r = await call('/api/success-measures');
    const force = r.body.areas[0];
    const knife = force.measures.find((m: any) => m.key === 'knife-enabled-serious-violence');
    expect(knife.available).toBe(true);
    const fy = (label: string) => knife.values.find((v: any) => v.period === label);
    expect(fy('2018/19')).toMatchObject({ status: 'value', value: knifeIn('2018-04', '2019-03') });
    expect(fy('2019/20')).toMatchObject({ status: 'value', value: knifeIn('2019-04', '2020-03') });
    expect(fy('2019/20').ratePerPopulation).toBeCloseTo((knifeIn('2019-04', '2020-03') / force.population) * 100_000, 9);
    const expected = countChange({
      before: { count: knifeIn('2018-04', '2019-03'), exposure: 12 },
      after: { count: knifeIn('2019-04', '2020-03'), exposure: 12 },
    });
    expect(fy('2019/20').change.test.pValue).toBeCloseTo(expected.pValue, 12);
    // The police month 2020-06 has no weapon flags: the rolling 12 months to 2020-06 are unavailable, and say why.
    const rolling = knife.values.find((v: any) => v.periodType === 'rolling_12_months');
    expect(rolling).toMatchObject({ period: '12 months to 2020-06', status: 'unavailable', value: null });
    expect(rolling.note).toMatch(/3 of 12 months missing: 2020-04 … 2020-06/);
    // The districts add up to the force (every constructed row lies in one of the five).
    const sum = r.body.areas
      .slice(1)
      .reduce(
        (s: number, a: any) =>
          s + a.measures.find((m: any) => m.key === 'knife-enabled-serious-violence').values.find((v: any) => v.period === '2019/20').value,
        0,
      );
    expect(sum).toBe(fy('2019/20').value);
    // Population: the LSOAs of each district (IoD 2019, mid-2015) — recomputed from the file.
    const lsoas = parse(fs.readFileSync(path.join(dataDir, 'deprivation', 'iod2019-lsoa-merseyside.csv')), { columns: true, bom: true }) as Record<
      string,
      string
    >[];
    const popKey = Object.keys(lsoas[0]!).find((k) => /total population/i.test(k))!;
    const ladKey = Object.keys(lsoas[0]!).find((k) => /district code/i.test(k))!;
    const liverpool = lsoas.filter((l) => l[ladKey] === 'E08000012').reduce((s, l) => s + Number(l[popKey]), 0);
    expect(r.body.areas.find((a: any) => a.code === 'E08000012').population).toBe(liverpool);
  });

  it('reads hospital admissions and homicides from aggregates, keeping suppression and never summing it as zero', async () => {
    const header = 'source,measure,area_code,area_name,area_type,period_type,period,age_band,value,revision';
    const hes = 'Admissions for assault by sharp object (ICD-10 X99)';
    await upload('hes.csv', [
      header,
      ...DISTRICTS.map((d, i) => `NHS Digital HES,${hes},${d},,district,financial_year,2018/19,all ages,${20 + i},final`),
      ...DISTRICTS.filter((d) => d !== 'E08000011').map(
        (d, i) => `NHS Digital HES,${hes},${d},,district,financial_year,2019/20,all ages,${30 + i},provisional`,
      ),
      `NHS Digital HES,${hes},E08000011,Knowsley,district,financial_year,2019/20,0-17,*,provisional`,
      `NHS Digital HES,${hes},E08000011,Knowsley,district,financial_year,2019/20,18-24,9,provisional`,
      'Home Office,Homicide Index: homicides,E23000004,Merseyside,police force area,financial_year,2018/19,all ages,25,final',
      'Home Office,Homicide Index: homicides,E23000004,Merseyside,police force area,financial_year,2019/20,all ages,31,revised',
    ]);
    const r = await call('/api/success-measures');
    const measure = (code: string, key: string) => r.body.areas.find((a: any) => a.code === code).measures.find((m: any) => m.key === key);
    const knowsley = measure('E08000011', 'hospital-admissions-knife-assault');
    expect(knowsley.values.find((v: any) => v.period === '2019/20')).toMatchObject({
      status: 'suppressed',
      value: null,
      ratePerPopulation: null,
      change: null,
    });
    expect(knowsley.values.find((v: any) => v.period === '2019/20').note).toMatch(/0-17 \(\*\) suppressed/);
    const forceHes = measure('force', 'hospital-admissions-knife-assault');
    expect(forceHes.values.find((v: any) => v.period === '2018/19')).toMatchObject({ status: 'value', value: 20 + 21 + 22 + 23 + 24 });
    // One suppressed district makes the force total unknown, not smaller.
    expect(forceHes.values.find((v: any) => v.period === '2019/20')).toMatchObject({ status: 'suppressed', value: null });
    const liverpool = measure('E08000012', 'hospital-admissions-knife-assault').values.find((v: any) => v.period === '2019/20');
    expect(liverpool).toMatchObject({ value: 30, revision: 'provisional', change: { against: '2018/19', previous: 21, absolute: 9 } });
    const homicides = measure('force', 'homicides');
    expect(homicides.ratePer).toBe(1_000_000);
    expect(homicides.values.find((v: any) => v.period === '2019/20')).toMatchObject({ value: 31, revision: 'revised' });
    expect(measure('E08000012', 'homicides').available).toBe(false);

    const csv = await call('/api/success-measures.csv');
    expect(csv.type).toMatch(/text\/csv/);
    const rows = parse(csv.text, { columns: true, bom: true }) as Record<string, string>[];
    const k = rows.find((x) => x.area_code === 'E08000011' && /Hospital/.test(x.measure!) && x.period === '2019/20')!;
    expect(k).toMatchObject({ status: 'suppressed', value: '' });
  });

  it('lists every source loaded, with the precision and flags it carries', async () => {
    const r = await call('/api/sources');
    expect(r.status).toBe(200);
    const police = r.body.incidents.find((s: any) => s.source === 'data.police.uk');
    const rows = readRows(monthFile(POLICE_MONTH));
    expect(police).toMatchObject({ records: rows.length, firstMonth: POLICE_MONTH, lastMonth: POLICE_MONTH, timed: 0, weaponFlagged: 0 });
    expect(police.point + police.withoutPosition).toBe(rows.length);
    expect(police.withoutPosition).toBe(rows.filter((x) => x.Longitude === '').length);
    const fx = r.body.incidents.find((s: any) => s.source === 'force-extract');
    expect(fx).toMatchObject({ records: extract.length, timed: extract.length, weaponFlagged: extract.filter((e) => e.knife !== '').length });
    expect(r.body.aggregates.map((a: any) => [a.source, a.values, a.suppressed])).toEqual([
      ['Home Office', 2, 0],
      ['NHS Digital HES', 11, 1],
    ]);
  });
});
