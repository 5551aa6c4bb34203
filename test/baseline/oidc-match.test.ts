import { describe, expect, it } from 'vitest';
import { matchCaller, matchOidc } from '../../shared/core/baseline/oidc-match.js';
import type { OidcTrust } from '../../shared/core/baseline/types.js';
import { parseSubject } from '../../shared/core/oidc/subject.js';

const GH = 'token.actions.githubusercontent.com';
const deploy: OidcTrust = {
  provider: GH,
  audience: 'sts.amazonaws.com',
  subjects: ['repo:example-org/api:ref:refs/heads/main', 'repo:example-org/api:environment:production'],
  workflows: ['example-org/api/.github/workflows/deploy.yml@refs/heads/main'],
  allowPullRequests: false,
};
const role = 'arn:aws:iam::111122223333:role/gha-deploy';
const event = (subject: string | null, over: { provider?: string | null; audience?: string | null } = {}) => {
  const provider = over.provider === undefined ? GH : over.provider;
  return {
    provider,
    audience: over.audience === undefined ? 'sts.amazonaws.com' : over.audience,
    subject,
    claims: subject === null ? null : parseSubject(subject, provider),
  };
};

describe('matchOidc', () => {
  it('allows a listed subject', () => {
    expect(
      matchOidc([deploy], event('repo:example-org/api:ref:refs/heads/main'), { identity: role }),
    ).toEqual({
      allowed: true,
      providerAllowed: true,
      audienceAllowed: true,
      subjectAllowed: true,
      workflowAllowed: null,
      pullRequestBlocked: false,
      reasons: [],
    });
  });

  it('provider mismatch', () => {
    const v = matchOidc(
      [deploy],
      event('repo:example-org/api:ref:refs/heads/main', { provider: 'gitlab.com' }),
      {
        identity: role,
      },
    );
    expect(v).toMatchObject({
      allowed: false,
      providerAllowed: false,
      audienceAllowed: false,
      subjectAllowed: false,
    });
    expect(v.reasons).toEqual([`provider gitlab.com is not trusted for gha-deploy (trusted: ${GH})`]);
  });

  it('compares providers case-insensitively and ignores a scheme', () => {
    const v = matchOidc(
      [deploy],
      event('repo:example-org/api:ref:refs/heads/main', {
        provider: `https://Token.Actions.GitHubUserContent.com/`,
      }),
    );
    expect(v.allowed).toBe(true);
  });

  it('audience mismatch', () => {
    const v = matchOidc(
      [deploy],
      event('repo:example-org/api:ref:refs/heads/main', { audience: 'api://other' }),
      {
        identity: role,
      },
    );
    expect(v).toMatchObject({ allowed: false, providerAllowed: true, audienceAllowed: false });
    expect(v.reasons).toEqual([
      'audience api://other is not allowed for gha-deploy (allowed: sts.amazonaws.com)',
    ]);
    // an entry without audience accepts any
    const { audience: _, ...noAudience } = deploy;
    expect(
      matchOidc([noAudience], event('repo:example-org/api:ref:refs/heads/main', { audience: 'x' })).allowed,
    ).toBe(true);
  });

  it('subject mismatch', () => {
    const v = matchOidc([deploy], event('repo:example-org/web:ref:refs/heads/main'), { identity: role });
    expect(v).toMatchObject({
      allowed: false,
      audienceAllowed: true,
      subjectAllowed: false,
      pullRequestBlocked: false,
    });
    expect(v.reasons).toEqual([
      'subject repo:example-org/web:ref:refs/heads/main is not in the 2 subjects allowed for gha-deploy',
    ]);
  });

  it('workflow mismatch and match when the subject carries job_workflow_ref', () => {
    const trust: OidcTrust = {
      ...deploy,
      subjects: ['repo:example-org/api:environment:production:job_workflow_ref:**'],
    };
    const bad = matchOidc(
      [trust],
      event(
        'repo:example-org/api:environment:production:job_workflow_ref:example-org/api/.github/workflows/evil.yml@refs/heads/x',
      ),
      { identity: role },
    );
    expect(bad).toMatchObject({ allowed: false, subjectAllowed: true, workflowAllowed: false });
    expect(bad.reasons).toEqual([
      'workflow example-org/api/.github/workflows/evil.yml@refs/heads/x is not in the 1 workflow allowed for gha-deploy',
    ]);
    const good = matchOidc(
      [trust],
      event(
        'repo:example-org/api:environment:production:job_workflow_ref:example-org/api/.github/workflows/deploy.yml@refs/heads/main',
      ),
    );
    expect(good).toMatchObject({ allowed: true, workflowAllowed: true });
    // no workflows listed → not checked
    const { workflows: _, ...noWorkflows } = trust;
    expect(
      matchOidc(
        [noWorkflows],
        event('repo:example-org/api:environment:production:job_workflow_ref:x/y/.github/workflows/z.yml@v1'),
      ),
    ).toMatchObject({ allowed: true, workflowAllowed: null });
  });

  it('blocks pull-request contexts unless a matching trust allows them', () => {
    const blocked = matchOidc([deploy], event('repo:x/y:pull_request'), { identity: role });
    expect(blocked).toMatchObject({ allowed: false, subjectAllowed: false, pullRequestBlocked: true });
    expect(blocked.reasons).toEqual([
      'subject repo:x/y:pull_request is not in the 2 subjects allowed for gha-deploy',
      'subject repo:x/y:pull_request is a pull-request context and gha-deploy does not allow pull requests',
    ]);

    const listedButNotAllowed = { ...deploy, subjects: ['repo:example-org/api:pull_request'] };
    expect(matchOidc([listedButNotAllowed], event('repo:example-org/api:pull_request'))).toMatchObject({
      allowed: false,
      subjectAllowed: true,
      pullRequestBlocked: true,
    });

    const allowed = { ...listedButNotAllowed, allowPullRequests: true };
    expect(matchOidc([allowed], event('repo:example-org/api:pull_request'))).toMatchObject({
      allowed: true,
      pullRequestBlocked: false,
    });
    // GitLab merge requests
    const gl: OidcTrust = {
      provider: 'gitlab.com',
      subjects: ['project_path:g/p:**'],
      allowPullRequests: false,
    };
    expect(
      matchOidc(
        [gl],
        event('project_path:g/p:ref_type:mr:ref:feature', { provider: 'gitlab.com', audience: null }),
      ).pullRequestBlocked,
    ).toBe(true);
  });

  it('picks the entry that matches among several', () => {
    const other: OidcTrust = {
      provider: 'app.terraform.io',
      subjects: ['organization:acme:**'],
      allowPullRequests: false,
    };
    expect(matchOidc([other, deploy], event('repo:example-org/api:environment:production')).allowed).toBe(
      true,
    );
    expect(
      matchOidc(
        [other, deploy],
        event('organization:acme:project:p:workspace:w:run_phase:apply', {
          provider: 'app.terraform.io',
          audience: 'aws.workload.identity',
        }),
      ).allowed,
    ).toBe(true);
  });

  it('explains missing trust, missing subject, immutable ids; parses claims when not given', () => {
    expect(matchOidc([], event('repo:a/b:ref:refs/heads/main'), { identity: role }).reasons).toEqual([
      'gha-deploy declares no OIDC trust',
    ]);
    expect(matchOidc([deploy], event(null)).reasons).toEqual([
      'the token subject is not recorded; this role allows 2 subjects',
    ]);
    const ids = matchOidc([deploy], event('repo:example-org@123/api@456:ref:refs/heads/main'), {
      identity: role,
    });
    expect(ids.reasons).toEqual([
      'subject repo:example-org@123/api@456:ref:refs/heads/main is not in the 2 subjects allowed for gha-deploy',
      'the subject carries immutable owner/repository ids; the baseline lists only the name form repo:example-org/api:ref:refs/heads/main',
    ]);
    const pr = matchOidc([deploy], {
      provider: GH,
      audience: 'sts.amazonaws.com',
      subject: 'repo:x/y:pull_request',
      claims: null,
    });
    expect(pr.pullRequestBlocked).toBe(true);
  });

  it('keeps attacker text on one line', () => {
    const v = matchOidc([deploy], event('repo:x/y:ref:refs/heads/a\nFAKE LOG LINE'), { identity: role });
    expect(v.reasons[0]).toBe(
      'subject repo:x/y:ref:refs/heads/a\\u000aFAKE LOG LINE is not in the 2 subjects allowed for gha-deploy',
    );
  });
});

