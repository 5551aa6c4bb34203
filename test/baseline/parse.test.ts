import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIssue, parseBaseline } from '../../shared/core/baseline/parse.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/baselines/${name}`, import.meta.url), 'utf8');
const parseFixture = (name: string, opts = {}) => parseBaseline(fixture(name), name, opts);
const errors = (r: ReturnType<typeof parseBaseline>) =>
  r.issues.filter((i) => i.level === 'error').map(formatIssue);
const warnings = (r: ReturnType<typeof parseBaseline>) =>
  r.issues.filter((i) => i.level === 'warning').map(formatIssue);

describe('parseBaseline: valid files', () => {
  it('reads the DESIGN.md example with no error', () => {
    const r = parseFixture('design-example.yaml');
    expect(errors(r)).toEqual([]);
    expect(r.baseline?.identities[0]).toEqual({
      arn: 'arn:aws:iam::111122223333:role/gha-deploy',
      kind: 'ci',
      owner: 'platform-security',
      purpose: 'deploy the api service to production',
      environment: 'production',
      team: 'platform',
      reviewAfter: '2026-09-01',
      oidc: [
        {
          provider: 'token.actions.githubusercontent.com',
          audience: 'sts.amazonaws.com',
          subjects: [
            'repo:example-org/api:ref:refs/heads/main',
            'repo:example-org/api:environment:production',
          ],
          workflows: ['example-org/api/.github/workflows/deploy.yml@refs/heads/main'],
          allowPullRequests: false,
        },
      ],
      callers: ['arn:aws:iam::111122223333:role/ci-runner'],
    });
    expect(r.baseline?.incidents).toEqual([
      {
        id: 'file:0',
        identity: 'arn:aws:iam::111122223333:role/break-glass',
        ticket: 'INC-1234',
        from: '2026-11-01T10:00:00Z',
        until: '2026-11-01T14:00:00Z',
        source: 'file',
      },
    ]);
    expect(r.baseline?.suppressions[0]?.expires).toBe('2027-01-31');
    // DESIGN's example routes defaults to a team it does not declare: a warning, not an error.
    expect(warnings(r)).toEqual([
      'design-example.yaml:6: warning: defaults.team: team "security" is not declared under teams: its alerts have no route in this file',
    ]);
  });

  it('reads every section of the full example', () => {
    const r = parseFixture('valid-full.yaml');
    expect(r.issues).toEqual([]);
    const b = r.baseline!;
    expect(Object.keys(b.accounts)).toEqual(['111122223333', '444455556666', '012345678901']);
    expect(b.teams.data).toEqual({ slack: 'https://hooks.slack.example/services/T000/B000/XXXX' });
    expect(b.defaults).toEqual({ team: 'security' });
    expect(b.identities.map((i) => i.kind)).toEqual(['ci', 'iac', 'break-glass', 'vendor']);
    expect(b.identities[1]?.oidc.map((o) => o.allowPullRequests)).toEqual([false, false]);
    expect(b.identities[2]).not.toHaveProperty('environment');
    expect(b.incidents[1]).toMatchObject({
      id: 'file:1',
      ticket: '5678',
      reason: 'certificate expiry',
      source: 'file',
    });
    expect(b.suppressions[1]).toEqual({
      rule: 'access-key-created',
      target: 'arn:aws:iam::444455556666:user/legacy-reporter',
      reason: 'vendor key rotation every 90 days',
      owner: 'data',
      expires: '2026-12-01T00:00:00Z',
    });
  });

  it('keeps dates as strings (no Date objects)', () => {
    const r = parseBaseline(
      'version: 1\nidentities:\n  - { arn: "arn:aws:iam::111122223333:user/a", kind: human, owner: o, purpose: p, review_after: 2026-01-02 }\n',
      'b.yaml',
    );
    expect(r.baseline?.identities[0]?.reviewAfter).toBe('2026-01-02');
    expect(typeof r.baseline?.identities[0]?.reviewAfter).toBe('string');
  });

  it('accepts a minimal file and fills defaults', () => {
    expect(parseBaseline('version: 1\n', 'min.yaml')).toEqual({
      baseline: {
        version: 1,
        accounts: {},
        teams: {},
        defaults: {},
        identities: [],
        suppressions: [],
        incidents: [],
      },
      issues: [],
    });
  });
});

