import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { describe, expect, it } from 'vitest';
import { BasemapTiles } from '../../server/tiles/basemap';
import { basemapStyle } from '../../server/tiles/style';
import { dataDir } from '../support/data';

// Tile 14/8056/5306 covers Liverpool city centre around Bold Street and Church Street.
describe('offline basemap tiles from the real OpenStreetMap layers', () => {
  const tiles = new BasemapTiles(dataDir);

  it('cuts a street-level tile with named roads, buildings and the district outline', () => {
    const pbf = tiles.tile(14, 8056, 5306);
    expect(pbf).not.toBeNull();
    const tile = new VectorTile(new PbfReader(pbf!));
    expect(Object.keys(tile.layers)).toEqual(expect.arrayContaining(['roads', 'buildings', 'places']));
    const names = new Set<string>();
    for (let i = 0; i < tile.layers.roads!.length; i++) {
      const name = tile.layers.roads!.feature(i).properties.name;
      if (typeof name === 'string') names.add(name);
    }
    expect(names.has('Bold Street')).toBe(true);
    expect(names.size).toBeGreaterThan(30);
  });

  it('keeps low-zoom tiles small by leaving out minor roads', () => {
    const tile = new VectorTile(new PbfReader(tiles.tile(9, 251, 165)!));
    const classes = new Set<string>();
    for (let i = 0; i < tile.layers.roads!.length; i++) classes.add(String(tile.layers.roads!.feature(i).properties.class));
    expect([...classes].every((c) => ['motorway', 'trunk', 'primary'].includes(c))).toBe(true);
    expect(tiles.tile(9, 251, 165)!.length).toBeLessThan(200_000);
  });

  it('answers empty tiles with nothing and serves a style with no remote resources', () => {
    expect(tiles.tile(14, 0, 0)).toBeNull();
    const style = basemapStyle('http://127.0.0.1/tiles/basemap/{z}/{x}/{y}.pbf') as { glyphs?: string; sprite?: string; sources: Record<string, { attribution: string }> };
    expect(style.glyphs).toBeUndefined(); // labels drawn from the app's own font
    expect(style.sprite).toBeUndefined();
    expect(style.sources.basemap!.attribution).toMatch(/OpenStreetMap contributors/);
    expect(style.sources.basemap!.attribution).toMatch(/data\.police\.uk/);
  });
});
