import { defineRule } from '../../detection/rule.js';
import { isOidcAssumption, STS, shortName } from '../_common.js';

export default defineRule({
  meta: {
    id: 'oidc-role-without-baseline',
    title: 'Role assumed through OIDC has no baseline',
    description:
      'A role was assumed with a web-identity token, but iamwatch has no baseline for it: nobody has ' +
      'declared which subjects may use it, so every use is unverified.',
    severity: 'medium',
    appliesTo: { eventSources: [STS], eventNames: ['AssumeRoleWithWebIdentity'] },
    attack: ['T1078.004'],
    emulatedBy: [],
    falsePositives: ['A newly created CI role whose baseline entry is not synced yet.'],
    runbook:
      'iamwatch baseline learn <archive> to propose an entry; review it with the role owner, then iamwatch baseline sync.',
    dedupWindowMinutes: 1440,
  },
  match: (e, { target }) => isOidcAssumption(e) && !target,
  reasons: (e) => [
    `${shortName(e.target?.arn)} was assumed by subject ${e.oidc?.subject ?? '(none)'} from ${e.oidc?.provider ?? 'an unknown provider'} and has no baseline`,
  ],
  dedupeKey: (e) => `${e.target?.arn}`,
});