describe('parseBaseline: errors name file, line and field', () => {
  it('typo "subject:" is an unknown key with a hint', () => {
    const r = parseFixture('typo-subject.yaml');
    expect(r.baseline).toBeNull();
    expect(errors(r)).toEqual([
      'typo-subject.yaml:14: identities[1].oidc[0].subjects: required',
      'typo-subject.yaml:15: identities[1].oidc[0].subject: unknown key (did you mean "subjects"?)',
      'typo-subject.yaml:16: identities[1].oidc[0].reviewAfter: unknown key (allowed: provider, audience, subjects, workflows, allow_pull_requests)',
    ]);
  });

  it('wrong kind', () => {
    expect(errors(parseFixture('wrong-kind.yaml'))).toEqual([
      'wrong-kind.yaml:4: identities[0].kind: must be one of human, workload, ci, iac, vendor, break-glass (got "robot")',
    ]);
  });

  it('bad dates and incident windows', () => {
    expect(errors(parseFixture('bad-date.yaml'))).toEqual([
      'bad-date.yaml:7: identities[0].review_after: must be a date YYYY-MM-DD (got "2026-02-30")',
      'bad-date.yaml:13: suppressions[0].expires: must be a date YYYY-MM-DD or an ISO time (got "next year")',
      'bad-date.yaml:18: incidents[0].until: must be after from (2026-11-01T14:00:00Z)',
      'bad-date.yaml:21: incidents[1].from: must be an ISO time with a zone, e.g. 2026-11-01T10:00:00Z (got "2026-11-01 10:00")',
    ]);
  });

  it('team must reference teams', () => {
    expect(errors(parseFixture('unknown-team.yaml'))).toEqual([
      'unknown-team.yaml:10: identities[0].team: unknown team "platfrom" (did you mean "platform"?)',
      'unknown-team.yaml:15: identities[1].team: unknown team "data-eng" (declared: platform, security)',
    ]);
  });

  it('duplicate identity ARNs (a path does not make another role)', () => {
    expect(errors(parseFixture('duplicate-arn.yaml'))).toEqual([
      'duplicate-arn.yaml:11: identities[2].arn: duplicate identity: arn:aws:iam::111122223333:role/deploy/gha-deploy is already declared at identities[0] (line 3)',
    ]);
  });

  it.each([
    ['version: 2\n', 'b.yaml:1: version: must be 1 (got 2)'],
    ['identities: []\n', 'b.yaml:1: version: required'],
    ['version: 1\nidentity: []\n', 'b.yaml:2: identity: unknown key (did you mean "identities"?)'],
    [
      'version: 1\nteams:\n  t: { slak: "env:X" }\n',
      'b.yaml:3: teams.t.slak: unknown key (did you mean "slack"?)',
    ],
    [
      'version: 1\nteams:\n  t: { slack: "http://x" }\n',
      'b.yaml:3: teams.t.slack: must be "ssm:/PATH", "secret:NAME", "env:VAR" or an https:// URL',
    ],
    [
      'version: 1\naccounts:\n  "1234": { name: x }\n',
      'b.yaml:3: accounts.1234: account id must be 12 digits',
    ],
    ['version: 1\n- a\n', 'b.yaml:2: YAML: Implicit keys need to be on a single line'],
    ['[1, 2]\n', 'b.yaml:1: the baseline must be a mapping with version, identities, …'],
    ['', 'b.yaml:1: the baseline is empty: expected a mapping starting with "version: 1"'],
    ['version: 1\nversion: 1\n', 'b.yaml:2: YAML: Map keys must be unique'],
  ])('%j → %s', (text, message) => {
    const r = parseBaseline(text, 'b.yaml');
    expect(r.baseline).toBeNull();
    expect(errors(r)[0]).toBe(message);
  });

  it.each([
    ['arn:aws:iam::111122223333:role/x*', 'wildcards are allowed only in the account field'],
    ['arn:aws:iam::11112222333:role/x', 'the account field must be 12 digits or *'],
    ['arn:aws:iam::111122223333:group/x', 'only role/… and user/… identities can be baselined (got "group")'],
    ['arn:aws:s3:::bucket', 'must be an IAM ARN like arn:aws:iam::111122223333:role/NAME or …:user/NAME'],
    ['arn:aws:iam::111122223333:role/', '"" is not a valid IAM role name or path/name'],
    ['arn:awz:iam::111122223333:role/x', 'unknown partition "awz" (expected aws, aws-cn, aws-us-gov…)'],
  ])('identity arn %s is rejected', (arn, message) => {
    const r = parseBaseline(
      `version: 1\nidentities:\n  - arn: "${arn}"\n    kind: ci\n    owner: o\n    purpose: p\n`,
      'b.yaml',
    );
    expect(errors(r)).toEqual([`b.yaml:3: identities[0].arn: ${message}`]);
  });

  it('accepts partitions, paths and users', () => {
    for (const arn of [
      'arn:aws-cn:iam::111122223333:role/x',
      'arn:aws-us-gov:iam::*:user/ops/alice@example.com',
      'arn:aws:iam::111122223333:role/service-role/a+b=c,d.e_f-g',
    ]) {
      const r = parseBaseline(
        `version: 1\nidentities:\n  - { arn: "${arn}", kind: human, owner: o, purpose: p }\n`,
        'b.yaml',
      );
      expect(r.issues).toEqual([]);
    }
  });

  it('rejects YAML 1.1 booleans and wrong types with a clear message', () => {
    const text = [
      'version: 1',
      'identities:',
      '  - arn: arn:aws:iam::111122223333:role/r',
      '    kind: ci',
      '    owner: o',
      '    purpose: p',
      '    oidc:',
      '      - provider: https://token.actions.githubusercontent.com',
      '        subjects: []',
      '        allow_pull_requests: yes',
      '    callers: arn:aws:iam::111122223333:role/x',
    ].join('\n');
    expect(errors(parseBaseline(text, 'b.yaml'))).toEqual([
      'b.yaml:8: identities[0].oidc[0].provider: write the host part of the provider ARN, without the scheme (e.g. "token.actions.githubusercontent.com")',
      'b.yaml:9: identities[0].oidc[0].subjects: must list at least one entry',
      'b.yaml:10: identities[0].oidc[0].allow_pull_requests: expected a boolean, got a string ("yes")',
      'b.yaml:11: identities[0].callers: expected a list, got a string ("arn:aws:iam::111122223333:role/x")',
    ]);
  });

  it('reports every problem at once, sorted by line', () => {
    const text =
      'version: 3\nidentities:\n  - arn: nope\n    kind: ci\n    owner: o\n    purpose: p\n    extra: 1\n';
    expect(errors(parseBaseline(text, 'b.yaml'))).toEqual([
      'b.yaml:1: version: must be 1 (got 3)',
      'b.yaml:3: identities[0].arn: must be an IAM ARN like arn:aws:iam::111122223333:role/NAME or …:user/NAME',
      'b.yaml:7: identities[0].extra: unknown key (allowed: arn, kind, owner, purpose, environment, team, review_after, oidc, callers, passed_by, passed_to)',
    ]);
  });

  it('treats a key named __proto__ as data', () => {
    const r = parseBaseline('version: 1\n__proto__: { polluted: true }\n', 'b.yaml');
    expect(errors(r)).toEqual(['b.yaml:2: __proto__: unknown key (did you mean "protected_rules"?)']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('stops alias bombs', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i += 1)
      lines.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      );
    const r = parseBaseline(`version: 1\n${lines.join('\n')}\n`, 'b.yaml');
    expect(r.baseline).toBeNull();
    expect(r.issues.length).toBeGreaterThan(0);
  });
});

