/**
 * The one place ARNs are taken apart: generic ARNs, IAM/STS identity ARNs, and the principals a trust policy
 * or CloudTrail record names. Every function here is pure and total: malformed input (non-strings, missing
 * fields, the wrong service) gives `null`, never an exception.
 *
 * Shapes understood (`PARTITION` is `aws`, `aws-cn`, `aws-us-gov`, … — taken from the ARN, never assumed):
 * - `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME` and `…:user/PATH/NAME` (the path is optional, `/a/b/`);
 * - `arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION` (a role session; the role's path is not in it);
 * - `arn:PARTITION:sts::ACCOUNT:federated-user/NAME` (GetFederationToken);
 * - `arn:PARTITION:iam::ACCOUNT:root` (the account root);
 * - service principals (`lambda.amazonaws.com`) and bare 12-digit account ids, as trust policies name them.
 *
 * Case rules, as IAM has them: user, group, role and policy names "must be unique within the account. Names
 * are not distinguished by case. For example, you cannot create resources named both "MyResource" and
 * "myresource"" (IAM API Reference, CreateUser/CreateRole `UserName`/`RoleName`). So an identity's key
 * ({@link identityKeyOf}) lower-cases the name; everything else — partition, account, path, the session name,
 * and the ARN as displayed — keeps the case it was written in (ARNs in policies compare case-sensitively).
 * The path is not part of an identity: `role/a/b/Name` and `role/Name` in one account are the same role,
 * because the name alone is unique in the account.
 *
 * Leniency (kept from the parsers this module replaced): the account field is not checked here (a baseline
 * writes `*`; {@link identityArnProblem}-style validation lives in the baseline schema), and a session name
 * is everything after the role name, `/` included (an Identity Center user name can hold characters a
 * `RoleSessionName` cannot).
 */
import { BoundedMemo } from './memo.js';

/** An ARN split into its six fields (`arn:partition:service:region:account:resource`). */
export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  account: string;
  /** e.g. `role/path/name`, `user/name`, `assumed-role/name/session`, `root`, `oidc-provider/host`. */
  resource: string;
}

/** An IAM or STS identity ARN, taken apart. */
export type IdentityArn =
  | {
      kind: 'role' | 'user';
      partition: string;
      account: string;
      /** `/` when none, else `/a/b/` (as IAM writes paths). */
      path: string;
      /** The name as written (case kept). */
      name: string;
    }
  | { kind: 'assumed-role'; partition: string; account: string; role: string; session: string }
  | { kind: 'federated-user'; partition: string; account: string; name: string }
  | { kind: 'root'; partition: string; account: string };

/** Anything a trust policy's `Principal` or a caller field may name. */
export type Principal =
  | IdentityArn
  | { kind: 'service'; service: string }
  | { kind: 'account'; account: string };

/** The parts of an identity ARN that decide who it is (see the case rules above). */
export interface IdentityKey {
  partition: string;
  /** 12 digits, or `*` (baseline entries only). */
  account: string;
  type: 'role' | 'user';
  /** Last segment of the name, lower-cased (IAM names are unique regardless of case). */
  name: string;
}

/** The partitions AWS has, by their ARN spelling: `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`, …. */
export const PARTITION = /^aws(?:-[a-z]+)*$/;

/**
 * Parsed ARNs, identities and keys per distinct string. Replay sees the same few hundred ARNs hundreds of
 * thousands of times; the parse is a pure function of the string, so a memo changes no result. Results are
 * frozen because they are shared between callers. Bounded (entries and key length, see {@link BoundedMemo}).
 */
export const ARN_MEMO_LIMIT = 4096;
const parsedArns = new BoundedMemo<Readonly<ParsedArn> | null>(ARN_MEMO_LIMIT);
const identityArns = new BoundedMemo<Readonly<IdentityArn> | null>(ARN_MEMO_LIMIT);
const identityKeys = new BoundedMemo<Readonly<IdentityKey> | null>(ARN_MEMO_LIMIT);

/** Entries held by the ARN memos (tests: they stay bounded). */
export function arnMemoSizes(): { parsed: number; identities: number; keys: number } {
  return { parsed: parsedArns.size, identities: identityArns.size, keys: identityKeys.size };
}

/** Empties the ARN memos (tests: compare results with and without them). */
export function clearArnMemos(): void {
  parsedArns.clear();
  identityArns.clear();
  identityKeys.clear();
}

