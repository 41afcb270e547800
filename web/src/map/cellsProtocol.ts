import type { PeriodCoverage } from '../api';

/** Messages between the map and the cells worker (cells.worker.ts). */
export type CellsKind = 'gistar' | 'emerging' | 'month';

export interface BuildRequest {
  op: 'build';
  id: number;
  kind: CellsKind;
  /** The API's answer as received, handed over without a copy (absent: a month of the kept answer). */
  buffer?: ArrayBuffer;
  measure: 'incidents' | 'harm';
  /** Month by month: the answer's query, the month shown and whether months add up. */
  key: string;
  month?: string;
  cumulative?: boolean;
}
export type WorkerRequest =
  | BuildRequest
  | { op: 'top'; id: number; bounds: [number, number, number, number]; byCount: boolean; limit: number }
  | { op: 'stats'; id: number; cell: string }
  | { op: 'revoke'; id: number; url: string };

export type CellsLegend =
  | { kind: 'sequential'; from: string; to: string; max: number; resolution?: number; withIncidents?: number; empty?: number; firstMonth?: string }
  | { kind: 'gistar'; from: string; to: string; studyAreaCells: number; studyAreaKm2: number }
  | { kind: 'emerging'; from: string; to: string; insufficient: string | null; counts: Record<string, number> };

export interface BuildResult {
  /** blob: URL of the hexagons as GeoJSON, for the map's own worker to fetch. */
  url: string;
  count: number;
  bounds: [number, number, number, number] | null;
  legend: CellsLegend;
  /** The answer's own coverage block: what of its period is loaded. */
  coverage: PeriodCoverage;
}
export interface TopCell {
  cell: string;
  incidents: number;
  harm: number;
  label: string;
}
export interface CellStats {
  giZ?: number;
  giBin?: number;
  pattern?: string;
}
