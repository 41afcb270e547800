import fs from 'node:fs';
import path from 'node:path';
import proj4 from 'proj4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/db/connection';
import { IncidentStore } from '../../server/db/incidents';
import { ImportStore } from '../../server/db/imports';
import { ReferenceStore } from '../../server/db/reference';
import { presetDefinitions } from '../../server/domain/definitions';
import { ImportFileError } from '../../server/ingest/errors';
import { importIncidentFile } from '../../server/ingest/importIncidents';
import { importPaths } from '../../server/ingest/importPaths';
import { dbLabel, freshDb } from '../support/db';
import { PROXY_CATEGORIES, dataDir, harmDir, monthFile, readRows, tempDir } from '../support/data';

const rules = (key: string) => presetDefinitions.find((d) => d.key === key)!.rules;

describe(`ingest on ${dbLabel}`, () => {
  let db: Db;
  let incidents: IncidentStore;
  const tmp = tempDir();

  beforeAll(async () => {
    db = await freshDb();
    incidents = new IncidentStore(db);
    await importPaths(db, [harmDir]);
  });
  afterAll(async () => {
    await db?.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('imports a real month with every published row, anti-social behaviour included', async () => {
    const file = monthFile('2019-07');
    const rows = readRows(file);
    const outcome = await importIncidentFile(db, file);
    expect(outcome.status).toBe('imported');
    expect(outcome.rowsTotal).toBe(rows.length);
    expect(outcome.rowsImported).toBe(rows.length);
    expect(await incidents.count()).toBe(rows.length);
    const asb = rows.filter((r) => r['Crime type'] === 'Anti-social behaviour');
    expect(asb.length).toBeGreaterThan(1000);
    expect(asb.every((r) => r['Crime ID'] === '')).toBe(true);
  });

  it('re-importing the same file adds nothing and says so', async () => {
    const before = await incidents.count();
    const outcome = await importIncidentFile(db, monthFile('2019-07'));
    expect(outcome.status).toBe('skipped');
    expect(outcome.message).toMatch(/already imported as import #\d+/);
    expect(await incidents.count()).toBe(before);
  });

  it('overlapping months from another publication (CRLF copy) are recognised as duplicates, ASB rows included', async () => {
    const copy = path.join(tmp, '2019-07-republished.csv');
    fs.writeFileSync(copy, fs.readFileSync(monthFile('2019-07'), 'utf8').replace(/\r?\n/g, '\r\n'));
    const before = await incidents.count();
    const outcome = await importIncidentFile(db, copy);
    expect(outcome.status).toBe('imported');
    expect(outcome.rowsImported).toBe(0);
    expect(outcome.rowsDuplicate).toBe(outcome.rowsTotal);
    expect(await incidents.count()).toBe(before);
  });

  it('rejects a malformed file whole, naming file, line, field and reason, and stores nothing', async () => {
    const lines = fs.readFileSync(monthFile('2019-08'), 'utf8').split(/\r?\n/);
    const cells = lines[10]!.split(',');
    cells[4] = 'west-ish'; // Longitude
    lines[10] = cells.join(',');
    lines[20] = lines[20]!.split(',').slice(0, 8).join(','); // a truncated row
    lines[30] = lines[30]!.replace(/,2019-08,/, ',2019-8,');
    const bad = path.join(tmp, '2019-08-broken.csv');
    fs.writeFileSync(bad, lines.join('\n'));
    const before = await incidents.count();
    const outcome = await importIncidentFile(db, bad);
    expect(outcome.status).toBe('rejected');
    expect(outcome.rowsRejected).toBe(3);
    expect(outcome.rejections).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ line: 11, field: 'Longitude', value: 'west-ish' }),
        expect.objectContaining({ line: 21, field: null, reason: 'expected 12 fields, found 8' }),
        expect.objectContaining({ line: 31, field: 'Month', value: '2019-8' }),
      ]),
    );
    expect(await incidents.count()).toBe(before);
    const logged = await new ImportStore(db).rejections(outcome.importId!);
    expect(logged.map((r) => r.line)).toEqual([11, 21, 31]);
    expect((await new ImportStore(db).get(outcome.importId!))?.status).toBe('rejected');
  });

  it('refuses files that hold no incidents with a reason', async () => {
    const outcomes = path.join(dataDir, 'police', 'merseyside-outcomes', '2019-07-merseyside-outcomes.csv');
    await expect(importIncidentFile(db, outcomes)).rejects.toThrow(ImportFileError);
    await expect(importIncidentFile(db, outcomes)).rejects.toThrow(/outcomes file/);
    const junk = path.join(tmp, 'junk.csv');
    fs.writeFileSync(junk, 'a,b,c\n1,2,3\n');
    await expect(importIncidentFile(db, junk)).rejects.toThrow(/junk\.csv: unrecognised header/);
  });

  it('keeps the cell of every incident consistent with its coordinates and the month of its file', async () => {
    const r = await db.raw(`SELECT count(*)::int AS n FROM incident WHERE month <> '2019-07-01' OR cell IS NULL`);
    expect(r.rows[0].n).toBe(0);
  });

  it('imports a force extract with British National Grid positions, times and flags, and classifies it', async () => {
    // Positions, months and locations of five real 2019-07 rows; offence codes and flags are constructed to test the format.
    const real = readRows(monthFile('2019-07'))
      .filter((r) => r['Crime type'] === 'Violence and sexual offences')
      .slice(0, 5);
    const toBng = proj4(
      'EPSG:4326',
      '+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy +towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489 +units=m +no_defs',
    );
    const spec = [
      ['8N', 'Y', 'N', 'N'], // knife-enabled assault with injury → Merseyside SV
      ['8N', 'Y', 'N', 'Y'], // the same, domestic → excluded by Merseyside, included by Durham & Darlington
      ['8N', 'N', 'N', 'N'], // assault with injury without a weapon → not Merseyside SV
      ['5D', '', '', ''], // s18 wounding, flags not recorded → Merseyside SV
      ['34B', 'N', 'N', 'N'], // personal robbery → Merseyside SV
    ];
    const lines = ['Incident ID,Date Time,HO Code,Knife Flag,Firearm,Domestic Abuse,Easting,Northing,Location'];
    real.forEach((r, i) => {
      const [e, n] = toBng.forward([Number(r.Longitude), Number(r.Latitude)]) as [number, number];
      const [code, knife, gun, da] = spec[i]!;
      lines.push(
        `FX-${i + 1},${String(10 + i).padStart(2, '0')}/07/2019 22:1${i},${code},${knife},${gun},${da},${e.toFixed(1)},${n.toFixed(1)},"${r.Location}"`,
      );
    });
    const file = path.join(tmp, 'force-extract.csv');
    fs.writeFileSync(file, lines.join('\n'));
    const outcome = await importIncidentFile(db, file);
    expect(outcome.status).toBe('imported');
    expect(outcome.format).toBe('force extract');
    expect(outcome.rowsImported).toBe(5);

    const stored = (
      await db.raw(
        `SELECT source_ref, category, offence_name, lon, lat, occurred_at, knife, domestic FROM incident WHERE source = 'force-extract' ORDER BY source_ref`,
      )
    ).rows;
    stored.forEach((s: { lon: number; lat: number; category: string; occurred_at: Date | string }, i: number) => {
      expect(s.lon).toBeCloseTo(Number(real[i]!.Longitude), 5); // back from the grid within ~1 m
      expect(s.lat).toBeCloseTo(Number(real[i]!.Latitude), 5);
      expect(new Date(s.occurred_at).toISOString()).toBe(`2019-07-${10 + i}T21:1${i}:00.000Z`); // BST is UTC+1
    });
    expect(stored.map((s: { category: string }) => s.category)).toEqual([
      'Violence and sexual offences',
      'Violence and sexual offences',
      'Violence and sexual offences',
      'Violence and sexual offences',
      'Robbery',
    ]);
    const reference = new ReferenceStore(db);
    const merseyside = (await reference.definition('merseyside'))!.rules;
    const store = new IncidentStore(db);
    const cchi = (await reference.scheme('cchi'))!;
    const m = await store.totals({ from: '2019-07', to: '2019-07', definition: merseyside, schemeId: cchi.id, sources: ['force-extract'] });
    expect(m.incidents).toBe(3); // FX-1, FX-4, FX-5
    expect(m.harm).toBe(365 + 365 + 365); // violence with injury, s18 (violence with injury) and robbery: CCHI medians of 365 days
    const d = await store.totals({ from: '2019-07', to: '2019-07', definition: rules('durham-darlington'), schemeId: cchi.id, sources: ['force-extract'] });
    expect(d.incidents).toBe(4); // FX-2 (domestic, knife) too
  });

  it('rejects a force extract row by row with the column that is wrong', async () => {
    const file = path.join(tmp, 'force-bad.csv');
    fs.writeFileSync(
      file,
      [
        'incident_id,occurred_at,offence_code,knife,latitude,longitude',
        'A1,2019-07-04T23:10,8N,maybe,53.40,-2.98',
        'A2,31/02/2019 10:00,8N,Y,53.40,-2.98',
        'A3,2019-07-04T23:10,ZZ9,Y,53.40,-2.98',
        'A4,2019-07-04T23:10,8N,Y,153.40,-2.98',
        'A5,2019-07-05T01:00,8N,Y,53.40,-2.98',
        'A5,2019-07-05T01:30,8N,Y,53.40,-2.98',
      ].join('\n'),
    );
    const before = await incidents.count();
    const outcome = await importIncidentFile(db, file);
    expect(outcome.status).toBe('rejected');
    expect(outcome.rejections.map((r) => [r.line, r.field])).toEqual([
      [2, 'knife'],
      [3, 'occurredAt'],
      [4, 'offenceCode'],
      [5, 'latitude'],
      [7, 'id'],
    ]);
    expect(await incidents.count()).toBe(before);
  });

  it('counts the public-data proxy exactly as the published categories say', async () => {
    const expected = readRows(monthFile('2019-07')).filter((r) => PROXY_CATEGORIES.has(r['Crime type']!)).length;
    const scheme = (await new ReferenceStore(db).scheme('count'))!;
    const t = await incidents.totals({ from: '2019-07', to: '2019-07', definition: rules('public-proxy'), schemeId: scheme.id, sources: ['data.police.uk'] });
    expect(t.incidents).toBe(expected);
    expect(t.harm).toBe(expected);
  });

  it('stores every field of every row exactly as the file gives it, text with quotes, commas and line breaks included', async () => {
    // The real 2019-10 month; five of its rows RELABELLED with locations that CSV must quote, so the
    // COPY the rows travel by is tested on text that needs quoting, escaping and a line break.
    const file = monthFile('2019-10');
    const rows = readRows(file);
    const odd = ['On or near "The Strand"', 'On or near Dale Street, Liverpool', 'Line one\nline two', 'Café "", Bold Street', ' a  b '];
    const withRefs = rows.filter((r) => r['Crime ID']);
    odd.forEach((text, i) => {
      withRefs[i * 100]!.Location = text;
    });
    const header = Object.keys(rows[0]!);
    const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
    const copy = path.join(tmp, '2019-10-relabelled.csv');
    fs.writeFileSync(copy, `${header.join(',')}\n${rows.map((r) => header.map((h) => quote(r[h]!)).join(',')).join('\n')}\n`);
    const outcome = await importIncidentFile(db, copy);
    expect(outcome.status).toBe('imported');
    expect(outcome.rowsImported).toBe(rows.length);
    const stored = new Map<string, any>(
      (await db.raw(`SELECT source_ref, location, lsoa_code, lsoa_name, category, outcome, lon, lat FROM incident WHERE month = '2019-10-01'`)).rows.map(
        (r: any) => [r.source_ref, r],
      ),
    );
    expect(stored.size).toBe(rows.length);
    const blank = (v: string) => (v.trim() === '' ? null : v.trim());
    for (const r of withRefs) {
      const s: any = stored.get(r['Crime ID']!);
      expect(s, r['Crime ID']).toBeDefined();
      expect([s.location, s.lsoa_code, s.lsoa_name, s.category, s.outcome]).toEqual([
        blank(r.Location!),
        blank(r['LSOA code']!),
        blank(r['LSOA name']!),
        r['Crime type'],
        blank(r['Last outcome category']!),
      ]);
      expect([s.lon, s.lat]).toEqual(r.Longitude ? [Number(r.Longitude), Number(r.Latitude)] : [null, null]);
    }
    expect(odd.map((_, i) => stored.get(withRefs[i * 100]!['Crime ID']!).location)).toEqual(odd.map((t) => t.trim()));
  });
});
