import { presetDefinitions } from '../domain/definitions';
import { countScheme } from '../domain/harm';
import type { Db } from './connection';
import { ForceStore, shippedForces } from './forces';
import { ReferenceStore } from './reference';

/** Stores the force registry, the built-in definitions and the count scheme; safe to run on every start. */
export async function seedBuiltins(db: Db): Promise<void> {
  await new ForceStore(db).seed(shippedForces());
  const reference = new ReferenceStore(db);
  for (const d of presetDefinitions) await reference.saveDefinition(d, { builtin: true });
  if (!(await reference.scheme(countScheme.key))) await reference.saveScheme(countScheme, { builtin: true });
}
