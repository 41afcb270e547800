import Flatbush from 'flatbush';
import { cellToBoundary } from 'h3-js';
import type { CellTotal } from './hchh';

/** A cell the map draws: its totals, and its rank by harm (0 for an empty study-area cell). */
export interface MapCell extends CellTotal {
  rank: number;
}

export type Box = [west: number, south: number, east: number, north: number];

/**
 * The cells of one answer with their hexagons, in an R-tree of the hexagons' bounding boxes
 * (Flatbush), so a map tile or a view asks only for the cells it can show: the cost of a tile follows
 * the cells in it, not the cells in the answer. Built once per answer; a box search is a few
 * microseconds.
 * @example new CellIndex(cells).within([-3.0, 53.40, -2.95, 53.42]) // the cells whose hexagon box meets the box
 */
export class CellIndex {
  readonly cells: MapCell[];
  /** The box of every hexagon, or null when there are no cells. */
  readonly bounds: Box | null;
  private readonly tree: Flatbush | null;

  constructor(cells: MapCell[]) {
    this.cells = cells;
    if (!cells.length) {
      this.tree = null;
      this.bounds = null;
      return;
    }
    const tree = new Flatbush(cells.length);
    let w = Infinity,
      s = Infinity,
      e = -Infinity,
      n = -Infinity;
    // Only the boxes are kept (4 numbers a cell); a tile computes the hexagons it draws.
    for (const c of cells) {
      const ring = cellToBoundary(c.cell, true);
      let bw = Infinity,
        bs = Infinity,
        be = -Infinity,
        bn = -Infinity;
      for (const [x, y] of ring) {
        if (x! < bw) bw = x!;
        if (x! > be) be = x!;
        if (y! < bs) bs = y!;
        if (y! > bn) bn = y!;
      }
      tree.add(bw, bs, be, bn);
      w = Math.min(w, bw);
      s = Math.min(s, bs);
      e = Math.max(e, be);
      n = Math.max(n, bn);
    }
    tree.finish();
    this.tree = tree;
    this.bounds = [w, s, e, n];
  }

  /** Positions (into `cells`) of the cells whose hexagon's bounding box meets the box, in answer order. */
  within(box: Box): number[] {
    return this.tree ? this.tree.search(...box).sort((a, b) => a - b) : [];
  }

  /**
   * The cells with incidents in a box with most harm (or incidents), ties broken by incidents, then
   * the cell id, so the order is the same every time.
   */
  top(box: Box, by: 'harm' | 'incidents', limit: number): MapCell[] {
    const found = this.within(box)
      .map((i) => this.cells[i]!)
      .filter((c) => c.incidents > 0);
    found.sort((a, b) => b[by] - a[by] || b.incidents - a.incidents || (a.cell < b.cell ? -1 : a.cell > b.cell ? 1 : 0));
    return found.slice(0, limit);
  }
}
