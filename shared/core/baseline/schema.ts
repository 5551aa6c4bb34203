/**
 * The baseline file schema (contract version 1, DESIGN.md "Baseline file"): snake_case keys as
 * written in YAML, strict objects so that a typo is an error and never silently widens trust.
 * `parse.ts` maps the validated file to the camelCase domain of `types.ts`.
 */
import * as z from 'zod';
import { PARTITION, parseArn, parseOidcProviderArn } from '../arn.js';
import { SEVERITIES } from '../severity.js';
import { suggest } from './suggest.js';
import { ENVIRONMENTS, IDENTITY_KINDS, PASS_TARGETS } from './types.js';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;
const IAM_NAME_PATH = /^[A-Za-z0-9+=,.@_/-]+$/;
const TEAM_TARGET = /^(?:ssm:\/\S+|secret:\S+|env:[A-Za-z_][A-Za-z0-9_]*|https:\/\/\S+)$/;

function isCalendarDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

/** True for a valid calendar date written `YYYY-MM-DD`. */
export function isDateOnly(value: string): boolean {
  const m = DATE_ONLY.exec(value);
  return m !== null && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** True for an ISO-8601 time with a zone (`Z` or `±hh:mm`), e.g. `2026-11-01T10:00:00Z`. */
export function isIsoTime(value: string): boolean {
  const m = ISO_TIME.exec(value);
  if (m === null) return false;
  const [, y, mo, d, h, mi, s, , oh, om] = m;
  if (!isCalendarDate(Number(y), Number(mo), Number(d))) return false;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) return false;
  if (oh !== undefined && (Number(oh) > 23 || Number(om) > 59)) return false;
  return Number.isFinite(Date.parse(value));
}

/**
 * Milliseconds at which an `expires` value stops applying: a date-only value lasts to the end of
 * that day (UTC); an ISO time is exact. NaN when the value is neither.
 */
export function expiryMs(expires: string): number {
  if (isDateOnly(expires)) return Date.parse(`${expires}T00:00:00Z`) + 86_400_000;
  if (isIsoTime(expires)) return Date.parse(expires);
  return Number.NaN;
}

/**
 * Why a string is not a baselinable identity ARN (`arn:PARTITION:iam::ACCOUNT|*:role/…|user/…`), or
 * null when it is one.
 */
export function identityArnProblem(arn: string): string | null {
  const p = parseArn(arn);
  if (p === null || p.service !== 'iam' || p.region !== '')
    return 'must be an IAM ARN like arn:aws:iam::111122223333:role/NAME or …:user/NAME';
  const { partition, account, resource } = p;
  if (!PARTITION.test(partition))
    return `unknown partition "${partition}" (expected aws, aws-cn, aws-us-gov…)`;
  if (account !== '*' && !/^\d{12}$/.test(account)) return 'the account field must be 12 digits or *';
  const slash = resource.indexOf('/');
  const type = slash < 0 ? resource : resource.slice(0, slash);
  if (type !== 'role' && type !== 'user')
    return `only role/… and user/… identities can be baselined (got "${type}")`;
  const rest = resource.slice(slash + 1);
  if (rest.includes('*')) return 'wildcards are allowed only in the account field';
  if (rest === '' || rest.endsWith('/') || rest.startsWith('/') || !IAM_NAME_PATH.test(rest)) {
    return `"${rest}" is not a valid IAM ${type} name or path/name`;
  }
  return null;
}

/**
 * Why a value is not an OIDC provider as the baseline names it, or null. The host part of the
 * provider ARN is the canonical form; a whole `…:oidc-provider/HOST` ARN is accepted too (and
 * normalised to HOST by the schema), because that is what IAM consoles and trust policies show.
 */
export function providerProblem(value: string): string | null {
  let v = value;
  if (v.startsWith('arn:')) {
    const m = parseOidcProviderArn(v);
    if (m === null) {
      return 'must be the host of an OIDC provider (e.g. token.actions.githubusercontent.com) or its ARN arn:aws:iam::ACCOUNT:oidc-provider/HOST';
    }
    if (!PARTITION.test(m.partition) || !/^\d{12}$/.test(m.account)) {
      return `not a valid OIDC provider ARN; write the host part instead (e.g. "${m.host}")`;
    }
    v = m.host;
  }
  if (/^[a-z]+:\/\//i.test(v)) {
    return `write the host part of the provider ARN, without the scheme (e.g. "${v.replace(/^[a-z]+:\/\//i, '')}")`;
  }
  if (/[\s*]/.test(v)) return 'must be the host part of the provider ARN (no spaces or wildcards)';
  return null;
}

