/**
 * OIDC `sub` parsers, one per CI provider of DESIGN.md ("Subject formats").
 *
 * Subjects are attacker-controlled text: the parsers only split and classify, never
 * evaluate, and never throw. Anything that does not fit a known shape comes back as
 * `format: 'unknown'` with the raw string, which still matches baseline patterns.
 */
import { BoundedMemo } from '../memo.js';
import type { SubjectClaims, SubjectFormat } from './types.js';

type Provider = Exclude<SubjectFormat, 'github-custom' | 'unknown'>;
type Parser = (sub: string, host: string | null) => SubjectClaims | null;

/** Claim keys are alphanumerics and underscores (GitHub's rule; the other providers' keys fit it too). */
const KEY = /^[A-Za-z0-9_]+$/;
const BITBUCKET = /^(\{[^{}:]*\})(?::(\{[^{}:]*\}))?:(\{[^{}:]*\})$/;
const CIRCLECI =
  /^org\/([^/]+)\/project\/([^/]+)\/user\/([^/]+)(?:\/vcs-origin\/(.+?))?(?:\/vcs-ref\/(.+))?$/;
/** GitHub immutable ids: `OWNER@OWNER_ID/REPO@REPO_ID` (documented) … */
const GITHUB_IDS_AT = /^([^/@]+)@(\d+)\/([^/@]+)@(\d+)$/;
/** … and the reported hyphen form `OWNER-OWNER_ID/REPO-REPO_ID`; 5+ digits so `team-1/app-2025` stays a name. */
const GITHUB_IDS_HYPHEN = /^([^/]+)-(\d{5,})\/([^/]+)-(\d{5,})$/;

/** The GitHub subject shapes GitHub emits without a custom template. */
const GITHUB_DEFAULT_KEYS = new Set(['repo,ref', 'repo,environment', 'repo,pull_request']);

/** Claim keys GitHub can put in a custom subject template (used to recognise templates not starting with `repo`). */
const GITHUB_CLAIM_KEYS = new Set([
  'repo',
  'context',
  'actor',
  'actor_id',
  'base_ref',
  'check_run_id',
  'enterprise',
  'enterprise_id',
  'environment',
  'environment_node_id',
  'event_name',
  'head_ref',
  'job_workflow_ref',
  'job_workflow_sha',
  'ref',
  'ref_protected',
  'ref_type',
  'repository',
  'repository_id',
  'repository_owner',
  'repository_owner_id',
  'repository_visibility',
  'run_attempt',
  'run_id',
  'run_number',
  'runner_environment',
  'workflow',
  'workflow_ref',
  'workflow_sha',
]);

/**
 * Parse an OIDC token subject into claims.
 *
 * @param sub - the raw `sub` claim (CloudTrail `userIdentity.userName` or `subjectFromWebIdentityToken`).
 * @param providerHost - host part of the provider ARN (e.g. `token.actions.githubusercontent.com`); when it
 *   names a known provider its parser is tried first, otherwise the subject's shape decides.
 * @returns claims with `raw` always set; `format: 'unknown'` and no pairs when nothing fits. Never throws.
 *   Frozen, and shared with other callers: CI tokens repeat a few subjects endlessly, so each (provider,
 *   subject) is parsed once (bounded memos; replay reads a subject several times per record).
 */
export function parseSubject(sub: string, providerHost?: string | null): SubjectClaims {
  const raw = typeof sub === 'string' ? sub : String(sub);
  // By provider as given (none: null and undefined, which normaliseHost treats alike), then by subject: no
  // key is built per call, and no text can make two pairs one key.
  const byProvider =
    typeof providerHost === 'string' ? parsedByProvider.get(providerHost, newMemo) : parsedWithoutProvider;
  return byProvider.get(raw, () => frozenClaims(parseSubjectUncached(raw, providerHost)));
}

// At most 32 providers × 256 subjects of up to 1,024 characters: untrusted text cannot grow it further.
const newMemo = () => new BoundedMemo<SubjectClaims>(256, 1024);
const parsedByProvider = new BoundedMemo<BoundedMemo<SubjectClaims>>(32, 512);
const parsedWithoutProvider = newMemo();

function frozenClaims(c: SubjectClaims): SubjectClaims {
  for (const pair of c.pairs) Object.freeze(pair);
  Object.freeze(c.pairs);
  return Object.freeze(c);
}

