import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSubject, providerOfHost } from '../../shared/core/oidc/subject.js';

const GH = 'token.actions.githubusercontent.com';

describe('parseSubject: GitHub default', () => {
  it('parses a branch subject', () => {
    const c = parseSubject('repo:example-org/api:ref:refs/heads/main', GH);
    expect(c).toEqual({
      raw: 'repo:example-org/api:ref:refs/heads/main',
      format: 'github',
      pairs: [
        ['repo', 'example-org/api'],
        ['ref', 'refs/heads/main'],
      ],
      repository: 'example-org/api',
      owner: 'example-org',
      ref: 'refs/heads/main',
      refType: 'branch',
      pullRequest: false,
    });
  });

  it('parses tag, environment and pull_request subjects', () => {
    const tag = parseSubject('repo:example-org/api:ref:refs/tags/v1.2.3', GH);
    expect([tag.format, tag.ref, tag.refType, tag.pullRequest]).toEqual([
      'github',
      'refs/tags/v1.2.3',
      'tag',
      false,
    ]);

    const env = parseSubject('repo:example-org/api:environment:production', GH);
    expect([env.format, env.environment, env.refType, env.ref]).toEqual([
      'github',
      'production',
      'environment',
      undefined,
    ]);

    const pr = parseSubject('repo:example-org/api:pull_request', GH);
    expect(pr.format).toBe('github');
    expect(pr.pullRequest).toBe(true);
    expect(pr.refType).toBe('pull_request');
    expect(pr.pairs).toEqual([
      ['repo', 'example-org/api'],
      ['pull_request', ''],
    ]);
  });

  it('decodes %3A inside values to ":" and keeps the raw string', () => {
    const c = parseSubject('repo:example-org/api:environment:prod%3Aeu-west-1', GH);
    expect(c.environment).toBe('prod:eu-west-1');
    expect(c.raw).toBe('repo:example-org/api:environment:prod%3Aeu-west-1');
    expect(parseSubject('repo:o/r:ref:refs/heads/feat%3aa', GH).ref).toBe('refs/heads/feat:a');
  });

  it('recognises GitHub without the provider host', () => {
    expect(parseSubject('repo:example-org/api:ref:refs/heads/main').format).toBe('github');
    expect(parseSubject('repo:example-org/api:pull_request', null).pullRequest).toBe(true);
  });

  it('treats refs/pull/… as a pull-request context', () => {
    const c = parseSubject('repo:o/r:ref:refs/pull/42/merge', GH);
    expect([c.refType, c.pullRequest]).toEqual(['pull_request', true]);
  });
});

describe('parseSubject: GitHub immutable ids', () => {
  it('parses OWNER@ID/REPO@ID (documented form)', () => {
    const c = parseSubject('repo:octo-org@123456/octo-repo@456789:ref:refs/heads/main', GH);
    expect(c.format).toBe('github');
    expect(c.repository).toBe('octo-org/octo-repo');
    expect(c.owner).toBe('octo-org');
    expect(c.ownerId).toBe('123456');
    expect(c.repositoryId).toBe('456789');
    expect(c.ref).toBe('refs/heads/main');
  });

  it('parses the reported hyphen form OWNER-ID/REPO-ID', () => {
    const c = parseSubject('repo:octo-org-123456/octo-repo-456789:environment:prod', GH);
    expect([c.repository, c.owner, c.ownerId, c.repositoryId]).toEqual([
      'octo-org/octo-repo',
      'octo-org',
      '123456',
      '456789',
    ]);
  });

  it('keeps names that merely end in short numbers', () => {
    const c = parseSubject('repo:team-1/app-2025:ref:refs/heads/main', GH);
    expect([c.repository, c.owner, c.ownerId, c.repositoryId]).toEqual([
      'team-1/app-2025',
      'team-1',
      undefined,
      undefined,
    ]);
  });
});

