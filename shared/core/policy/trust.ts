import { parseArn } from '../arn.js';
import { statementAllows, statementMatchesAction } from './actions.js';
import { allowListConditions, conditionsOn, parseOperator } from './conditions.js';
import { shown } from './display.js';
import { hasWildcard } from './glob.js';
import type { ConditionEntry, Effect, PolicyDocument, PolicyStatement, PrincipalSet } from './types.js';
import { statementLabel } from './types.js';

export type TrustPrincipalKind =
  | 'any'
  | 'account'
  | 'arn'
  | 'service'
  | 'federated-oidc'
  | 'federated-saml'
  | 'federated-other'
  | 'canonical-user';

export interface TrustPrincipal {
  kind: TrustPrincipalKind;
  /** As written in the document (`*` for `"Principal": "*"`). */
  value: string;
  /** 12-digit account of an `account`/`arn`/federated ARN principal, when visible. */
  account?: string;
}

/** What a statement's conditions allow for one OIDC provider. */
export interface TrustOidc {
  /** Issuer without scheme, as in the provider ARN after `oidc-provider/`: the host, plus a path for EKS/GHE. */
  provider: string;
  /** Values of allow-list conditions on `<provider>:sub`. */
  subjects: string[];
  /** Values of allow-list conditions on `<provider>:aud`. */
  audiences: string[];
  /** Operator of the (first) `sub` condition, e.g. `StringLike`. */
  subOperator?: string;
}

export interface TrustStatement {
  /** Sid, or `#index`. */
  id: string;
  effect: Effect;
  /** `Principal` entries; for `NotPrincipal` (see `notPrincipal`) the excluded ones. */
  principals: TrustPrincipal[];
  /** True when the statement uses `NotPrincipal`: with Allow it trusts everyone except `principals`. */
  notPrincipal: boolean;
  /** `Action` patterns; for `NotAction`, the STS trust actions it leaves in. */
  actions: string[];
  conditions: ConditionEntry[];
  /** Conditions for the statement's (first) OIDC provider principal. */
  oidc?: TrustOidc;
}

export type TrustWeaknessKind =
  | 'public'
  | 'unknown-account'
  | 'oidc-no-sub'
  | 'oidc-no-aud'
  | 'sub-wildcard'
  | 'saml-no-aud';

export interface TrustWeakness {
  kind: TrustWeaknessKind;
  /** Statement id (Sid or `#index`). */
  statement: string;
  /** One human sentence; untrusted values are escaped and truncated. */
  detail: string;
}

export interface TrustAnalysis {
  statements: TrustStatement[];
  weaknesses: TrustWeakness[];
}

export interface TrustOptions {
  /** Account owning the role (recipientAccountId); null when unknown. */
  selfAccount: string | null;
  /** Accounts the baseline declares (`accounts:`), trusted as callers. */
  knownAccounts: string[];
}

/** STS actions that assume a role: the ones a trust statement must allow to matter. */
export const ASSUME_ACTIONS = ['sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity', 'sts:AssumeRoleWithSAML'];
const TRUST_ACTIONS = [...ASSUME_ACTIONS, 'sts:TagSession', 'sts:SetSourceIdentity', 'sts:SetContext'];

/** Web identity providers AWS accepts by bare name in `Federated` (no provider ARN). */
const BUILT_IN_WEB_IDENTITY = new Set([
  'cognito-identity.amazonaws.com',
  'accounts.google.com',
  'graph.facebook.com',
  'www.amazon.com',
]);

/** Keys that pin the caller to an organisation, account or source resource (with a non-wildcard value). */
const RESTRICTING_KEYS = [
  'aws:PrincipalOrgID',
  'aws:PrincipalOrgPaths',
  'aws:PrincipalAccount',
  'aws:PrincipalArn',
  'aws:SourceAccount',
  'aws:SourceArn',
  'aws:SourceOrgID',
  'aws:SourceOrgPaths',
];

/**
 * Analyses a role trust policy: lists who each statement trusts and flags weaknesses
 * (`public`, `unknown-account`, `oidc-no-sub`, `oidc-no-aud`, `sub-wildcard`, `saml-no-aud`).
 * Only Allow statements that allow an `sts:AssumeRole*` action raise weaknesses. Never throws.
 */
export function analyseTrust(doc: PolicyDocument, opts: TrustOptions): TrustAnalysis {
  const statements: TrustStatement[] = [];
  const weaknesses: TrustWeakness[] = [];
  const known = new Set(opts.knownAccounts);
  const hasDeny = doc.statements.some((s) => s.effect === 'Deny');
  for (const raw of doc.statements) {
    const statement = describeStatement(raw);
    statements.push(statement);
    if (raw.effect !== 'Allow') continue;
    const allowed = ASSUME_ACTIONS.filter((a) => statementAllows(raw, a));
    if (allowed.length === 0) continue;
    const ctx: Ctx = { raw, statement, allowed, opts, known, hasDeny, out: weaknesses };
    checkPublic(ctx);
    checkAccounts(ctx);
    checkFederated(ctx);
  }
  return { statements, weaknesses };
}

