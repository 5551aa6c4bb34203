import type { BaselineIdentity } from '../../baseline/types.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule } from '../../detection/rule.js';
import {
  ASSUME_ROLE_EVENTS,
  daysBetween,
  eventDate,
  isSuccessfulAssumption,
  STS,
  shortName,
} from '../_common.js';

/** The review date when it lies before the event's date, else null. */
function overdue(e: NormalisedEvent, target: BaselineIdentity | null): string | null {
  const due = target?.reviewAfter;
  const day = eventDate(e);
  if (!due || day === null) return null;
  return due < day ? due : null;
}

export default defineRule({
  meta: {
    id: 'baseline-review-overdue',
    title: 'Baselined identity used past its review date',
    description:
      'A baselined identity was assumed after its review_after date. Nobody has confirmed recently that its ' +
      'owner, purpose and allowed callers are still right; stale baselines are how trust quietly widens. ' +
      'Reported once per identity per day.',
    severity: 'low',
    appliesTo: { eventSources: [STS], eventNames: [...ASSUME_ROLE_EVENTS] },
    attack: ['T1078.004'],
    emulatedBy: [],
    falsePositives: ['The review happened but review_after was not moved forward in the baseline file.'],
    runbook:
      'iamwatch baseline stale to list every overdue identity; review it with the owner, update review_after and iamwatch baseline sync.',
    dedupWindowMinutes: 1440,
  },
  match: (e, { target }) => isSuccessfulAssumption(e) && overdue(e, target) !== null,
  reasons: (e, { target }) => {
    const due = overdue(e, target) ?? '';
    const day = eventDate(e) ?? '';
    const days = daysBetween(due, day);
    return [
      `${shortName(e.target?.arn ?? target?.arn)} was assumed on ${day}; its baseline review was due ${due}${days === null ? '' : ` (${days} day${days === 1 ? '' : 's'} ago)`}`,
      `owner ${target?.owner ?? 'unknown'} should confirm its purpose: ${target?.purpose ?? 'not recorded'}`,
    ];
  },
  // Once per baseline identity per day (window 1440 min), whichever session or caller used it.
  dedupeKey: (_e, { target }) => `${target?.arn}`,
});
