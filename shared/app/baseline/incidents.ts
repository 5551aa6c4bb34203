/**
 * Live break-glass incident windows: opened from the CLI, consulted by `break-glass-used`.
 */

import type { BaselineIdentity, IncidentWindow } from '../../core/baseline/types.js';
import type { BaselineStore, Clock } from '../../ports.js';
import { AppError } from '../errors.js';

/** Longest window `incident open --for` accepts: an incident is not a standing exception. */
export const MAX_INCIDENT_MS = 7 * 86_400_000;

export class IncidentRequestError extends AppError {
  constructor(message: string) {
    super(message);
    this.name = 'IncidentRequestError';
  }
}

/** Opens a window starting now for `durationMs`. */
export async function openIncident(
  store: BaselineStore,
  clock: Clock,
  req: { identity: string; ticket: string; durationMs: number; reason?: string },
): Promise<IncidentWindow> {
  if (!req.identity.startsWith('arn:')) {
    throw new IncidentRequestError(
      `IDENTITY must be an ARN (arn:aws:iam::ACCOUNT:role/NAME), not "${req.identity}"`,
    );
  }
  if (req.ticket.trim() === '') throw new IncidentRequestError('--ticket must not be empty');
  if (req.durationMs > MAX_INCIDENT_MS) {
    throw new IncidentRequestError('--for is longer than 7 days; open a new window when this one ends');
  }
  const now = clock.nowMs();
  const w: Omit<IncidentWindow, 'id' | 'source'> = {
    identity: req.identity,
    ticket: req.ticket.trim(),
    from: new Date(now).toISOString(),
    until: new Date(now + req.durationMs).toISOString(),
  };
  if (req.reason !== undefined) w.reason = req.reason;
  return store.openIncident(w);
}

/**
 * Why an incident window for this identity may not do what the operator expects, or null: `break-glass-used`
 * raises (and drops to low inside a window) only for identities of kind `break-glass`. `entry` is the
 * identity's baseline entry (null: not in the baseline).
 */
export function incidentIdentityWarning(identity: string, entry: BaselineIdentity | null): string | null {
  if (!entry) {
    return `${identity} is not in the baseline: break-glass-used only concerns identities of kind break-glass, so this window changes no alert (sync the baseline first?)`;
  }
  if (entry.kind !== 'break-glass') {
    return `${identity} is kind ${entry.kind} in the baseline (${entry.arn}), not break-glass: break-glass-used does not watch it, so this window changes no alert`;
  }
  return null;
}