/** `arn:aws:iam::A:oidc-provider/HOST` → `HOST`; any other (valid) value unchanged. */
export function normaliseProvider(v: string): string {
  return parseOidcProviderArn(v)?.host ?? v;
}

/** Aliases people write for an environment; the closed set is ENVIRONMENTS. */
const ENVIRONMENT_ALIASES: Readonly<Record<string, (typeof ENVIRONMENTS)[number]>> = {
  prod: 'production',
  prd: 'production',
  live: 'production',
  stage: 'staging',
  stg: 'staging',
  preprod: 'staging',
  dev: 'development',
  develop: 'development',
  sbx: 'sandbox',
  mgmt: 'management',
  'shared-services': 'shared',
};

/**
 * Why a value is not one of ENVIRONMENTS, with the value it most likely meant, or null. Only
 * `production` raises severities, so a near miss such as `prod` would silently lower them.
 */
export function environmentProblem(v: string): string | null {
  if ((ENVIRONMENTS as readonly string[]).includes(v)) return null;
  const lower = v.trim().toLowerCase();
  const hint =
    ENVIRONMENTS.find((e) => e === lower) ?? ENVIRONMENT_ALIASES[lower] ?? suggest(lower, ENVIRONMENTS);
  const allowed = `must be one of ${ENVIRONMENTS.join(', ')}`;
  return hint === null ? `${allowed} (got "${v}")` : `${allowed} (got "${v}"; did you mean "${hint}"?)`;
}

/**
 * Why a team route is not usable, or null. A literal URL must not carry credentials
 * (`https://user:pass@…`): they would end up in the store, in logs and in `baseline show`.
 */
export function teamTargetProblem(v: string): string | null {
  if (!TEAM_TARGET.test(v)) return 'must be "ssm:/PATH", "secret:NAME", "env:VAR" or an https:// URL';
  if (!v.startsWith('https://')) return null;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return 'is not a valid https:// URL';
  }
  if (url.username !== '' || url.password !== '') {
    return 'the URL must not carry credentials (user:password@); keep the webhook in SSM ("ssm:/PATH") or Secrets Manager ("secret:NAME")';
  }
  return null;
}

const nullToUndefined = (v: unknown): unknown => (v === null ? undefined : v);
const numberToString = (v: unknown): unknown => (typeof v === 'number' ? String(v) : v);

/** Optional field; an empty YAML value (`key:`) counts as absent. */
function opt<T extends z.ZodType>(schema: T) {
  return z.preprocess(nullToUndefined, schema.optional());
}

/** Non-empty text; plain YAML numbers (`ticket: 1234`) are taken as their text. */
const text = z.preprocess(numberToString, z.string().min(1));

function checked(problem: (v: string) => string | null) {
  return text.superRefine((v, ctx) => {
    const message = problem(v);
    if (message !== null) ctx.addIssue({ code: 'custom', message });
  });
}

const dateOnly = checked((v) => (isDateOnly(v) ? null : `must be a date YYYY-MM-DD (got "${v}")`));
const isoTime = checked((v) =>
  isIsoTime(v) ? null : `must be an ISO time with a zone, e.g. 2026-11-01T10:00:00Z (got "${v}")`,
);
const expiry = checked((v) =>
  isDateOnly(v) || isIsoTime(v) ? null : `must be a date YYYY-MM-DD or an ISO time (got "${v}")`,
);
const identityArn = checked(identityArnProblem);
const providerHost = checked(providerProblem).transform(normaliseProvider);
const teamTarget = checked(teamTargetProblem);
const environment = checked(environmentProblem);
const arnPattern = checked((v) => (v.startsWith('arn:') ? null : 'must be an ARN or ARN pattern (arn:…)'));

export const oidcTrustFileSchema = z.strictObject({
  provider: providerHost,
  audience: opt(text),
  subjects: z.array(text).min(1),
  workflows: opt(z.array(text).min(1)),
  allow_pull_requests: opt(z.boolean()),
});

export const identityFileSchema = z.strictObject({
  arn: identityArn,
  kind: z.enum(IDENTITY_KINDS),
  owner: text,
  purpose: text,
  environment: opt(environment),
  team: opt(text),
  review_after: opt(dateOnly),
  oidc: opt(z.array(oidcTrustFileSchema)),
  callers: opt(z.array(text)),
  passed_by: opt(z.array(arnPattern)),
  passed_to: opt(z.array(z.enum(PASS_TARGETS)).min(1)),
});

