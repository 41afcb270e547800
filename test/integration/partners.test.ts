import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AggregateStore } from '../../server/db/aggregates';
import type { Db } from '../../server/db/connection';
import { IncidentStore } from '../../server/db/incidents';
import { ReferenceStore } from '../../server/db/reference';
import { importDataFile } from '../../server/ingest/importPaths';
import { dbLabel, freshDb } from '../support/db';
import { monthFile, readRows, tempDir } from '../support/data';

// There is no real health, ambulance or fire data in the sample: these files are built in the
// documented formats, with positions, LSOAs and locations taken from real 2019-07 police rows.
describe(`partner data on ${dbLabel}`, () => {
  let db: Db;
  const tmp = tempDir();
  const real = readRows(monthFile('2019-07'))
    .filter((r) => r['Crime type'] === 'Violence and sexual offences')
    .slice(0, 3);
  const write = (name: string, lines: string[]) => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, lines.join('\n'));
    return f;
  };

  beforeAll(async () => {
    db = await freshDb();
  });
  afterAll(async () => {
    await db?.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('imports emergency-department, ambulance and fire events, keeping the precision each was given in', async () => {
    const [a, b, c] = real;
    const file = write('partner-events.csv', [
      'source,attendance_id,assault_date,assault_time,method,location_type,location_text,latitude,longitude,lsoa_code',
      `emergency-department,ED-1,2019-07-06,23:40,glass/bottle,pub or club,"${a!.Location}",${a!.Latitude},${a!.Longitude},`,
      `emergency-department,ED-2,2019-07-07,,body part,street,,,,${b!['LSOA code']}`,
      `ambulance,AMB-1,06/07/2019 01:15,,,,"${c!.Location}",,,`,
      `fire,FIRE-1,2019-07-09,,,,,${c!.Latitude},${c!.Longitude},`,
    ]);
    const outcome = await importDataFile(db, file);
    expect(outcome).toMatchObject({ status: 'imported', format: 'partner events', rowsImported: 4 });
    const rows = (
      await db.raw(
        `SELECT source, source_ref, category, position_precision, cell IS NOT NULL AS has_cell, occurred_at, attributes FROM incident ORDER BY source_ref`,
      )
    ).rows;
    const by = Object.fromEntries(rows.map((r: any) => [r.source_ref, r]));
    expect(by['ED-1']).toMatchObject({ source: 'emergency-department', position_precision: 'point', has_cell: true });
    expect(new Date(by['ED-1'].occurred_at).toISOString()).toBe('2019-07-06T22:40:00.000Z');
    expect(typeof by['ED-1'].attributes === 'string' ? JSON.parse(by['ED-1'].attributes) : by['ED-1'].attributes).toEqual({
      method: 'glass/bottle',
      locationType: 'pub or club',
    });
    expect(by['ED-2']).toMatchObject({ position_precision: 'lsoa', has_cell: false, occurred_at: null });
    expect(by['AMB-1']).toMatchObject({ source: 'ambulance', position_precision: 'text', has_cell: false, category: 'Assault (ambulance call-out)' });
    expect(by['FIRE-1']).toMatchObject({ category: 'Deliberate fire', position_precision: 'point' });

    // Only events given as points reach the cells; the others count in totals.
    const scheme = (await new ReferenceStore(db).scheme('count'))!;
    const store = new IncidentStore(db);
    const ed = {
      from: '2019-07',
      to: '2019-07',
      definition: { anyOf: [{ categories: ['Assault (emergency department attendance)'], weapon: 'any' as const, domestic: 'include' as const }] },
      schemeId: scheme.id,
    };
    expect((await store.cellTotals(ed, 9)).reduce((s, c) => s + c.incidents, 0)).toBe(1);
    expect((await store.totals(ed)).incidents).toBe(2);
  });

  it('rejects partner events without a known source, a date or any position, line by line', async () => {
    const file = write('partner-bad.csv', [
      'source,event_id,event_date,location_text,lsoa_code',
      'hospital,X1,2019-07-01,Somewhere,',
      'ambulance,X2,July,Somewhere,',
      'ambulance,X3,2019-07-01,,',
      'ambulance,X4,2019-07-01,,E0100',
    ]);
    const outcome = await importDataFile(db, file);
    expect(outcome.status).toBe('rejected');
    expect(outcome.rejections.map((r) => [r.line, r.field])).toEqual([
      [2, 'source'],
      [3, 'date'],
      [4, 'locationText'],
      [5, 'lsoaCode'],
    ]);
  });

  it('keeps suppressed aggregates as suppressed and takes revisions as replacements', async () => {
    const header = 'source,measure,area_code,area_name,area_type,period_type,period,age_band,value,revision';
    const measure = 'Admissions for assault by sharp object (ICD-10 X99)';
    const first = write('hes.csv', [
      header,
      `HES,${measure},E08000012,Liverpool,district,financial_year,2019/20,0-17,*,provisional`,
      `HES,${measure},E08000012,Liverpool,district,financial_year,2019/20,18-24,25,provisional`,
      `HES,${measure},E08000011,Knowsley,district,financial_year,2019/20,18-24,c,provisional`,
    ]);
    const a = await importDataFile(db, first);
    expect(a).toMatchObject({ status: 'imported', format: 'aggregate counts', rowsImported: 3 });
    expect(a.message).toMatch(/2 are suppressed by the publisher and kept as suppressed/);
    const store = new AggregateStore(db);
    const stored = await store.list({ measure });
    expect(stored.find((r) => r.ageBand === '0-17')).toMatchObject({ value: null, suppressionMarker: '*', periodStart: '2019-04', periodEnd: '2020-03' });

    const revised = write('hes-revised.csv', [header, `HES,${measure},E08000012,Liverpool,district,financial_year,2019/20,18-24,27,revised`]);
    const b = await importDataFile(db, revised);
    expect(b.message).toMatch(/1 replaced earlier values/);
    expect((await store.list({ measure, areaCode: 'E08000012' })).find((r) => r.ageBand === '18-24')).toMatchObject({ value: 27, revision: 'revised' });
    expect((await store.list({ measure })).length).toBe(3);
  });

  it('rejects a bad aggregate file whole, with the field and the accepted form', async () => {
    const before = (await new AggregateStore(db).list({})).length;
    const file = write('hes-bad.csv', [
      'source,measure,area_code,area_type,period_type,period,value',
      'HES,Admissions,E08000012,district,financial_year,2019/21,5',
      'HES,Admissions,E08000012,district,financial_year,2019/20,lots',
      'HES,Admissions,E08000012,district,fortnight,2019,5',
    ]);
    const outcome = await importDataFile(db, file);
    expect(outcome.status).toBe('rejected');
    expect(outcome.rejections).toEqual([
      expect.objectContaining({ line: 2, field: 'period', reason: expect.stringMatching(/write it as 2019\/20 or 2019-20/) }),
      expect.objectContaining({ line: 3, field: 'value', value: 'lots' }),
      expect.objectContaining({ line: 4, field: 'period_type' }),
    ]);
    expect((await new AggregateStore(db).list({})).length).toBe(before);
  });
});
