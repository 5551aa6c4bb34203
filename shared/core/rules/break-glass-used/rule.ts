import type { BaselineIdentity } from '../../baseline/types.js';
import { assumedSessionArn } from '../../cloudtrail/accessors.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { defineRule, type RuleContext } from '../../detection/rule.js';
import { actorLabel, shortName } from '../_common.js';

function breakGlass(ctx: RuleContext): BaselineIdentity | null {
  if (ctx.target?.kind === 'break-glass') return ctx.target;
  if (ctx.actor?.kind === 'break-glass') return ctx.actor;
  return null;
}

function windowFor(e: NormalisedEvent, ctx: RuleContext) {
  const id = breakGlass(ctx);
  if (!id) return null;
  const arn = ctx.target === id ? (e.target?.arn ?? id.arn) : (e.actor.arn ?? id.arn);
  return ctx.baseline.incidentAt(arn, e.eventTimeMs);
}

export default defineRule({
  meta: {
    id: 'break-glass-used',
    title: 'Break-glass identity used',
    description:
      'A break-glass identity was assumed or acted. Inside a declared incident window the alert is low ' +
      '(still delivered, for the record); outside one it is critical.',
    severity: 'critical',
    appliesTo: 'any',
    attack: ['T1078.004'],
    emulatedBy: [],
    falsePositives: ['A real emergency before anyone opened the incident window (iamwatch incident open).'],
    runbook:
      'iamwatch incident list; if no incident explains it: iamwatch baseline seen <identity> --since 1d and page the owner.',
    dedupWindowMinutes: 60,
  },
  match: (_e, ctx) => breakGlass(ctx) !== null,
  severity: (e, ctx) => (windowFor(e, ctx) ? 'low' : 'critical'),
  reasons: (e, ctx) => {
    const id = breakGlass(ctx)!;
    const how =
      ctx.target === id ? `${actorLabel(e)} called ${e.eventName} on` : `${e.eventName} was called by`;
    const w = windowFor(e, ctx);
    return [
      `${how} break-glass identity ${shortName(id.arn)}`,
      w
        ? `inside declared incident ${w.ticket} (${w.from} to ${w.until})`
        : 'no incident window is open for it',
    ];
  },
  // The assumption and the calls its session makes fold into one alert: both key on the session ARN.
  dedupeKey: (e, ctx) =>
    `${breakGlass(ctx)?.arn}|${assumedSessionArn(e) ?? e.actor.sessionArn ?? e.actor.arn}`,
});
