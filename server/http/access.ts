import type { Request } from 'express';
import { HttpError } from './httpError';

/** What a route does with the data: read aggregates, change reference data or import, or export. */
export type Access = 'read' | 'write' | 'export';

/** Who is asking. Today every caller is an analyst; roles (partners see aggregates only) come here. */
export interface Caller {
  role: 'analyst';
}

export function callerOf(_req: Request): Caller {
  return { role: 'analyst' };
}

/** The one place that decides whether a caller may use a route. */
export function authorise(caller: Caller, access: Access): void {
  if (caller.role !== 'analyst') throw new HttpError(403, `a ${caller.role} may not ${access} here`);
}