interface Ctx {
  raw: PolicyStatement;
  statement: TrustStatement;
  allowed: string[];
  opts: TrustOptions;
  known: Set<string>;
  hasDeny: boolean;
  out: TrustWeakness[];
}

function describeStatement(raw: PolicyStatement): TrustStatement {
  const set = raw.principal ?? raw.notPrincipal;
  const principals = set ? principalsOf(set) : [];
  const actions = raw.action ? [...raw.action] : TRUST_ACTIONS.filter((a) => statementMatchesAction(raw, a));
  const statement: TrustStatement = {
    id: statementLabel(raw),
    effect: raw.effect,
    principals,
    notPrincipal: raw.notPrincipal !== null,
    actions,
    conditions: raw.conditions,
  };
  const firstOidc = principals.find((p) => p.kind === 'federated-oidc');
  if (firstOidc) statement.oidc = oidcConditions(oidcProviderOf(firstOidc.value), raw.conditions);
  return statement;
}

/** Classifies every entry of a `Principal` set. */
export function principalsOf(set: PrincipalSet): TrustPrincipal[] {
  const out: TrustPrincipal[] = [];
  if (set.any) out.push({ kind: 'any', value: '*' });
  for (const value of set.aws) out.push(classifyAws(value));
  for (const value of set.service) out.push({ kind: 'service', value });
  for (const value of set.federated) out.push(classifyFederated(value));
  for (const value of set.canonicalUser) out.push({ kind: 'canonical-user', value });
  return out;
}

function classifyAws(value: string): TrustPrincipal {
  if (value === '*') return { kind: 'any', value };
  if (/^\d{12}$/.test(value)) return { kind: 'account', value, account: value };
  const arn = parseArn(value);
  if (!arn) return { kind: 'arn', value };
  // Wildcards are not valid inside principal ARNs; if one appears, read it as broadly as it could match.
  if (hasWildcard(arn.account)) return { kind: 'any', value };
  const account = /^\d{12}$/.test(arn.account) ? arn.account : undefined;
  if (arn.resource === 'root') return account ? { kind: 'account', value, account } : { kind: 'arn', value };
  return account ? { kind: 'arn', value, account } : { kind: 'arn', value };
}

function classifyFederated(value: string): TrustPrincipal {
  const arn = parseArn(value);
  if (arn) {
    const account = /^\d{12}$/.test(arn.account) ? arn.account : undefined;
    const base = account ? { value, account } : { value };
    if (arn.resource.startsWith('oidc-provider/')) return { kind: 'federated-oidc', ...base };
    if (arn.resource.startsWith('saml-provider/')) return { kind: 'federated-saml', ...base };
    return { kind: 'federated-other', ...base };
  }
  if (BUILT_IN_WEB_IDENTITY.has(value.toLowerCase())) return { kind: 'federated-oidc', value };
  return { kind: 'federated-other', value };
}

/**
 * Issuer of a `federated-oidc` principal value: the part after `oidc-provider/` of a provider ARN
 * (`token.actions.githubusercontent.com`, `oidc.eks.eu-west-1.amazonaws.com/id/ABC…`), or the bare name
 * (`cognito-identity.amazonaws.com`).
 */
export function oidcProviderOf(value: string): string {
  const marker = ':oidc-provider/';
  const at = value.indexOf(marker);
  return at >= 0 ? value.slice(at + marker.length) : value;
}

/** Conditions of a statement for one OIDC provider: `<provider>:sub` and `<provider>:aud` allow-lists. */
export function oidcConditions(provider: string, conditions: ConditionEntry[]): TrustOidc {
  const subs = allowListConditions(conditions, `${provider}:sub`);
  const auds = allowListConditions(conditions, `${provider}:aud`);
  const oidc: TrustOidc = {
    provider,
    subjects: subs.flatMap((c) => c.values),
    audiences: auds.flatMap((c) => c.values),
  };
  const first = subs[0];
  if (first) oidc.subOperator = first.operator;
  return oidc;
}

function weak(ctx: Ctx, kind: TrustWeaknessKind, detail: string): void {
  ctx.out.push({ kind, statement: ctx.statement.id, detail });
}

function label(ctx: Ctx): string {
  return `statement ${shown(ctx.statement.id)}`;
}

function actionsText(ctx: Ctx): string {
  return ctx.allowed.join(', ');
}

