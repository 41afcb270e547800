import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { feature, buffer as turfBuffer } from '@turf/turf';
import { parse } from 'csv-parse/sync';
import { loadConfig } from '../../server/config';

/** The shared real data folder (HARMGRID_DATA_DIR, default ../shared/data). */
export const dataDir = loadConfig().dataDir;
export const policeDir = path.join(dataDir, 'police', 'merseyside');
export const harmDir = path.join(dataDir, 'harm');

export function monthFile(month: string): string {
  const file = path.join(policeDir, `${month}-merseyside-street.csv`);
  if (!fs.existsSync(file)) throw new Error(`the tests need the real data file ${file}; set HARMGRID_DATA_DIR to the shared data folder`);
  return file;
}

/** Rows of a real file read independently of harmgrid's parser (csv-parse sync, header as keys). */
export function readRows(file: string): Record<string, string>[] {
  return parse(fs.readFileSync(file), { columns: true, bom: true, skip_empty_lines: true }) as Record<string, string>[];
}

export function tempDir(prefix = 'harmgrid-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const PROXY_CATEGORIES = new Set(['Violence and sexual offences', 'Robbery', 'Possession of weapons']);

// A site drawn for the tests and the bench: Liverpool's Bold Street as OpenStreetMap maps it (the pedestrian
// way in the basemap data), widened by 20 m either side. No site ships with harmgrid.
export function boldStreetSite(): { type: 'Polygon'; coordinates: number[][][] } {
  const roads = JSON.parse(fs.readFileSync(path.join(dataDir, 'basemap', 'roads.geojson'), 'utf8')) as {
    features: { properties: { name?: string }; geometry: { type: string; coordinates: number[][] } }[];
  };
  const street = roads.features.find(
    (f) => f.properties.name === 'Bold Street' && f.geometry.coordinates.some(([x, y]) => Math.abs(x! + 2.98) < 0.01 && Math.abs(y! - 53.4) < 0.01),
  );
  if (!street) throw new Error('Bold Street, Liverpool is not in the basemap roads');
  const poly = turfBuffer(feature(street.geometry as never), 20, { units: 'meters', steps: 4 })!.geometry as { type: 'Polygon'; coordinates: number[][][] };
  return { type: 'Polygon', coordinates: poly.coordinates.map((ring) => ring.map(([x, y]) => [Number(x!.toFixed(6)), Number(y!.toFixed(6))])) };
}

/**
 * A zone row to insert straight into the table (a small triangle in Liverpool city centre), for tests
 * that need the stored data to change behind the service's back, as another node or a script would.
 */
export function zoneRow(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    clear_start: '2020-01-01',
    area_km2: 0.5,
    geometry: JSON.stringify({
      type: 'Polygon',
      coordinates: [
        [
          [-2.98, 53.4],
          [-2.97, 53.4],
          [-2.97, 53.41],
          [-2.98, 53.4],
        ],
      ],
    }),
    ...extra,
  };
}