describe('formatIssue', () => {
  it('formats with and without line and field', () => {
    expect(
      formatIssue({ file: 'b.yaml', line: 3, field: 'identities[0].kind', message: 'bad', level: 'error' }),
    ).toBe('b.yaml:3: identities[0].kind: bad');
    expect(
      formatIssue({
        file: 'b.yaml',
        line: null,
        field: '',
        message: 'is not valid UTF-8 text',
        level: 'error',
      }),
    ).toBe('b.yaml: is not valid UTF-8 text');
    expect(
      formatIssue({ file: 'b.yaml', line: 1, field: 'defaults.team', message: 'x', level: 'warning' }),
    ).toBe('b.yaml:1: warning: defaults.team: x');
  });
});

describe('parseBaseline never throws', () => {
  const yamlish = fc.array(
    fc.constantFrom(
      'version: 1\n',
      'identities:\n',
      '  - arn: arn:aws:iam::111122223333:role/x\n',
      '    kind: ci\n',
      '    oidc:\n',
      '      - provider: p\n',
      '        subjects: ["*"]\n',
      '&a ',
      '*a\n',
      '- ',
      '{',
      '}',
      '[',
      ']',
      ': ',
      '"',
      "'",
      '\t',
      '\n',
      '? ',
      '!!binary ',
      '---\n',
      '%YAML 1.1\n',
      '<<: *a\n',
      '__proto__: 1\n',
      '012345678901: x\n',
      '2026-02-30',
    ),
    { maxLength: 40 },
  );

  it('returns issues instead of throwing, and a baseline only without errors', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          yamlish.map((p) => p.join('')),
        ),
        (text) => {
          const r = parseBaseline(text, 'fuzz.yaml');
          expect(Array.isArray(r.issues)).toBe(true);
          expect(r.baseline === null).toBe(r.issues.some((i) => i.level === 'error'));
          for (const i of r.issues)
            expect(i.line === null || (Number.isInteger(i.line) && i.line >= 1)).toBe(true);
        },
      ),
      { numRuns: 600 },
    );
  });
});

describe('parseBaseline: defaults.sign_in', () => {
  const text = (signIn: string) =>
    `version: 1\ndefaults:\n  team: security\n  sign_in: ${signIn}\nteams:\n  security: {}\nidentities: []\n`;

  it('reads iam_users: false into defaults.signIn', () => {
    const r = parseBaseline(text('{ iam_users: false }'), 'b.yaml');
    expect(errors(r)).toEqual([]);
    expect(r.baseline?.defaults).toEqual({ team: 'security', signIn: { iamUsers: false } });
  });

  it('leaves defaults.signIn unset when the block is empty', () => {
    const r = parseBaseline(text('{}'), 'b.yaml');
    expect(errors(r)).toEqual([]);
    expect(r.baseline?.defaults).toEqual({ team: 'security' });
  });

  it('a typo under sign_in is an unknown key with a hint, not a silent default', () => {
    const r = parseBaseline(text('{ iam_user: false }'), 'b.yaml');
    expect(r.baseline).toBeNull();
    expect(errors(r)).toEqual([
      'b.yaml:4: defaults.sign_in.iam_user: unknown key (did you mean "iam_users"?)',
    ]);
  });

  it('iam_users must be a boolean', () => {
    expect(errors(parseBaseline(text('{ iam_users: "no" }'), 'b.yaml'))).toHaveLength(1);
  });
});
