import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/db/connection';
import { importPaths } from '../../server/ingest/importPaths';
import { defaultNightWindow, inNightWindow } from '../../server/domain/repeatLocations';
import { Analysis } from '../../server/services/analysis';
import { dbLabel, freshDb } from '../support/db';
import { PROXY_CATEGORIES, harmDir, monthFile, readRows, tempDir } from '../support/data';

const YEAR = ['2019-01', '2019-02', '2019-03', '2019-04', '2019-05', '2019-06', '2019-07', '2019-08', '2019-09', '2019-10', '2019-11', '2019-12'];

describe(`repeat locations on ${dbLabel}, real year 2019`, () => {
  let db: Db;
  const tmp = tempDir();
  beforeAll(async () => {
    db = await freshDb();
    await importPaths(db, [harmDir, ...YEAR.map(monthFile)]);
  });
  afterAll(async () => {
    await db?.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('finds every snap point with at least 3 proxy incidents, as counted from the files', async () => {
    const counts = new Map<string, number>();
    for (const r of YEAR.flatMap((m) => readRows(monthFile(m)))) {
      if (!PROXY_CATEGORIES.has(r['Crime type']!)) continue;
      const key = `${r.Location}|${Number(r.Longitude)}|${Number(r.Latitude)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const expected = [...counts.entries()].filter(([, n]) => n >= 3);
    const analysis = new Analysis(db);
    const r = await analysis.resolve({ resolution: 9, from: '2019-01', to: '2019-12' });
    const all = await analysis.incidents.locationTotals(r.filter, { firstHalfEnd: '2019-06', secondHalfStart: '2019-07' }, defaultNightWindow);
    const got = all.filter((l) => l.incidents >= 3);
    expect(got.length).toBe(expected.length);
    const top = [...expected].sort((a, b) => b[1] - a[1])[0]!;
    const [location, lon, lat] = top[0].split('|');
    const match = got.find((l) => l.location === location && Math.abs(l.lon - Number(lon)) < 1e-9 && Math.abs(l.lat - Number(lat)) < 1e-9)!;
    expect(match.incidents).toBe(top[1]);
    expect(match.firstHalf + match.secondHalf).toBe(match.incidents);
    expect(match.timed).toBe(0);
  });

  it('counts night-time economy incidents from force-extract times (Friday and Saturday 20:00–04:00 UK time)', async () => {
    // Positions and the location text of a real 2019-07 row; times constructed to sit on each side of the window.
    const real = readRows(monthFile('2019-07')).find((r) => r['Crime type'] === 'Robbery')!;
    const times = [
      '2019-07-05T20:30', // Friday evening → in
      '2019-07-06T03:59', // small hours of Saturday → in (Friday night)
      '2019-07-06T04:00', // Saturday 04:00 → out
      '2019-07-07T01:00', // small hours of Sunday → in (Saturday night)
      '2019-07-08T01:00', // small hours of Monday → out
    ];
    const file = path.join(tmp, 'nte.csv');
    fs.writeFileSync(
      file,
      [
        'incident_id,occurred_at,offence_code,latitude,longitude,location',
        ...times.map((t, i) => `NTE-${i},${t},34B,${real.Latitude},${real.Longitude},Test premises`),
      ].join('\n'),
    );
    await importPaths(db, [file]);
    const analysis = new Analysis(db);
    const r = await analysis.resolve({ resolution: 9, from: '2019-07', to: '2019-07', source: ['force-extract'] });
    const [loc] = await analysis.incidents.locationTotals(r.filter, { firstHalfEnd: '2019-07', secondHalfStart: '2019-07' }, defaultNightWindow);
    expect(loc).toMatchObject({ location: 'Test premises', incidents: 5, timed: 5, nightTime: 3 });
    expect(inNightWindow(5, 20)).toBe(true);
    expect(inNightWindow(6, 3)).toBe(true);
    expect(inNightWindow(0, 3)).toBe(true);
    expect(inNightWindow(1, 3)).toBe(false);
    expect(inNightWindow(6, 4)).toBe(false);
  });
});
