import { useId } from 'react';
import type { Force } from './api';

/**
 * The forces an instance holds (GET /api/forces) and the choice between them. With one force loaded
 * there is nothing to choose: the view's force stays empty and the API answers for that force.
 */

/** The districts the view's force covers; null when nothing is to be hidden (one force, or all of them). */
export function forceDistricts(forces: Force[], force: string): Set<string> | null {
  const f = forces.find((x) => x.code === force);
  return f ? new Set(f.districts) : null;
}

/** The force a view opens on: the link's when it is loaded; nothing to choose with one force; else all forces together. */
export function openingForce(forces: Force[], fromLink: string): string {
  if (forces.length <= 1) return '';
  const code = fromLink.toUpperCase();
  if (forces.some((f) => f.code === code)) return code;
  return 'all';
}

export const ALL_FORCES_LABEL = 'all forces (regional view)';

/**
 * The force picker: a labelled native select, hidden when one force is loaded. `allowAll` offers
 * every force together where a regional view makes sense; where it does not, "all" reads as a prompt.
 */
export function ForcePicker({ forces, value, onChange, allowAll }: { forces: Force[]; value: string; onChange: (force: string) => void; allowAll: boolean }) {
  const id = useId();
  if (forces.length < 2) return null;
  return (
    <div className="force-picker">
      <label htmlFor={id}>Force</label>
      <select id={id} value={value || 'all'} onChange={(e) => onChange(e.target.value)} data-testid="force-picker">
        {allowAll ? (
          <option value="all">{ALL_FORCES_LABEL}</option>
        ) : value === 'all' || !value ? (
          <option value="all" disabled>
            Choose a force…
          </option>
        ) : null}
        {forces.map((f) => (
          <option key={f.code} value={f.code}>
            {f.name}
          </option>
        ))}
      </select>
    </div>
  );
}