function frozen<T extends object>(v: T | null): Readonly<T> | null {
  return v === null ? null : Object.freeze(v);
}

const SERVICE_PRINCIPAL = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(?:\.cn)?$/;
const ACCOUNT_ID = /^\d{12}$/;

/**
 * Split an ARN into its fields; null unless it starts `arn:` and has all six. The result is frozen and may be
 * shared with other callers (copy it to change it).
 */
export function parseArn(arn: string | null | undefined): Readonly<ParsedArn> | null {
  if (typeof arn !== 'string' || !arn.startsWith('arn:')) return null;
  return parsedArns.get(arn, (a) => frozen(parseArnUncached(a)));
}

/** {@link parseArn} without the memo (a new, mutable object each call). */
export function parseArnUncached(arn: string | null | undefined): ParsedArn | null {
  if (typeof arn !== 'string' || !arn.startsWith('arn:')) return null;
  const parts = arn.split(':');
  if (parts.length < 6) return null;
  const [, partition = '', service = '', region = '', account = ''] = parts;
  return { partition, service, region, account, resource: parts.slice(5).join(':') };
}

/**
 * An IAM role/user, root, STS assumed-role or federated-user ARN taken apart; null for any other ARN or
 * malformed input (a region in an IAM/STS ARN, an empty name, a session ARN without its session part).
 * The result is frozen and may be shared with other callers.
 */
export function parseIdentityArn(arn: string | null | undefined): Readonly<IdentityArn> | null {
  if (typeof arn !== 'string' || !arn.startsWith('arn:')) return null;
  return identityArns.get(arn, (a) => frozen(parseIdentityArnUncached(a)));
}

/** {@link parseIdentityArn} without the memo (a new, mutable object each call). */
export function parseIdentityArnUncached(arn: string | null | undefined): IdentityArn | null {
  const p = parseArnUncached(arn);
  if (p === null || p.region !== '') return null;
  const { partition, account, resource } = p;
  if (p.service === 'iam') {
    if (resource === 'root') return { kind: 'root', partition, account };
    const slash = resource.indexOf('/');
    const kind = resource.slice(0, slash);
    if (slash < 0 || (kind !== 'role' && kind !== 'user')) return null;
    const rest = resource.slice(slash + 1);
    const last = rest.lastIndexOf('/');
    const name = rest.slice(last + 1);
    if (name === '') return null;
    const path = last < 0 ? '/' : `/${rest.slice(0, last + 1)}`;
    return { kind, partition, account, path, name };
  }
  if (p.service === 'sts') {
    if (resource.startsWith('assumed-role/')) {
      const rest = resource.slice('assumed-role/'.length);
      const slash = rest.indexOf('/');
      if (slash <= 0) return null;
      return {
        kind: 'assumed-role',
        partition,
        account,
        role: rest.slice(0, slash),
        session: rest.slice(slash + 1),
      };
    }
    if (resource.startsWith('federated-user/')) {
      const name = resource.slice('federated-user/'.length);
      return name === '' ? null : { kind: 'federated-user', partition, account, name };
    }
  }
  return null;
}

/**
 * What a principal string names: an identity ARN ({@link parseIdentityArn}), a service principal
 * (`ec2.amazonaws.com`, `…amazonaws.com.cn`), or a bare 12-digit account id. Null for anything else.
 */
export function parsePrincipal(value: string | null | undefined): Principal | null {
  if (typeof value !== 'string') return null;
  if (ACCOUNT_ID.test(value)) return { kind: 'account', account: value };
  if (SERVICE_PRINCIPAL.test(value)) return { kind: 'service', service: value };
  return parseIdentityArn(value);
}

/**
 * Key of an IAM role/user ARN or an STS assumed-role session ARN (→ its role), ignoring the path:
 * `role/path/name` and `role/name` are the same role. Null for anything else (root, federated users).
 * The result is frozen and may be shared with other callers.
 */
export function identityKeyOf(arn: string | null | undefined): Readonly<IdentityKey> | null {
  if (typeof arn !== 'string' || !arn.startsWith('arn:')) return null;
  return identityKeys.get(arn, (a) => frozen(identityKeyOfUncached(a)));
}

/** {@link identityKeyOf} without the memo (a new, mutable object each call). */
export function identityKeyOfUncached(arn: string | null | undefined): IdentityKey | null {
  const id = parseIdentityArnUncached(arn);
  if (id === null) return null;
  const { partition, account } = id;
  if (id.kind === 'role' || id.kind === 'user') {
    return { partition, account, type: id.kind, name: id.name.toLowerCase() };
  }
  if (id.kind === 'assumed-role') return { partition, account, type: 'role', name: id.role.toLowerCase() };
  return null;
}