describe('parseSubject: GitHub custom templates', () => {
  it('parses repo + context + job_workflow_ref', () => {
    const sub =
      'repo:example-org/api:environment:prod:job_workflow_ref:example-org/shared/.github/workflows/d.yml@refs/heads/main';
    const c = parseSubject(sub, GH);
    expect(c.format).toBe('github-custom');
    expect(c.pairs).toEqual([
      ['repo', 'example-org/api'],
      ['environment', 'prod'],
      ['job_workflow_ref', 'example-org/shared/.github/workflows/d.yml@refs/heads/main'],
    ]);
    expect(c.workflow).toBe('example-org/shared/.github/workflows/d.yml@refs/heads/main');
    expect(c.environment).toBe('prod');
    expect(c.repository).toBe('example-org/api');
  });

  it('keeps the bare pull_request context in the middle of a template', () => {
    const c = parseSubject(
      'repo:o/r:pull_request:job_workflow_ref:o/r/.github/workflows/ci.yml@refs/pull/7/merge',
      GH,
    );
    expect(c.pullRequest).toBe(true);
    expect(c.workflow).toBe('o/r/.github/workflows/ci.yml@refs/pull/7/merge');
  });

  it('parses id-only templates and sets ownerId / repositoryId', () => {
    const c = parseSubject('repository_owner_id:72338:repository_id:998877:ref:refs/heads/main', GH);
    expect(c.format).toBe('github-custom');
    expect([c.ownerId, c.repositoryId, c.ref, c.refType]).toEqual([
      '72338',
      '998877',
      'refs/heads/main',
      'branch',
    ]);
    expect(c.repository).toBeUndefined();
  });

  it('parses templates with owner names and values holding / @ .', () => {
    const c = parseSubject(
      'repository_owner:example-org:ref:refs/heads/main:workflow_ref:example-org/api/.github/workflows/a.b.yml@v1.2',
    );
    expect(c.format).toBe('github-custom');
    expect(c.owner).toBe('example-org');
    expect(c.pairs).toEqual([
      ['repository_owner', 'example-org'],
      ['ref', 'refs/heads/main'],
      ['workflow_ref', 'example-org/api/.github/workflows/a.b.yml@v1.2'],
    ]);
  });

  it('reads an explicit context: key holding the default context', () => {
    const ref = parseSubject(
      'repo:o/r:context:ref:refs/heads/main:job_workflow_ref:o/w/.github/workflows/x.yml@v1',
      GH,
    );
    expect(ref.pairs).toEqual([
      ['repo', 'o/r'],
      ['context', 'ref:refs/heads/main'],
      ['job_workflow_ref', 'o/w/.github/workflows/x.yml@v1'],
    ]);
    expect([ref.ref, ref.refType, ref.workflow]).toEqual([
      'refs/heads/main',
      'branch',
      'o/w/.github/workflows/x.yml@v1',
    ]);
    const env = parseSubject('repository_owner_id:1:context:environment:prod', GH);
    expect([env.environment, env.refType, env.ownerId]).toEqual(['prod', 'environment', '1']);
    expect(parseSubject('repo:o/r:context:pull_request', GH).pullRequest).toBe(true);
  });

  it('flags pull_request_target events', () => {
    const c = parseSubject('repo:o/r:event_name:pull_request_target:ref:refs/heads/main', GH);
    expect(c.pullRequest).toBe(true);
  });

  it('accepts unknown claim keys only when the host is GitHub', () => {
    expect(parseSubject('new_claim:x:repo:o/r', GH).format).toBe('github-custom');
    expect(parseSubject('new_claim:x:repo:o/r').format).toBe('unknown');
  });

  it('handles empty values (head_ref on push events)', () => {
    const c = parseSubject('repo:o/r:head_ref::ref:refs/heads/main', GH);
    expect(c.pairs).toEqual([
      ['repo', 'o/r'],
      ['head_ref', ''],
      ['ref', 'refs/heads/main'],
    ]);
  });
});