/** One `rules:` tuning entry; `rule` is checked against the catalogue ids in checks.ts. */
export const ruleOverrideFileSchema = z
  .strictObject({
    rule: text,
    enabled: opt(z.boolean()),
    severity: opt(z.enum(SEVERITIES)),
    environment: opt(environment),
    identity: opt(arnPattern),
    count_thresholds: opt(
      z.array(z.strictObject({ at_least: z.number().int().min(2), severity: z.enum(SEVERITIES) })),
    ),
  })
  .refine((o) => o.enabled !== undefined || o.severity !== undefined || o.count_thresholds !== undefined, {
    message: 'an entry must set enabled, severity or count_thresholds',
  })
  .refine(
    (o) => o.count_thresholds === undefined || (o.environment === undefined && o.identity === undefined),
    {
      message:
        'count_thresholds apply to the rule as a whole (one folded alert spans identities): drop environment and identity',
    },
  );

/**
 * An Identity Center permission set ARN (`arn:aws:sso:::permissionSet/ssoins-…/ps-…`), `*` and `?` allowed: the
 * record of CreateAccountAssignment names the set only by this ARN.
 */
const permissionSetPattern = checked((v) =>
  /^arn:aws[a-z-]*:sso:::permissionSet\/[A-Za-z0-9*?-]+\/[A-Za-z0-9*?-]+$/.test(v)
    ? null
    : `"${v}" is not a permission set ARN (arn:aws:sso:::permissionSet/ssoins-…/ps-…; * and ? allowed)`,
);

/** An S3 bucket name (3–63 characters of lower-case letters, digits, dots and hyphens). */
const bucketName = checked((v) =>
  /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v) ? null : `"${v}" is not an S3 bucket name`,
);

export const suppressionFileSchema = z.strictObject({
  rule: text,
  actor: opt(text),
  target: opt(text),
  reason: text,
  owner: text,
  expires: expiry,
});

export const incidentFileSchema = z.strictObject({
  identity: arnPattern,
  ticket: text,
  from: isoTime,
  until: isoTime,
  reason: opt(text),
});

export const accountFileSchema = z.strictObject({ name: text });
export const teamFileSchema = z.strictObject({ slack: opt(teamTarget) });
/** `defaults.sign_in`: how humans are expected to sign in to the console (console-login-iam-user). */
export const signInFileSchema = z.strictObject({
  iam_users: opt(z.boolean()),
  device_code: opt(z.boolean()),
});
export const defaultsFileSchema = z.strictObject({ team: opt(text), sign_in: opt(signInFileSchema) });

/** The whole file. */
export const baselineFileSchema = z.strictObject({
  version: z.literal(1),
  accounts: opt(z.record(z.string(), accountFileSchema)),
  teams: opt(z.record(z.string(), teamFileSchema)),
  defaults: opt(defaultsFileSchema),
  identities: opt(z.array(identityFileSchema)),
  suppressions: opt(z.array(suppressionFileSchema)),
  incidents: opt(z.array(incidentFileSchema)),
  rules: opt(z.array(ruleOverrideFileSchema)),
  protected_rules: opt(z.array(text)),
  trail_buckets: opt(z.array(bucketName)),
  admin_permission_sets: opt(z.array(permissionSetPattern)),
});

export type BaselineFile = z.infer<typeof baselineFileSchema>;

/**
 * Allowed keys per object location, for "did you mean" hints. Locations are paths with array indexes
 * written `[]` and record keys `*`.
 */
export const KEYS_AT: Readonly<Record<string, readonly string[]>> = {
  '': Object.keys(baselineFileSchema.shape),
  'accounts.*': Object.keys(accountFileSchema.shape),
  'teams.*': Object.keys(teamFileSchema.shape),
  defaults: Object.keys(defaultsFileSchema.shape),
  'defaults.sign_in': Object.keys(signInFileSchema.shape),
  'identities[]': Object.keys(identityFileSchema.shape),
  'identities[].oidc[]': Object.keys(oidcTrustFileSchema.shape),
  'suppressions[]': Object.keys(suppressionFileSchema.shape),
  'incidents[]': Object.keys(incidentFileSchema.shape),
  'rules[]': ['rule', 'enabled', 'severity', 'environment', 'identity', 'count_thresholds'],
};
