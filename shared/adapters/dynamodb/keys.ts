/**
 * Key layout of the iamwatch table (see TABLE.md). Every key string is built here and nowhere else.
 */

/** Partition holding the whole synced baseline: identities, pattern index items, settings, stamp. */
export const BASELINE_PK = 'BASELINE';
/** Partition holding live incident windows. */
export const INCIDENT_PK = 'INCIDENT';
/** Partition holding one "last used" summary per identity (for `baseline stale`). */
export const LASTUSED_PK = 'LASTUSED';

export const GSI1 = 'gsi1';

export const identitySk = (arn: string) => `ID#${arn}`;
export const SETTINGS_SK = 'SETTINGS';
export const STAMP_SK = 'STAMP';

export type PatternKind = 'subject' | 'caller';

export const patternSkPrefix = (arn: string) => `PAT#${arn}#`;
export const patternSk = (arn: string, kind: PatternKind, provider: string, pattern: string) =>
  `${patternSkPrefix(arn)}${kind}#${provider}#${pattern}`;

export const observationPk = (identity: string) => `OBS#${identity}`;
export const observationSk = (principal: string) => `P#${principal}`;

export const incidentSk = (id: string) => `INC#${id}`;

export const alertPk = (dedupeKey: string, windowStartMs: number) => `ALERT#${dedupeKey}#${windowStartMs}`;
export const ALERT_SK = 'A';
/** GSI bucket of alerts by UTC day of their event time (for AlertHistory.since). */
export const alertDayBucket = (day: string) => `ALERTDAY#${day}`;

export const WILD_SUBJECT = 'WILD#subject';
export const WILD_CALLER = 'WILD#caller';

export const ownerBucket = (owner: string) => `IDOWNER#${owner}`;

/** Where a subject (or subject pattern) lives, as far as its literal text tells. */
export interface SubjectLocation {
  /** Lower-cased repository / project path, when literal (no wildcard). */
  repository?: string;
  /** Lower-cased owner / org / group, when literal. */
  owner?: string;
}

/** IAM wildcards: `*` and `?` (a `?` in an owner or repository name is not literal text). */
const hasWildcard = (s: string) => s.includes('*') || s.includes('?');

/** Strips GitHub immutable-id suffixes: `owner@123` / `owner-123`(reported) stay intact except `@id`. */
function stripId(s: string): string {
  const at = s.indexOf('@');
  return at >= 0 ? s.slice(0, at) : s;
}

/**
 * Repository and owner named by an OIDC subject or subject pattern, using only its literal text.
 * A wildcard inside the repository leaves only the owner; a wildcard in the owner leaves nothing.
 */
export function locateSubject(subject: string): SubjectLocation {
  const s = subject.trim();
  const fields = s.split(':');
  const fieldValue = (key: string): string | undefined => {
    const i = fields.indexOf(key);
    return i >= 0 && i % 2 === 0 ? fields[i + 1] : undefined;
  };
  let owner: string | undefined;
  let repo: string | undefined;
  if (fields[0] === 'repo' && fields[1]) {
    const [o, ...rest] = fields[1].split('/');
    owner = o !== undefined ? stripId(o) : undefined;
    repo = rest.length > 0 ? `${owner}/${rest.map(stripId).join('/')}` : undefined;
  } else if (fields[0] === 'project_path' && fields[1]) {
    owner = fields[1].split('/')[0];
    repo = fields[1];
  } else if (fields[0] === 'organization' && fields[1]) {
    owner = fields[1];
    const inner = fieldValue('workspace') ?? fieldValue('pipeline');
    repo = inner !== undefined ? `${owner}/${inner}` : undefined;
  } else if (fields[0] === 'system' && fields[1] === 'serviceaccount' && fields[2]) {
    owner = fields[2];
    repo = fields[3] !== undefined ? `${fields[2]}/${fields[3]}` : undefined;
  } else if (s.startsWith('org/')) {
    const parts = s.split('/');
    owner = parts[1];
    repo = parts[3] !== undefined && parts[2] === 'project' ? `${parts[1]}/${parts[3]}` : undefined;
  } else if (fields.length === 1 && /^[^\s:]+\/[^\s:]+$/.test(s)) {
    // A bare "owner/repo" as typed on the command line.
    owner = s.split('/')[0];
    repo = s;
  }
  const out: SubjectLocation = {};
  if (owner && !hasWildcard(owner)) {
    out.owner = owner.toLowerCase();
    if (repo && !hasWildcard(repo)) out.repository = repo.toLowerCase();
  }
  return out;
}

/**
 * GSI bucket for an allowed pattern or an observed principal: the narrowest literal part
 * (repository, else owner, else the exact subject, else the provider's wildcard bucket).
 */
export function subjectBucket(subject: string): string {
  const loc = locateSubject(subject);
  if (loc.repository) return `REPO#${loc.repository}`;
  if (loc.owner) return `OWNER#${loc.owner}`;
  if (!hasWildcard(subject)) return `SUBJ#${subject}`;
  return WILD_SUBJECT;
}

/** Account id of an ARN or bare account id; undefined when it has a wildcard. */
export function accountOf(principal: string): string | undefined {
  if (/^\d{12}$/.test(principal)) return principal;
  const acct = principal.split(':')[4];
  return acct && /^\d{12}$/.test(acct) ? acct : undefined;
}

/** GSI bucket for a caller pattern or an observed caller. */
export function callerBucket(caller: string): string {
  const acct = accountOf(caller);
  return acct ? `ACCT#${acct}` : WILD_CALLER;
}

/** Buckets to query when asking which roles a subject, repository or caller may assume. */
export function lookupBuckets(query: string): { kind: 'subject' | 'caller'; buckets: string[] } {
  if (query.startsWith('arn:') || /^\d{12}$/.test(query)) {
    const acct = accountOf(query);
    return { kind: 'caller', buckets: [...(acct ? [`ACCT#${acct}`] : []), WILD_CALLER] };
  }
  const loc = locateSubject(query);
  const buckets: string[] = [];
  if (loc.repository) buckets.push(`REPO#${loc.repository}`);
  if (loc.owner) buckets.push(`OWNER#${loc.owner}`);
  if (!loc.repository && !loc.owner) buckets.push(`SUBJ#${query}`);
  buckets.push(WILD_SUBJECT);
  return { kind: 'subject', buckets };
}

/** Session record of a temporary access key (lineage; see TABLE.md). */
export const sessionPk = (key: string) => `SESSION#${key}`;
export const SESSION_SK = 'S';
/** GSI bucket of session records by session ARN (`gsi1sk` = `<issued ms, 15 digits>#<key>`), for `iamwatch trace ARN`. */
export const sessionArnBucket = (arn: string) => `SESSIONARN#${arn}`;
/** A logged call in its session's partition, in time order. */
export const sessionLogSk = (eventTime: string, eventId: string) => `L#${eventTime}#${eventId}`;
export const SESSION_LOG_PREFIX = 'L#';
/** GSI bucket of a logged call by event id (`gsi1sk` = the session key), for `iamwatch trace EVENT-ID`. */
export const eventBucket = (eventId: string) => `EVENT#${eventId}`;