describe('matchCaller', () => {
  it.each([
    [['arn:aws:iam::111122223333:role/ci-runner'], 'arn:aws:iam::111122223333:role/ci-runner', true],
    [['arn:aws:iam::111122223333:role/ci-runner'], 'arn:aws:iam::111122223333:role/other', false],
    [['arn:aws:iam::111122223333:role/ci-runner'], 'arn:aws:iam::444455556666:role/ci-runner', false],
    [
      ['arn:aws:iam::111122223333:role/ci-runner'],
      'arn:aws:sts::111122223333:assumed-role/ci-runner/i-0abc',
      true,
    ],
    [['arn:aws:iam::111122223333:role/ci-runner'], 'arn:aws:iam::111122223333:role/runners/ci-runner', true],
    [['arn:aws:iam::*:role/ci-*'], 'arn:aws:iam::444455556666:role/ci-runner', true],
    [['arn:aws:iam::111122223333:*'], 'arn:aws:iam::111122223333:user/alice', true],
    [['arn:aws:iam::111122223333:*'], '111122223333', true],
    [['111122223333'], '111122223333', true],
    [['arn:aws:iam::111122223333:root'], '111122223333', true],
    [['arn:aws:iam::111122223333:role/ci-runner'], '111122223333', false],
    [['arn:aws:iam::444455556666:*'], '111122223333', false],
    [['arn:aws:iam::*:**'], '444455556666', true],
    [[], 'arn:aws:iam::111122223333:role/ci-runner', false],
    [['*'], '', false],
  ])('%j ∋ %s → %s', (patterns, caller, expected) => {
    expect(matchCaller(patterns, caller)).toBe(expected);
  });
});