/** {@link parseSubject} without the memo (new, mutable claims each call). */
export function parseSubjectUncached(raw: string, providerHost?: string | null): SubjectClaims {
  try {
    const host = normaliseHost(providerHost);
    const hinted = host === null ? null : providerOfHost(host);
    if (hinted !== null) {
      const claims = PARSERS[hinted](raw, host);
      if (claims !== null) return claims;
    }
    for (const provider of SHAPE_ORDER) {
      if (provider === hinted) continue;
      const claims = PARSERS[provider](raw, host);
      if (claims !== null) return claims;
    }
    if (hinted === 'github') {
      // A template whose first claim key is newer than our list.
      const claims = githubClaims(raw, true);
      if (claims !== null) return claims;
    }
  } catch {
    // Defensive: a parser bug must never turn attacker text into an exception.
  }
  return unknown(raw);
}

/** The provider a provider-ARN host part designates, or null when the host says nothing. */
export function providerOfHost(host: string): Provider | null {
  const h = normaliseHost(host);
  if (h === null) return null;
  if (h.startsWith('token.actions.githubusercontent.com') || h.includes('/_services/token')) return 'github';
  if (h.startsWith('oidc.eks.')) return 'eks';
  if (h.startsWith('oidc.circleci.com')) return 'circleci';
  if (h.startsWith('agent.buildkite.com')) return 'buildkite';
  if (h.startsWith('api.bitbucket.org') || h.includes('bitbucket')) return 'bitbucket';
  if (h.startsWith('app.terraform.io') || h.includes('terraform')) return 'terraform-cloud';
  if (h.includes('gitlab')) return 'gitlab';
  return null;
}

/**
 * An OIDC provider host as compared: trimmed, lower-cased, without scheme or trailing slash; null when
 * empty or not a string.
 */
export function normaliseHost(host: string | null | undefined): string | null {
  if (typeof host !== 'string') return null;
  // Once per provider: an OIDC assumption compares its provider with every trust entry's.
  return normalisedHosts.get(host, normaliseHostUncached);
}

const normalisedHosts = new BoundedMemo<string | null>(1024);

function normaliseHostUncached(host: string): string | null {
  const h = host
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/\/+$/, '')
    .toLowerCase();
  return h === '' ? null : h;
}

function unknown(raw: string): SubjectClaims {
  return { raw, format: 'unknown', pairs: [], pullRequest: false };
}

/** `%3A` is how providers escape `:` inside a value. */
function decode(value: string): string {
  return value.replace(/%3A/gi, ':');
}

/**
 * Split `k1:v1:k2:v2…` into pairs. `bareKeys` are keys that carry no value (GitHub `pull_request`).
 * Returns null when a key is not a claim key; a trailing key without value gets ''.
 */
function splitPairs(
  sub: string,
  bareKeys: ReadonlySet<string> = NO_BARE_KEYS,
): Array<[string, string]> | null {
  const tokens = sub.split(':');
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < tokens.length; ) {
    const key = tokens[i] ?? '';
    if (!KEY.test(key)) return null;
    if (bareKeys.has(key)) {
      pairs.push([key, '']);
      i += 1;
      continue;
    }
    if (key === 'context' && bareKeys === GITHUB_BARE_KEYS) {
      // A `context:` prefix followed by the default context (`ref:R`, `environment:E`, `pull_request`).
      const kind = tokens[i + 1] ?? '';
      if (kind === 'pull_request') {
        pairs.push([key, kind]);
        i += 2;
        continue;
      }
      if (kind === 'ref' || kind === 'environment') {
        pairs.push([key, `${kind}:${decode(tokens[i + 2] ?? '')}`]);
        i += 3;
        continue;
      }
    }
    pairs.push([key, decode(tokens[i + 1] ?? '')]);
    i += 2;
  }
  return pairs;
}

const NO_BARE_KEYS: ReadonlySet<string> = new Set();
const GITHUB_BARE_KEYS: ReadonlySet<string> = new Set(['pull_request']);

function get(pairs: ReadonlyArray<[string, string]>, key: string): string | undefined {
  for (const [k, v] of pairs) if (k === key) return v;
  return undefined;
}

function has(pairs: ReadonlyArray<[string, string]>, key: string): boolean {
  return pairs.some(([k]) => k === key);
}

function firstSegment(path: string): string | undefined {
  const seg = path.split('/')[0];
  return seg === undefined || seg === '' ? undefined : seg;
}

/** Classify a git ref; pull/merge-request refs make the context a pull request. */
function classifyRef(ref: string | undefined): { refType?: SubjectClaims['refType']; pullRequest: boolean } {
  if (ref === undefined || ref === '') return { pullRequest: false };
  if (ref.startsWith('refs/heads/')) return { refType: 'branch', pullRequest: false };
  if (ref.startsWith('refs/tags/')) return { refType: 'tag', pullRequest: false };
  if (ref.startsWith('refs/pull/') || ref.startsWith('refs/merge-requests/')) {
    return { refType: 'pull_request', pullRequest: true };
  }
  return { refType: 'other', pullRequest: false };
}

