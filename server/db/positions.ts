import { rowsOf, type Db } from './connection';
import { filteredIncidents, type IncidentFilter } from './incidentQueries';

export interface PositionMonthTotal {
  month: string;
  lon: number;
  lat: number;
  incidents: number;
  harm: number;
}

/**
 * Incident positions for kernel density: incidents and harm per month and published position
 * (data.police.uk snap points repeat, so a year of incidents is a few thousand positions). Only
 * point-precise positions: LSOA- and text-level events have none.
 */
export class PositionStore {
  constructor(private readonly db: Db) {}

  async monthPositions(f: IncidentFilter): Promise<PositionMonthTotal[]> {
    const q = filteredIncidents(f);
    const result = await this.db.raw(
      `SELECT to_char(i.month, 'YYYY-MM') AS month, i.lon, i.lat, count(*)::int AS incidents, sum(${q.harm})::float8 AS harm
       FROM ${q.from} AND i.lon IS NOT NULL AND i.cell IS NOT NULL GROUP BY 1, 2, 3`,
      q.bindings,
    );
    return rowsOf<PositionMonthTotal>(result);
  }
}