function checkPublic(ctx: Ctx): void {
  const everyone = ctx.statement.notPrincipal || ctx.statement.principals.some((p) => p.kind === 'any');
  if (!everyone) return;
  const restricting = restrictingCondition(ctx.raw.conditions);
  if (restricting) return;
  const who = ctx.statement.notPrincipal
    ? 'every principal except the NotPrincipal entries'
    : 'any AWS principal (Principal "*")';
  const externalId = conditionsOn(ctx.raw.conditions, 'sts:ExternalId').length > 0;
  const tail = externalId ? '; the sts:ExternalId condition alone does not restrict who can assume it' : '';
  weak(
    ctx,
    'public',
    `${label(ctx)} lets ${who} call ${actionsText(ctx)} without an aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceAccount or aws:SourceArn condition${tail}`,
  );
}

/** The first allow-list condition on a restricting key whose values are all specific, or undefined. */
function restrictingCondition(conditions: ConditionEntry[]): ConditionEntry | undefined {
  for (const key of RESTRICTING_KEYS) {
    for (const condition of allowListConditions(conditions, key)) {
      // `…IfExists` passes when the key is absent, which it is for most direct callers.
      if (parseOperator(condition.operator).ifExists) continue;
      if (condition.values.length === 0) continue;
      const arnKey = key === 'aws:PrincipalArn' || key === 'aws:SourceArn';
      const specific = condition.values.every((v) => {
        if (/^[*?]*$/.test(v)) return false;
        if (arnKey) {
          const account = v.split(':')[4];
          return account === undefined || !hasWildcard(account);
        }
        return true;
      });
      if (specific) return condition;
    }
  }
  return undefined;
}

function checkAccounts(ctx: Ctx): void {
  if (ctx.statement.notPrincipal) return;
  const self = ctx.opts.selfAccount;
  const externalId = conditionsOn(ctx.raw.conditions, 'sts:ExternalId').length > 0;
  for (const principal of ctx.statement.principals) {
    if (principal.kind !== 'account' && principal.kind !== 'arn') continue;
    const account = principal.account;
    if (account === undefined || account === self || ctx.known.has(account)) continue;
    const where = self
      ? `neither this account (${self}) nor a known account`
      : 'not a known account (the role account is unknown)';
    const tail = externalId
      ? ' (an sts:ExternalId condition is present: declare a vendor account in the baseline)'
      : '';
    weak(
      ctx,
      'unknown-account',
      `${label(ctx)} trusts ${shown(principal.value)} in account ${account}, which is ${where}${tail}`,
    );
  }
}

function checkFederated(ctx: Ctx): void {
  const denyNote = ctx.hasDeny ? ' (a Deny statement in the document may narrow this)' : '';
  for (const principal of ctx.statement.principals) {
    if (principal.kind === 'federated-oidc' && ctx.allowed.includes('sts:AssumeRoleWithWebIdentity')) {
      const provider = oidcProviderOf(principal.value);
      const oidc = oidcConditions(provider, ctx.raw.conditions);
      const p = shown(provider);
      // Cognito identity pools are scoped by `aud` (the pool id); `sub` is a per-identity id.
      const cognito = provider.toLowerCase() === 'cognito-identity.amazonaws.com';
      if (oidc.subjects.length === 0 && !cognito) {
        const negated = conditionsOn(ctx.raw.conditions, `${provider}:sub`).length > 0;
        const how = negated ? 'only an exclusion (negated) condition on' : 'no allow-list condition on';
        weak(
          ctx,
          'oidc-no-sub',
          `${label(ctx)} trusts ${p} with ${how} ${p}:sub, so any subject the provider issues (any repository, project or workload) can assume the role${denyNote}`,
        );
      }
      if (oidc.audiences.length === 0) {
        weak(
          ctx,
          'oidc-no-aud',
          `${label(ctx)} trusts ${p} with no condition on ${p}:aud, so tokens minted for any audience are accepted${denyNote}`,
        );
      }
      for (const condition of allowListConditions(ctx.raw.conditions, `${provider}:sub`)) {
        if (!parseOperator(condition.operator).like) continue;
        for (const value of condition.values) {
          const span = subjectWildcardSpan(value);
          if (span === null) continue;
          weak(
            ctx,
            'sub-wildcard',
            `${label(ctx)} allows ${p} subject pattern "${shown(value)}" (${shown(condition.operator)}), whose wildcard spans ${span}${denyNote}`,
          );
        }
      }
    }
    if (principal.kind === 'federated-saml' && ctx.allowed.includes('sts:AssumeRoleWithSAML')) {
      if (allowListConditions(ctx.raw.conditions, 'SAML:aud').length === 0) {
        weak(
          ctx,
          'saml-no-aud',
          `${label(ctx)} trusts SAML provider ${shown(principal.value)} with no SAML:aud condition, so assertions meant for other service providers are accepted`,
        );
      }
    }
  }
}