/** Drop undefined members so claims compare cleanly and serialise without holes. */
function claims(c: SubjectClaims): SubjectClaims {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) if (v !== undefined) out[k] = v;
  return out as unknown as SubjectClaims;
}

/** `OWNER/REPO`, `OWNER@ID/REPO@ID` or `OWNER-ID/REPO-ID` (ids only with 5+ digits). */
export function splitGithubRepo(value: string): {
  repository: string;
  owner?: string;
  ownerId?: string;
  repositoryId?: string;
} {
  const at = GITHUB_IDS_AT.exec(value) ?? GITHUB_IDS_HYPHEN.exec(value);
  if (at !== null) {
    const [, owner = '', ownerId, repo = '', repositoryId] = at;
    return { repository: `${owner}/${repo}`, owner, ownerId, repositoryId };
  }
  return { repository: value, owner: value.includes('/') ? firstSegment(value) : undefined };
}

const parseGithub: Parser = (sub) => githubClaims(sub, false);

/**
 * GitHub default or custom-template subject. Only a template starting with a known claim key is taken
 * for GitHub, unless `anyKey` (the token came from GitHub and no other shape fits).
 */
function githubClaims(sub: string, anyKey: boolean): SubjectClaims | null {
  const pairs = splitPairs(sub, GITHUB_BARE_KEYS);
  if (pairs === null || pairs.length === 0) return null;
  if (!pairs.some(([k, v]) => v !== '' || k === 'pull_request')) return null;
  const keys = pairs.map(([k]) => k);
  const first = keys[0] ?? '';
  if (!anyKey && !GITHUB_CLAIM_KEYS.has(first)) return null;
  const isDefault = GITHUB_DEFAULT_KEYS.has(keys.join(','));

  const repoValue = get(pairs, 'repo') ?? get(pairs, 'repository');
  const repo = repoValue === undefined || repoValue === '' ? undefined : splitGithubRepo(repoValue);
  const context = get(pairs, 'context') ?? '';
  const ref = get(pairs, 'ref') || (context.startsWith('ref:') ? context.slice(4) : '') || undefined;
  const environment =
    get(pairs, 'environment') || (context.startsWith('environment:') ? context.slice(12) : '') || undefined;
  const refTypeClaim = get(pairs, 'ref_type');
  const eventName = get(pairs, 'event_name') ?? '';
  const fromRef = classifyRef(ref);
  const prContext = has(pairs, 'pull_request') || context === 'pull_request';
  const pullRequest = prContext || eventName.startsWith('pull_request') || fromRef.pullRequest;

  let refType: SubjectClaims['refType'];
  if (prContext || fromRef.pullRequest) refType = 'pull_request';
  else if (ref !== undefined) refType = fromRef.refType;
  else if (environment !== undefined) refType = 'environment';
  else if (refTypeClaim === 'branch' || refTypeClaim === 'tag') refType = refTypeClaim;

  return claims({
    raw: sub,
    format: isDefault ? 'github' : 'github-custom',
    pairs,
    repository: repo?.repository,
    owner: repo?.owner ?? (get(pairs, 'repository_owner') || undefined),
    ownerId: repo?.ownerId ?? (get(pairs, 'repository_owner_id') || undefined),
    repositoryId: repo?.repositoryId ?? (get(pairs, 'repository_id') || undefined),
    ref,
    refType,
    environment,
    workflow: get(pairs, 'job_workflow_ref') || undefined,
    pullRequest,
  });
}

const parseGitlab: Parser = (sub) => {
  const pairs = splitPairs(sub);
  if (pairs === null || pairs[0]?.[0] !== 'project_path') return null;
  const path = pairs[0][1];
  const ref = get(pairs, 'ref') || undefined;
  const refTypeClaim = get(pairs, 'ref_type');
  const mr =
    refTypeClaim === 'mr' || refTypeClaim === 'merge_request' || !!ref?.startsWith('refs/merge-requests/');
  let refType: SubjectClaims['refType'];
  if (mr) refType = 'pull_request';
  else if (refTypeClaim === 'branch' || refTypeClaim === 'tag') refType = refTypeClaim;
  else if (refTypeClaim !== undefined || ref !== undefined) refType = 'other';
  return claims({
    raw: sub,
    format: 'gitlab',
    pairs,
    repository: path || undefined,
    owner: firstSegment(path),
    ref,
    refType,
    environment: get(pairs, 'environment') || undefined,
    pullRequest: mr,
  });
};

