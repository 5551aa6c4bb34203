/**
 * What the validator catches because it would otherwise silently change behaviour (issue 10 item 3,
 * issue 11): environments outside the closed set, references to rules or identities that do not
 * exist, provider ARNs, credentials in Slack URLs, placeholders, and YAML syntax errors.
 */
import { describe, expect, it } from 'vitest';
import { CATALOGUE_RULE_IDS } from '../../shared/adapters/baseline-file.js';
import { isPlaceholder } from '../../shared/core/baseline/checks.js';
import { buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import { matchOidc } from '../../shared/core/baseline/oidc-match.js';
import { formatIssue, type ParseOptions, parseBaseline } from '../../shared/core/baseline/parse.js';

const DEPLOY = 'arn:aws:iam::111122223333:role/gha-deploy';
const BG = 'arn:aws:iam::111122223333:role/break-glass';

/** A valid file with one field swapped: `{{env}}`, `{{provider}}`, `{{slack}}`, `{{owner}}`, … */
function file(over: Record<string, string> = {}): string {
  const v = {
    env: 'production',
    provider: 'token.actions.githubusercontent.com',
    slack: '"ssm:/iamwatch/slack/platform"',
    owner: 'platform-security',
    purpose: 'deploy the api service',
    review: '2026-09-01',
    rule: 'policy-modified',
    incident: BG,
    ...over,
  };
  return `version: 1
teams:
  platform: { slack: ${v.slack} }
identities:
  - arn: ${DEPLOY}
    kind: ci
    owner: ${v.owner}
    purpose: ${v.purpose}
    environment: ${v.env}
    team: platform
    review_after: ${v.review}
    oidc:
      - provider: ${v.provider}
        subjects: ["repo:example-org/api:ref:refs/heads/main"]
  - arn: ${BG}
    kind: break-glass
    owner: security
    purpose: emergency administrator access
suppressions:
  - { rule: ${v.rule}, actor: "arn:aws:iam::*:role/terraform-apply", reason: IaC owns IAM, owner: platform, expires: 2027-01-31 }
incidents:
  - { identity: "${v.incident}", ticket: INC-1, from: 2026-11-01T10:00:00Z, until: 2026-11-01T14:00:00Z }
`;
}

const parse = (text: string, opts: ParseOptions = {}) =>
  parseBaseline(text, 'b.yaml', { ruleIds: CATALOGUE_RULE_IDS, ...opts });
const lines = (text: string, opts: ParseOptions = {}) => parse(text, opts).issues.map(formatIssue);

describe('environment is a closed set', () => {
  it('accepts the documented values', () => {
    for (const env of ['production', 'staging', 'development', 'sandbox', 'shared', 'management']) {
      expect(lines(file({ env }))).toEqual([]);
    }
  });

  it.each([
    ['prod', 'production'],
    ['Production', 'production'],
    ['PRODUCTION', 'production'],
    ['stg', 'staging'],
    ['dev', 'development'],
  ])('"%s" is an error suggesting "%s" (today critical would silently drop to high)', (env, hint) => {
    const r = parse(file({ env }));
    expect(r.baseline).toBeNull();
    expect(r.issues.map(formatIssue)).toEqual([
      `b.yaml:9: identities[0].environment: must be one of production, staging, development, sandbox, shared, management (got "${env}"; did you mean "${hint}"?)`,
    ]);
  });

  it('a value with no near match lists the set', () => {
    expect(lines(file({ env: 'qa-east' }))).toEqual([
      'b.yaml:9: identities[0].environment: must be one of production, staging, development, sandbox, shared, management (got "qa-east")',
    ]);
  });
});

describe('references must point somewhere', () => {
  it('a suppression of an unknown rule is an error with "did you mean"', () => {
    const r = parse(file({ rule: 'policy-modifed' }));
    expect(r.baseline).toBeNull();
    expect(r.issues.map(formatIssue)).toEqual([
      'b.yaml:20: suppressions[0].rule: unknown rule "policy-modifed": this suppression would suppress nothing (did you mean "policy-modified"?)',
    ]);
  });

  it('an unknown rule with no near match points at the catalogue', () => {
    expect(lines(file({ rule: 'everything' }))).toEqual([
      'b.yaml:20: suppressions[0].rule: unknown rule "everything": this suppression would suppress nothing (see `iamwatch rules list`)',
    ]);
  });

  it('every catalogue rule id is accepted', () => {
    for (const rule of CATALOGUE_RULE_IDS) expect(lines(file({ rule }))).toEqual([]);
  });

  it('an incident for an identity the baseline does not declare is an error with "did you mean"', () => {
    expect(lines(file({ incident: 'arn:aws:iam::111122223333:role/break-glas' }))).toEqual([
      `b.yaml:22: incidents[0].identity: arn:aws:iam::111122223333:role/break-glas is not an identity of this baseline, so the window would cover nothing (did you mean "${BG}"?)`,
    ]);
    // Same name in another account: the declared one is suggested.
    expect(lines(file({ incident: 'arn:aws:iam::444455556666:role/break-glass' }))[0]).toContain(
      `(did you mean "${BG}"?)`,
    );
    expect(lines(file({ incident: 'arn:aws:iam::111122223333:role/unrelated-name' }))).toEqual([
      'b.yaml:22: incidents[0].identity: arn:aws:iam::111122223333:role/unrelated-name is not an identity of this baseline, so the window would cover nothing (declare it under identities)',
    ]);
  });

  it('an incident naming a declared identity with a path, or a pattern covering one, is fine', () => {
    expect(lines(file({ incident: 'arn:aws:iam::111122223333:role/ops/break-glass' }))).toEqual([]);
    expect(lines(file({ incident: 'arn:aws:iam::*:role/break-glass' }))).toEqual([]);
  });
});

describe('provider given as an OIDC-provider ARN', () => {
  const arn = 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com';

  it('is accepted, normalised to its host, and matches events', () => {
    const r = parse(file({ provider: arn }));
    expect(r.issues).toEqual([]);
    expect(r.baseline?.identities[0]?.oidc[0]?.provider).toBe('token.actions.githubusercontent.com');
    const identity = buildIndex(r.baseline!).lookup(DEPLOY);
    const m = matchOidc(identity!.oidc, {
      provider: 'token.actions.githubusercontent.com',
      audience: 'sts.amazonaws.com',
      subject: 'repo:example-org/api:ref:refs/heads/main',
      claims: null,
    });
    expect(m.providerAllowed).toBe(true);
    expect(m.allowed).toBe(true);
  });

  it('keeps a path of the provider (GitLab self-managed, EKS)', () => {
    const eks = 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC123';
    expect(parse(file({ provider: eks })).baseline?.identities[0]?.oidc[0]?.provider).toBe(
      'oidc.eks.eu-west-1.amazonaws.com/id/ABC123',
    );
  });

  it('another kind of ARN is rejected with the fix', () => {
    expect(lines(file({ provider: 'arn:aws:iam::111122223333:saml-provider/Okta' }))).toEqual([
      'b.yaml:13: identities[0].oidc[0].provider: must be the host of an OIDC provider (e.g. token.actions.githubusercontent.com) or its ARN arn:aws:iam::ACCOUNT:oidc-provider/HOST',
    ]);
    expect(
      lines(file({ provider: 'arn:aws:iam::1111:oidc-provider/token.actions.githubusercontent.com' })),
    ).toEqual([
      'b.yaml:13: identities[0].oidc[0].provider: not a valid OIDC provider ARN; write the host part instead (e.g. "token.actions.githubusercontent.com")',
    ]);
  });
});

describe('team Slack route with credentials in the URL (issue 11)', () => {
  it('is an error naming the field, and the password is not echoed', () => {
    const r = parse(file({ slack: '"https://user:s3cret@hooks.slack.com/services/T0/B0/XXXX"' }));
    expect(r.baseline).toBeNull();
    const out = r.issues.map(formatIssue);
    expect(out).toEqual([
      'b.yaml:3: teams.platform.slack: the URL must not carry credentials (user:password@); keep the webhook in SSM ("ssm:/PATH") or Secrets Manager ("secret:NAME")',
    ]);
    expect(out.join('\n')).not.toContain('s3cret');
    // A user name alone is a credential too.
    expect(lines(file({ slack: '"https://token@hooks.slack.com/services/T0/B0/XXXX"' }))).toHaveLength(1);
  });

  it('a plain https URL is still accepted', () => {
    expect(lines(file({ slack: '"https://hooks.slack.com/services/T0/B0/XXXX"' }))).toEqual([]);
  });
});

describe('placeholders and overdue reviews are warnings', () => {
  const NOW = Date.parse('2026-10-01T00:00:00Z');

  it.each(['TODO', 'todo', 'TBD', 'FIXME', '"?"', '"-"', 'n/a', 'unknown', '"TODO: find out"'])(
    'owner %s',
    (owner) => {
      const r = parse(file({ owner, review: '2027-01-01' }), { nowMs: NOW });
      expect(r.baseline).not.toBeNull();
      expect(r.issues.map((i) => [i.level, i.line, i.field])).toEqual([
        ['warning', 7, 'identities[0].owner'],
      ]);
      expect(r.issues[0]?.message).toMatch(/is a placeholder: name the team or person who answers for/);
    },
  );

  it('real owners are not placeholders', () => {
    for (const o of ['platform-security', 'todo-app-team', 'alice@example.com', 'tbd-squad']) {
      expect(isPlaceholder(o)).toBe(false);
    }
  });

  it('a placeholder purpose (as learn writes it) is a warning', () => {
    const r = parse(file({ purpose: '"TODO: describe (observed: OIDC)"', review: '2027-01-01' }), {
      nowMs: NOW,
    });
    expect(r.issues.map((i) => i.field)).toEqual(['identities[0].purpose']);
  });

  it('review_after in the past is a warning, counting the date as the whole day, only with a clock', () => {
    const past = parse(file({ review: '2026-09-01' }), { nowMs: NOW });
    expect(past.baseline).not.toBeNull();
    expect(past.issues.map(formatIssue)).toEqual([
      `b.yaml:11: warning: identities[0].review_after: review was due on 2026-09-01: review ${DEPLOY} and move the date forward`,
    ]);
    expect(
      parse(file({ review: '2026-09-30' }), { nowMs: Date.parse('2026-09-30T23:59:59Z') }).issues,
    ).toEqual([]);
    expect(parse(file({ review: '2020-01-01' })).issues).toEqual([]);
  });
});

describe('a YAML syntax error is reported once, at its line', () => {
  it('a bad indent is one error, not a cascade', () => {
    const text = file().replace('    owner: platform-security', '   owner: platform-security');
    const r = parse(text);
    expect(r.issues.map(formatIssue)).toEqual(['b.yaml:7: YAML: Sequence item without - indicator']);
  });

  it('an unclosed quote is reported where it opens, not at the end of the file', () => {
    const text = file({ owner: '"platform-security' });
    expect(lines(text)).toEqual(['b.yaml:7: YAML: Missing closing "quote']);
  });

  it('an unclosed quote with no quote after it is reported where it opens (the parser says end of file)', () => {
    const text = [
      'version: 1',
      'identities:',
      '  - arn: arn:aws:iam::111122223333:role/a',
      '    kind: ci',
      '    owner: "platform',
      '    purpose: x',
      '  - arn: arn:aws:iam::111122223333:role/b',
      '    kind: ci',
      '    owner: o',
      '    purpose: y',
      '',
    ].join('\n');
    expect(lines(text)).toEqual(['b.yaml:5: YAML: Missing closing "quote']);
  });

  it('a closed quote with an escaped quote inside is not mistaken for an open one', () => {
    expect(lines(file({ owner: '"say \\"hi\\""', purpose: '"unclosed' }))).toEqual([
      'b.yaml:8: YAML: Missing closing "quote',
    ]);
  });
});