/** Subject claim keys that name who is running (org, repository, project, workspace, pipeline). */
const IDENTITY_KEYS = new Map<string, string>([
  ['repo', 'repositories'],
  ['repository', 'repositories'],
  ['repository_owner', 'organisations'],
  ['repository_owner_id', 'organisations'],
  ['repository_id', 'repositories'],
  ['project_path', 'projects'],
  ['namespace_path', 'groups'],
  ['organization', 'organisations'],
  ['project', 'projects'],
  ['workspace', 'workspaces'],
  ['pipeline', 'pipelines'],
  ['enterprise', 'enterprises'],
]);

const WILD_START = /^[*?]/;

/** Claims that end their provider's subject: a wildcard value there cannot swallow further claims. */
const TERMINAL_KEYS = new Set(['run_phase', 'step']);

/**
 * When the `StringLike` subject pattern's wildcard spans organisations, repositories/projects, refs or
 * contexts, a short description of what it spans; null when the pattern is literal or its wildcards stay
 * within one repository and one ref family (e.g. `repo:o/r:ref:refs/heads/release/*`).
 */
export function subjectWildcardSpan(pattern: string): string | null {
  if (!hasWildcard(pattern)) return null;
  if (WILD_START.test(pattern)) return 'every subject of the provider';

  // EKS IRSA: system:serviceaccount:NAMESPACE:NAME
  const eks = /^system:serviceaccount:(.*)$/.exec(pattern);
  if (eks) {
    const [namespace = '', name = ''] = (eks[1] ?? '').split(':');
    if (hasWildcard(namespace)) return 'Kubernetes namespaces';
    if (hasWildcard(name)) return `service accounts of namespace ${shown(namespace)}`;
    return 'Kubernetes service accounts';
  }

  // CircleCI: org/ORG_ID/project/PROJECT_ID/user/USER_ID[/…]
  const circle = /^org\/([^/]*)\/project\/([^/]*)(\/.*)?$/.exec(pattern);
  if (circle) {
    if (hasWildcard(circle[1] ?? '')) return 'organisations';
    if (hasWildcard(circle[2] ?? '')) return 'projects of the organisation';
    return null;
  }

  // key:value pairs (GitHub, GitLab, HCP Terraform, Buildkite, custom templates).
  const parts = pattern.split(':');
  for (let i = 0; i < parts.length; i += 2) {
    const key = parts[i] ?? '';
    const value = parts[i + 1];
    if (hasWildcard(key))
      return 'contexts (any claim after this point: branch, tag, environment or pull request)';
    if (value === undefined) continue;
    if (!hasWildcard(value)) continue;
    const lowerKey = key.toLowerCase();
    const identity = IDENTITY_KEYS.get(lowerKey);
    if (identity) {
      if (lowerKey === 'repo' || lowerKey === 'project_path') {
        const slash = value.indexOf('/');
        const owner = slash >= 0 ? value.slice(0, slash) : value;
        if (hasWildcard(owner) || slash < 0) return 'organisations';
        const what = lowerKey === 'repo' ? 'repositories' : 'projects';
        return `${what} of ${shown(owner)}`;
      }
      return identity;
    }
    if (lowerKey === 'ref' && isAllRefs(value)) return 'refs (any branch or tag)';
    if (lowerKey === 'environment' && WILD_START.test(value)) return 'environments';
    if (lowerKey === 'job_workflow_ref' || lowerKey === 'workflow_ref') {
      const at = value.lastIndexOf('@');
      const path = at >= 0 ? value.slice(0, at) : value;
      const ref = at >= 0 ? value.slice(at + 1) : '';
      const [owner = '', repo = ''] = path.split('/');
      if (hasWildcard(owner) || hasWildcard(repo)) return 'workflows of other repositories';
      if (WILD_START.test(path.split('/').at(-1) ?? '')) return 'workflows';
      if (at >= 0 && isAllRefs(ref)) return 'refs of the workflow (any branch or tag)';
    }
    // A wildcard that runs to the end of the pattern may also swallow the following claims.
    if (i + 2 >= parts.length && /^[*?]+$/.test(value) && !TERMINAL_KEYS.has(lowerKey)) {
      return 'contexts (any claim after this point: branch, tag, environment or pull request)';
    }
  }
  return null;
}

/** `*`, `refs/*`, `refs/heads/*`, `refs/tags/*`, `refs/pull/*`: a wildcard at the start of a ref name. */
function isAllRefs(value: string): boolean {
  return /^(refs\/((heads|tags|pull|remotes)\/)?)?[*?]/.test(value);
}
