import { describe, expect, it } from 'vitest';
import { buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import { parseBaseline } from '../../shared/core/baseline/parse.js';
import type { BaselineView } from '../../shared/core/baseline/view.js';
import { normaliseRecord } from '../../shared/core/cloudtrail/normalise.js';
import { Engine } from '../../shared/core/detection/engine.js';
import type { RuleHit } from '../../shared/core/detection/rule.js';
import { ruleById } from '../../shared/core/rules/index.js';
import { fixtureBaseline, fixturesOf } from '../helpers/rule-fixtures.js';

type Rec = Record<string, unknown>;

function record(rule: string, file: string): Rec {
  const f = fixturesOf(rule).find((x) => x.file === `${rule}/fixtures/${file}.json`);
  if (!f) throw new Error(`no fixture ${rule}/${file}`);
  return structuredClone(f.record);
}

function view(yamlOrFile: string): BaselineView {
  if (yamlOrFile.endsWith('.yaml')) return buildIndex(fixtureBaseline(yamlOrFile));
  const { baseline, issues } = parseBaseline(yamlOrFile, 'inline.yaml');
  if (!baseline) throw new Error(JSON.stringify(issues));
  return buildIndex(baseline);
}

/** Runs one rule over a raw record; the hits it returns (empty when it does not fire). */
function hits(ruleId: string, raw: Rec, baseline: string | BaselineView = 'empty.yaml'): RuleHit[] {
  const rule = ruleById(ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  const n = normaliseRecord(raw);
  if (!n.ok) throw new Error(n.reason);
  const v = typeof baseline === 'string' ? view(baseline) : baseline;
  const { findings, failures } = new Engine([rule]).evaluate(n.event, v);
  expect(failures).toEqual([]);
  return findings.map((f) => f.hit);
}

const callersBaseline = (callers: string[]) =>
  view(`version: 1
identities:
  - arn: arn:aws:iam::111122223333:role/EC2-dev
    kind: workload
    owner: platform
    purpose: test
    callers: ${JSON.stringify(callers)}
`);

describe('role-unexpected-caller', () => {
  const crossAccount = () => record('role-unexpected-caller', 'cross-account-caller-account-listed');

  it.each([
    [['arn:aws:iam::777788889999:role/ci-runner'], 0],
    [['arn:aws:iam::777788889999:root'], 0],
    [['777788889999'], 0],
    [['arn:aws:iam::*:role/ci-runner'], 0],
    [['arn:aws:iam::444455556666:role/ci-runner'], 1],
    [['arn:aws:iam::77778888999*:role/ci-runner'], 0],
  ])('account-only caller 777788889999 against %j gives %i hits', (callers, n) => {
    expect(hits('role-unexpected-caller', crossAccount(), callersBaseline(callers))).toHaveLength(n);
  });

  it('does not read roles without a callers key and without oidc (no expectation)', () => {
    const noCallers = view(`version: 1
identities:
  - arn: arn:aws:iam::111122223333:role/EC2-dev
    kind: workload
    owner: platform
    purpose: test
`);
    expect(hits('role-unexpected-caller', crossAccount(), noCallers)).toEqual([]);
  });

  // v0.2: `callers: []` says "no caller is expected" (v0.1 read it as "no expectation").
  it('fires for any caller when the baseline says callers: []', () => {
    const fired = hits('role-unexpected-caller', crossAccount(), callersBaseline([]));
    expect(fired).toHaveLength(1);
    expect(fired[0]?.reasons[0]).toMatch(/lists no callers \(callers: \[\]\): no AssumeRole is expected/);
  });

  it('checks an AWS service caller by the service name', () => {
    const raw = crossAccount();
    raw.userIdentity = { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' };
    expect(hits('role-unexpected-caller', raw, callersBaseline(['ec2.amazonaws.com']))).toEqual([]);
    const fired = hits('role-unexpected-caller', raw, callersBaseline(['lambda.amazonaws.com']));
    expect(fired[0]?.reasons[0]).toContain('ec2.amazonaws.com');
  });

  it('fires when the record shows no caller at all', () => {
    const raw = crossAccount();
    raw.userIdentity = null;
    const fired = hits('role-unexpected-caller', raw, callersBaseline(['777788889999']));
    expect(fired[0]?.reasons[0]).toMatch(/does not show/);
  });

  it('matches a role session by its session issuer, not its session name', () => {
    const raw = record('role-unexpected-caller', 'role-chaining-by-listed-session-issuer');
    const ui = raw.userIdentity as Rec;
    ui.arn = 'arn:aws:sts::111111111111:assumed-role/Attacker/JohnRole1';
    (ui.sessionContext as { sessionIssuer: Rec }).sessionIssuer.arn =
      'arn:aws:iam::111111111111:role/Attacker';
    expect(hits('role-unexpected-caller', raw, 'callers.yaml')).toHaveLength(1);
  });
});

describe('console-login-without-mfa', () => {
  const base = () => record('console-login-without-mfa', 'iam-user-no-mfa');

  it.each([
    ['no', 1],
    ['NO', 1],
    ['Yes', 0],
    ['YES', 0],
  ])('MFAUsed %s gives %i hits', (mfa, n) => {
    const raw = base();
    (raw.additionalEventData as Rec).MFAUsed = mfa;
    expect(hits('console-login-without-mfa', raw)).toHaveLength(n);
  });

  it('does not guess when MFAUsed is missing', () => {
    const raw = base();
    delete (raw.additionalEventData as Rec).MFAUsed;
    expect(hits('console-login-without-mfa', raw)).toEqual([]);
  });

  it('ignores federated users (they authenticate at their broker)', () => {
    const raw = base();
    raw.userIdentity = {
      type: 'FederatedUser',
      arn: 'arn:aws:sts::111122223333:federated-user/anaya',
      accountId: '111122223333',
    };
    expect(hits('console-login-without-mfa', raw)).toEqual([]);
  });
});

describe('logging-disabled', () => {
  const selectors = () => record('logging-disabled', 'stratus-event-selectors-drop-management-events');
  const severityOf = (req: Rec) => {
    const raw = selectors();
    raw.requestParameters = { trailName: 't', ...req };
    return hits('logging-disabled', raw)[0]?.severity;
  };

  it('rates selector changes by whether every management event is still logged (kept: no alert)', () => {
    expect(
      severityOf({ eventSelectors: [{ readWriteType: 'All', includeManagementEvents: true }] }),
    ).toBeUndefined();
    expect(
      severityOf({ eventSelectors: [{ readWriteType: 'WriteOnly', includeManagementEvents: true }] }),
    ).toBe('critical');
    expect(
      severityOf({
        eventSelectors: [
          { includeManagementEvents: true, excludeManagementEventSources: ['kms.amazonaws.com'] },
        ],
      }),
    ).toBe('critical');
    expect(severityOf({ eventSelectors: 'not-a-list' })).toBe('critical');
    expect(severityOf({})).toBe('critical');
  });

  it('reads advanced selectors the same way', () => {
    const mgmt = { field: 'eventCategory', equals: ['Management'] };
    expect(severityOf({ advancedEventSelectors: [{ fieldSelectors: [mgmt] }] })).toBeUndefined();
    expect(
      severityOf({
        advancedEventSelectors: [{ fieldSelectors: [mgmt, { field: 'readOnly', equals: ['true'] }] }],
      }),
    ).toBe('critical');
    expect(
      severityOf({
        advancedEventSelectors: [{ fieldSelectors: [{ field: 'eventCategory', equals: ['Data'] }] }],
      }),
    ).toBe('critical');
  });

  it('judges UpdateTrail by what it sends: switching coverage on is quiet, anything else alerts', () => {
    const update = (req: Rec) => {
      const raw = record('logging-disabled', 'update-trail-enables-validation');
      raw.requestParameters = { name: 'org-trail', ...req };
      return hits('logging-disabled', raw);
    };
    expect(update({ enableLogFileValidation: true })).toEqual([]);
    expect(
      update({ isMultiRegionTrail: true, includeGlobalServiceEvents: true, isOrganizationTrail: true }),
    ).toEqual([]);
    expect(update({ enableLogFileValidation: false })[0]?.reasons.join('\n')).toMatch(
      /validation is switched off/,
    );
    expect(update({ includeGlobalServiceEvents: false })[0]?.severity).toBe('critical');
    expect(update({ isOrganizationTrail: false })).toHaveLength(1);
    expect(update({ kmsKeyId: 'arn:aws:kms:us-east-1:444455556666:key/x' })).toHaveLength(1);
    expect(
      update({ cloudWatchLogsLogGroupArn: 'arn:aws:logs:us-east-1:111122223333:log-group:x' }),
    ).toHaveLength(1);
    // A parameter iamwatch does not know is not assumed harmless.
    expect(update({ enableLogFileValidation: true, somethingNew: 1 })[0]?.reasons.join('\n')).toMatch(
      /does not judge/,
    );
    const noParams = record('logging-disabled', 'update-trail-enables-validation');
    noParams.requestParameters = null;
    expect(hits('logging-disabled', noParams)).toHaveLength(1);
  });

  it('only reads EventBridge rules that are iamwatch’s own', () => {
    const raw = record('logging-disabled', 'iamwatch-rule-disabled');
    (raw.requestParameters as Rec).name = 'IAMWATCH-prod-sts';
    expect(hits('logging-disabled', raw)).toHaveLength(1);
    (raw.requestParameters as Rec).name = 'team-rule-iamwatch';
    expect(hits('logging-disabled', raw)).toEqual([]);
    (raw.requestParameters as Rec).name = 42;
    expect(hits('logging-disabled', raw)).toEqual([]);
  });

  it('ignores trail event names logged under another service', () => {
    const raw = record('logging-disabled', 'stratus-stop-logging');
    raw.eventSource = 'events.amazonaws.com';
    expect(hits('logging-disabled', raw)).toEqual([]);
  });
});

describe('login-profile-modified', () => {
  it('reports root setting a user’s password and not a caller setting its own', () => {
    const raw = record('login-profile-modified', 'stratus-create-login-profile');
    raw.userIdentity = { type: 'Root', arn: 'arn:aws:iam::070411556318:root', accountId: '070411556318' };
    expect(hits('login-profile-modified', raw)).toHaveLength(1);
    raw.requestParameters = { passwordResetRequired: false };
    raw.responseElements = null;
    expect(hits('login-profile-modified', raw)).toEqual([]);
  });

  it('says that a session named after the user proves nothing', () => {
    const raw = record('login-profile-modified', 'role-session-changes-another-users-password');
    (raw.requestParameters as Rec).userName = 'alice';
    const [hit] = hits('login-profile-modified', raw);
    expect(hit?.reasons.join(' ')).toMatch(/session names are chosen by the caller/);
  });
});

describe('identity-provider-modified', () => {
  it('checks the service of Roles Anywhere event names', () => {
    const raw = record('identity-provider-modified', 'stratus-roles-anywhere-trust-anchor');
    raw.eventSource = 'iam.amazonaws.com';
    expect(hits('identity-provider-modified', raw)).toEqual([]);
  });
});

describe('oidc-assume-failed', () => {
  it('stays medium when the subject names no owner it could check', () => {
    const raw = record('oidc-assume-failed', 'unknown-org-probes-without-role-arn');
    (raw.userIdentity as Rec).userName = 'opaque-subject-1234';
    (raw.userIdentity as Rec).principalId = undefined;
    const [hit] = hits('oidc-assume-failed', raw, 'org.yaml');
    expect(hit?.severity).toBe('medium');
    expect(hit?.reasons[1]).toMatch(/names no organisation/);
  });
});

describe('baseline-review-overdue', () => {
  it('does not guess a date for a record without a usable eventTime', () => {
    const raw = record('baseline-review-overdue', 'github-role-review-overdue');
    raw.eventTime = 'yesterday';
    expect(hits('baseline-review-overdue', raw, 'callers.yaml')).toEqual([]);
  });
});
