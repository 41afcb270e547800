import fs from 'node:fs';
import path from 'node:path';
import { latLngToCell, cellToParent } from 'h3-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/db/connection';
import { importPaths } from '../../server/ingest/importPaths';
import { Analysis } from '../../server/services/analysis';
import { HotspotStatistics, weeksBetween } from '../../server/services/hotspotStatistics';
import { dbLabel, freshDb } from '../support/db';
import { harmDir, monthFile, readRows, tempDir } from '../support/data';

describe(`emerging hot spots by week on ${dbLabel}`, () => {
  let db: Db;
  const tmp = tempDir();
  // Positions of real 2019 rows; the times and offence codes are constructed to test weekly steps:
  // one location gets more incidents every week, forty others one a fortnight.
  const rows = readRows(monthFile('2019-07')).filter((r) => r['Crime type'] === 'Violence and sexual offences');
  const growing = rows[0]!;
  const others = rows
    .filter(
      (r) =>
        cellToParent(latLngToCell(Number(r.Latitude), Number(r.Longitude), 12), 9) !==
        cellToParent(latLngToCell(Number(growing.Latitude), Number(growing.Longitude), 12), 9),
    )
    .slice(0, 40);

  beforeAll(async () => {
    db = await freshDb();
    const weeks = weeksBetween('2019-07', '2019-09').slice(1); // the Mondays from 8 July, all inside the quarter
    const lines = ['incident_id,occurred_at,offence_code,knife,latitude,longitude'];
    let id = 0;
    weeks.forEach((monday, w) => {
      for (let k = 0; k <= w; k++) lines.push(`W${id++},${monday}T21:${String(k % 60).padStart(2, '0')},8N,Y,${growing.Latitude},${growing.Longitude}`);
      others.forEach((o, j) => {
        if ((w + j) % 2 === 0) lines.push(`W${id++},${monday}T12:00,8N,Y,${o.Latitude},${o.Longitude}`);
      });
    });
    const file = path.join(tmp, 'weekly-extract.csv');
    fs.writeFileSync(file, lines.join('\n'));
    await importPaths(db, [harmDir, file, monthFile('2019-08')]);
  });
  afterAll(async () => {
    await db?.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('builds the cube by ISO week from force-extract times and finds the growing location hot', async () => {
    const analysis = new Analysis(db);
    const r = await analysis.resolve({ resolution: 9, from: '2019-07', to: '2019-09', definition: 'merseyside', source: ['force-extract'] });
    const e = await new HotspotStatistics(analysis).emerging(r, {
      variable: 'count',
      k: 1,
      weights: 'binary',
      fdr: true,
      timeStep: 1,
      alpha: 0.05,
      trendAlpha: 0.05,
      globalWindow: 'cube',
      step: 'week',
    });
    expect(e.step).toBe('week');
    // The extract starts on Monday 8 July and October is not loaded: the weeks of 1 July and of 30
    // September are not wholly held, so the cube leaves them out rather than filling them with zeros
    // (issue 17), and says so.
    expect(e.months[0]).toBe('2019-07-08');
    expect(e.months.length).toBe(12);
    expect(e.coverage.statement).toMatch(/the longest run of wholly held weeks, 2019-07-08 to 2019-09-23 \(12 weeks\)/);
    expect(e.insufficient).toBeNull();
    const cell = cellToParent(latLngToCell(Number(growing.Latitude), Number(growing.Longitude), 12), 9);
    const result = e.results[e.cells.indexOf(cell)]!;
    expect(result.emerging!.category).toMatch(/hot spot$/);
    expect(result.emerging!.trend.direction).toBe('up');
  });

  it('refuses weekly steps when incidents have months only', async () => {
    const analysis = new Analysis(db);
    const r = await analysis.resolve({ resolution: 9, from: '2019-08', to: '2019-08' });
    await expect(
      new HotspotStatistics(analysis).emerging(r, {
        variable: 'count',
        k: 1,
        weights: 'binary',
        fdr: true,
        timeStep: 1,
        alpha: 0.05,
        trendAlpha: 0.05,
        globalWindow: 'cube',
        step: 'week',
      }),
    ).rejects.toThrow(/have no time \(data\.police\.uk publishes months only\)/);
  });

  it('lists the Mondays of the weeks a period overlaps', () => {
    expect(weeksBetween('2019-07', '2019-07')).toEqual(['2019-07-01', '2019-07-08', '2019-07-15', '2019-07-22', '2019-07-29']);
    expect(weeksBetween('2020-03', '2020-03')[0]).toBe('2020-02-24');
  });
});