const parseTerraform: Parser = (sub) => {
  const pairs = splitPairs(sub);
  if (pairs === null || pairs[0]?.[0] !== 'organization') return null;
  // Workspaces (`workspace`, `run_phase`) and Stacks (`stack`, `deployment`, `operation`).
  const unit = get(pairs, 'workspace') ?? get(pairs, 'stack');
  if (unit === undefined || has(pairs, 'pipeline')) return null;
  const org = pairs[0][1];
  const phase = get(pairs, 'run_phase') ?? get(pairs, 'operation');
  return claims({
    raw: sub,
    format: 'terraform-cloud',
    pairs,
    repository: `${org}/${unit}`,
    owner: org || undefined,
    ref: phase || undefined,
    refType: phase ? 'other' : undefined,
    environment: get(pairs, 'deployment') || undefined,
    pullRequest: false,
  });
};

const parseBuildkite: Parser = (sub) => {
  const pairs = splitPairs(sub);
  if (pairs === null || pairs[0]?.[0] !== 'organization' || !has(pairs, 'pipeline')) return null;
  const org = pairs[0][1];
  const ref = get(pairs, 'ref') || undefined;
  const fromRef = classifyRef(ref);
  return claims({
    raw: sub,
    format: 'buildkite',
    pairs,
    repository: `${org}/${get(pairs, 'pipeline') ?? ''}`,
    owner: org || undefined,
    ref,
    refType: fromRef.refType,
    pullRequest: fromRef.pullRequest,
  });
};

const parseCircleci: Parser = (sub) => {
  const m = CIRCLECI.exec(sub);
  if (m === null) return null;
  const [, org = '', project = '', user = '', origin, ref] = m;
  const pairs: Array<[string, string]> = [
    ['org', org],
    ['project', project],
    ['user', user],
  ];
  if (origin !== undefined) pairs.push(['vcs-origin', origin]);
  if (ref !== undefined) pairs.push(['vcs-ref', ref]);
  // vcs-origin is `host/owner/repo`: the repository is what follows the host.
  const originPath = origin?.split('/').slice(1).join('/');
  const fromRef = classifyRef(ref);
  return claims({
    raw: sub,
    format: 'circleci',
    pairs,
    repository: originPath || undefined,
    owner: org,
    ownerId: org,
    repositoryId: project,
    ref,
    refType: fromRef.refType,
    pullRequest: fromRef.pullRequest,
  });
};

const parseBitbucket: Parser = (sub, host) => {
  const m = BITBUCKET.exec(sub);
  if (m === null) return null;
  const [, repo = '', env, step = ''] = m;
  const pairs: Array<[string, string]> = [['repository_uuid', repo]];
  if (env !== undefined) pairs.push(['environment_uuid', env]);
  pairs.push(['step_uuid', step]);
  // The workspace is in the provider URL: api.bitbucket.org/2.0/workspaces/WS/pipelines-config/identity/oidc
  const workspace = host === null ? undefined : /\/workspaces\/([^/]+)/.exec(host)?.[1];
  return claims({
    raw: sub,
    format: 'bitbucket',
    pairs,
    repository: repo,
    repositoryId: repo,
    owner: workspace,
    environment: env,
    pullRequest: false,
  });
};

const parseEks: Parser = (sub) => {
  const parts = sub.split(':');
  if (parts.length !== 4 || parts[0] !== 'system' || parts[1] !== 'serviceaccount') return null;
  const [, , namespace = '', account = ''] = parts;
  if (namespace === '' || account === '') return null;
  return claims({
    raw: sub,
    format: 'eks',
    pairs: [
      ['namespace', namespace],
      ['serviceaccount', account],
    ],
    repository: `${namespace}/${account}`,
    owner: namespace,
    pullRequest: false,
  });
};

const PARSERS: Record<Provider, Parser> = {
  github: parseGithub,
  gitlab: parseGitlab,
  'terraform-cloud': parseTerraform,
  circleci: parseCircleci,
  buildkite: parseBuildkite,
  bitbucket: parseBitbucket,
  eks: parseEks,
};

/** Order for shape detection: the most distinctive prefixes first, GitHub's open-ended templates last. */
const SHAPE_ORDER: readonly Provider[] = [
  'eks',
  'gitlab',
  'buildkite',
  'terraform-cloud',
  'circleci',
  'bitbucket',
  'github',
];