/** One string per identity key, `partition:account:type:name`, for maps and duplicate checks. */
export function identityKeyString(key: IdentityKey): string {
  return `${key.partition}:${key.account}:${key.type}:${key.name}`;
}

/**
 * True when `pattern` (a baseline ARN, `*` allowed in the account field) names the same identity
 * as `arn` (any role/user/session ARN).
 */
export function sameIdentity(pattern: string, arn: string): boolean {
  const p = identityKeyOf(pattern);
  const a = identityKeyOf(arn);
  if (p === null || a === null) return false;
  return (
    p.partition === a.partition &&
    p.type === a.type &&
    p.name === a.name &&
    (p.account === '*' || p.account === a.account)
  );
}

/** `arn:aws:sts::A:assumed-role/R/S` → `arn:aws:iam::A:role/R` (the path is not in the session ARN). */
export function roleArnFromSession(sessionArn: string | null | undefined): string | null {
  const id = parseIdentityArn(sessionArn);
  if (id?.kind !== 'assumed-role') return null;
  return iamArn(id.partition, id.account, 'role', id.role);
}

/** A session ARN → its role's ARN; any other string unchanged (both trimmed). */
export function sessionToRoleArn(arn: string): string {
  const trimmed = arn.trim();
  return roleArnFromSession(trimmed) ?? trimmed;
}

/**
 * A service-linked role (`role/aws-service-role/…`): only its AWS service can assume it, so its calls are the
 * service's own housekeeping (e.g. IAM Identity Center creating its SAML provider in a member account).
 */
export function isServiceLinkedRole(arn: string | null | undefined): boolean {
  const id = parseIdentityArn(arn);
  return id?.kind === 'role' && id.path.startsWith('/aws-service-role/');
}

const AWS_MANAGED_POLICY = /^arn:aws(?:-[a-z0-9-]+)?:iam::aws:policy\/(.+)$/i;

/**
 * Path and name of an AWS managed policy ARN (`arn:PARTITION:iam::aws:policy/job-function/ViewOnlyAccess` →
 * `job-function/ViewOnlyAccess`), in any partition; null for customer policies (a 12-digit account) and
 * anything else. The path is part of a policy's identity, so it is kept; the case is kept too.
 */
export function awsManagedPolicyName(arn: string | null | undefined): string | null {
  if (typeof arn !== 'string') return null;
  return AWS_MANAGED_POLICY.exec(arn)?.[1] ?? null;
}

/** `arn:PARTITION:iam::ACCOUNT:TYPE/NAME`. */
export function iamArn(
  partition: string,
  account: string,
  type: 'role' | 'user' | 'group',
  name: string,
): string {
  return `arn:${partition}:iam::${account}:${type}/${name}`;
}

/** `arn:PARTITION:iam::ACCOUNT:oidc-provider/HOST` taken apart (HOST may hold a path); null for anything else. */
export function parseOidcProviderArn(
  arn: string | null | undefined,
): { partition: string; account: string; host: string } | null {
  const p = parseArn(arn);
  if (p === null || p.service !== 'iam' || p.region !== '' || !p.resource.startsWith('oidc-provider/'))
    return null;
  const host = p.resource.slice('oidc-provider/'.length);
  return host === '' ? null : { partition: p.partition, account: p.account, host };
}

/** Host part of an OIDC provider ARN or URL: `…:oidc-provider/token.actions.githubusercontent.com` → host. */
export function providerHost(providerArnOrUrl: string | null | undefined): string | null {
  if (!providerArnOrUrl) return null;
  let s = providerArnOrUrl;
  const i = s.indexOf('oidc-provider/');
  if (i >= 0) s = s.slice(i + 'oidc-provider/'.length);
  s = s.replace(/^https?:\/\//, '');
  return s.length > 0 ? s : null;
}

/** The ARN's partition, `aws` when there is none to read. */
export function partitionOf(arn: string | null | undefined): string {
  return parseArn(arn)?.partition || 'aws';
}

/** Last path segment of an ARN's resource: `role/path/name` → `name`. */
export function resourceName(arn: string | null | undefined): string | null {
  const p = parseArn(arn);
  if (!p) return null;
  const r = p.resource;
  return r.slice(r.lastIndexOf('/') + 1) || null;
}