describe('parseSubject: other providers', () => {
  it('GitLab branch, tag and merge-request subjects', () => {
    const c = parseSubject('project_path:group/sub/proj:ref_type:branch:ref:main', 'gitlab.com');
    expect(c).toMatchObject({
      format: 'gitlab',
      repository: 'group/sub/proj',
      owner: 'group',
      ref: 'main',
      refType: 'branch',
      pullRequest: false,
    });
    expect(parseSubject('project_path:g/p:ref_type:tag:ref:v1').refType).toBe('tag');
    const mr = parseSubject('project_path:g/p:ref_type:mr:ref:feature', 'gitlab.example.internal');
    expect([mr.pullRequest, mr.refType]).toEqual([true, 'pull_request']);
    expect(parseSubject('project_path:g/p:ref_type:branch:ref:refs/merge-requests/12/head').pullRequest).toBe(
      true,
    );
  });

  it('HCP Terraform workspace subjects', () => {
    const c = parseSubject(
      'organization:acme:project:Default Project:workspace:prod-net:run_phase:apply',
      'app.terraform.io',
    );
    expect(c).toMatchObject({
      format: 'terraform-cloud',
      repository: 'acme/prod-net',
      owner: 'acme',
      ref: 'apply',
      refType: 'other',
      pullRequest: false,
    });
    expect(c.pairs).toContainEqual(['project', 'Default Project']);
    expect(parseSubject('organization:acme:project:p:workspace:w:run_phase:plan').ref).toBe('plan');
  });

  it('CircleCI with and without vcs-origin / vcs-ref', () => {
    const base = 'org/0e5b3c68-aaaa/project/11111111-bbbb/user/22222222-cccc';
    const short = parseSubject(base, 'oidc.circleci.com/org/0e5b3c68-aaaa');
    expect(short).toMatchObject({
      format: 'circleci',
      owner: '0e5b3c68-aaaa',
      ownerId: '0e5b3c68-aaaa',
      repositoryId: '11111111-bbbb',
      pullRequest: false,
    });
    const full = parseSubject(`${base}/vcs-origin/github.com/example-org/api/vcs-ref/refs/heads/main`);
    expect(full).toMatchObject({
      format: 'circleci',
      repository: 'example-org/api',
      ref: 'refs/heads/main',
      refType: 'branch',
    });
    expect(full.pairs).toContainEqual(['vcs-origin', 'github.com/example-org/api']);
  });

  it('Buildkite', () => {
    const c = parseSubject(
      'organization:acme:pipeline:deploy-api:ref:refs/heads/main:commit:0123abcd:step:deploy',
      'agent.buildkite.com',
    );
    expect(c).toMatchObject({
      format: 'buildkite',
      repository: 'acme/deploy-api',
      owner: 'acme',
      ref: 'refs/heads/main',
      refType: 'branch',
      pullRequest: false,
    });
    expect(c.pairs).toContainEqual(['step', 'deploy']);
    expect(
      parseSubject('organization:acme:pipeline:p:ref:refs/heads/x:commit:abc:step:').pairs,
    ).toContainEqual(['step', '']);
  });

  it('Bitbucket with and without environment', () => {
    const host = 'api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc';
    const two = parseSubject('{11111111-aaaa}:{33333333-cccc}', host);
    expect(two).toMatchObject({ format: 'bitbucket', repositoryId: '{11111111-aaaa}', owner: 'acme' });
    expect(two.environment).toBeUndefined();
    const three = parseSubject('{11111111-aaaa}:{22222222-bbbb}:{33333333-cccc}');
    expect(three.environment).toBe('{22222222-bbbb}');
    expect(three.pairs.map(([k]) => k)).toEqual(['repository_uuid', 'environment_uuid', 'step_uuid']);
  });

  it('EKS service accounts', () => {
    const c = parseSubject(
      'system:serviceaccount:payments:api-writer',
      'oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF',
    );
    expect(c).toMatchObject({
      format: 'eks',
      owner: 'payments',
      repository: 'payments/api-writer',
      pairs: [
        ['namespace', 'payments'],
        ['serviceaccount', 'api-writer'],
      ],
    });
  });

  it('unknown subjects keep only the raw string', () => {
    for (const sub of [
      '',
      'accounts.google.com|1234',
      '1234567890',
      'hello world',
      'system:serviceaccount:ns',
    ]) {
      expect(parseSubject(sub, 'accounts.google.com')).toEqual({
        raw: sub,
        format: 'unknown',
        pairs: [],
        pullRequest: false,
      });
    }
  });

  it('falls back to the shape when the host names another provider', () => {
    expect(parseSubject('system:serviceaccount:a:b', GH).format).toBe('eks');
  });
});

describe('providerOfHost', () => {
  it.each([
    ['token.actions.githubusercontent.com', 'github'],
    ['https://token.actions.githubusercontent.com/example-enterprise', 'github'],
    ['ghes.example.com/_services/token', 'github'],
    ['gitlab.com', 'gitlab'],
    ['app.terraform.io', 'terraform-cloud'],
    ['oidc.circleci.com/org/abc', 'circleci'],
    ['agent.buildkite.com', 'buildkite'],
    ['api.bitbucket.org/2.0/workspaces/w/pipelines-config/identity/oidc', 'bitbucket'],
    ['oidc.eks.us-east-1.amazonaws.com/id/ABC', 'eks'],
    ['accounts.google.com', null],
  ])('%s → %s', (host, provider) => {
    expect(providerOfHost(host)).toBe(provider);
  });
});

describe('parseSubject never throws', () => {
  const hosts = fc.constantFrom(
    undefined,
    null,
    '',
    GH,
    'gitlab.com',
    'app.terraform.io',
    'oidc.circleci.com/org/x',
    'agent.buildkite.com',
    'api.bitbucket.org/2.0/workspaces/w/x',
    'oidc.eks.us-east-1.amazonaws.com/id/X',
  );
  const piece = fc.constantFrom(
    'repo',
    'ref',
    'pull_request',
    'project_path',
    'organization',
    'workspace',
    'pipeline',
    'org/',
    '/project/',
    '/user/',
    '/vcs-origin/',
    '/vcs-ref/',
    '{',
    '}',
    ':',
    '%3A',
    '@',
    '-12345',
    'system:serviceaccount',
    '*',
    '\n',
    '\u0000',
  );
  const subject = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.array(piece, { maxLength: 30 }).map((p) => p.join('')),
  );

  it('returns claims with raw set for any string', () => {
    fc.assert(
      fc.property(subject, hosts, (sub, host) => {
        const c = parseSubject(sub, host);
        expect(c.raw).toBe(sub);
        expect(Array.isArray(c.pairs)).toBe(true);
        expect(typeof c.pullRequest).toBe('boolean');
      }),
      { numRuns: 1500 },
    );
  });

  it('survives non-string input from loosely typed callers', () => {
    expect(parseSubject(undefined as unknown as string).format).toBe('unknown');
    expect(parseSubject(42 as unknown as string, 42 as unknown as string).raw).toBe('42');
  });
});
