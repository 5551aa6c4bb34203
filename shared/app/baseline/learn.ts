/**
 * `baseline learn`: propose a baseline from what CloudTrail shows. Never wider than observed:
 * every subject and caller is kept exact (grouped by repository for reading); the one wildcard is
 * a GitHub release tag (`…:ref:refs/tags/*`), because every release brings a new tag.
 * Roles assumed through SAML or named `AWSReservedSSO_*` (IAM Identity Center permission sets) are
 * proposed as `human`; roles seen only acting (as a session issuer) are proposed too.
 */
import { identityKeyOf, identityKeyString, isServiceLinkedRole, parseIdentityArn } from '../../core/arn.js';
import { assumeCaller } from '../../core/cloudtrail/accessors.js';
import type { NormalisedEvent } from '../../core/cloudtrail/types.js';
import { parseSubject } from '../../core/oidc/subject.js';

const DAY_MS = 86_400_000;

interface Seen {
  count: number;
  first: string;
  last: string;
}

interface LearnedOidc {
  provider: string;
  audiences: Map<string, number>;
  subjects: Map<string, Seen>;
  pullRequests: number;
}

/** What was observed for one role. */
export interface LearnedRole {
  arn: string;
  oidc: Map<string, LearnedOidc>;
  callers: Map<string, Seen>;
  /** Successful assumptions of the role. */
  events: number;
  /** Of those, through AssumeRoleWithSAML (people signing in through an identity provider). */
  saml: number;
  /** Calls made with a session of the role (it appears as the session issuer). */
  acted: number;
  /** Of those, IAM writes (a hint that it may be infrastructure as code). */
  iamWrites: number;
}

/** GitHub's default subject for a tag: `repo:OWNER/REPO:ref:refs/tags/TAG`. */
const GITHUB_TAG = /^(repo:[^:]+:ref:refs\/tags\/)[^:]+$/;

/** IAM Identity Center permission-set roles are named `AWSReservedSSO_<set>_<hash>`. */
const SSO_ROLE = /^AWSReservedSSO_/;

/**
 * The subject pattern a learned baseline proposes for an observed subject: the subject itself,
 * except that a GitHub release tag becomes `refs/tags/*` (each release has a new tag).
 */
export function learnedSubject(subject: string, provider: string): string {
  if (!/githubusercontent\.com$/i.test(provider)) return subject;
  const m = GITHUB_TAG.exec(subject);
  return m === null ? subject : `${m[1]}*`;
}

/** Accumulates successful assumptions into per-role observations. */
export class BaselineLearner {
  readonly roles = new Map<string, LearnedRole>();
  events = 0;
  used = 0;

  /** Learned role ARN by identity key, so `role/path/x` and a session issuer `role/path/x` meet. */
  private readonly byKey = new Map<string, string>();

  private role(arn: string): LearnedRole {
    const key = identityKeyOf(arn);
    const id = key === null ? arn : identityKeyString(key);
    const known = this.roles.get(this.byKey.get(id) ?? arn);
    if (known) {
      // Prefer the ARN with its path (what an assumption names) over a shorter spelling.
      if (arn.length > known.arn.length) {
        this.roles.delete(known.arn);
        known.arn = arn;
        this.roles.set(arn, known);
        this.byKey.set(id, arn);
      }
      return known;
    }
    const r: LearnedRole = {
      arn,
      oidc: new Map(),
      callers: new Map(),
      events: 0,
      saml: 0,
      acted: 0,
      iamWrites: 0,
    };
    this.roles.set(arn, r);
    this.byKey.set(id, arn);
    return r;
  }

  private static bump(m: Map<string, Seen>, key: string, time: string): void {
    const s = m.get(key);
    if (!s) m.set(key, { count: 1, first: time, last: time });
    else {
      s.count++;
      if (time < s.first) s.first = time;
      if (time > s.last) s.last = time;
    }
  }

  add(e: NormalisedEvent): void {
    this.events++;
    // A role session acting: the role exists and is used, whether or not its assumption is in view.
    const issuer = e.actor.type === 'AssumedRole' ? e.actor.arn : null;
    // AWS creates and assumes service-linked roles itself; nobody owns them in a baseline.
    const id = parseIdentityArn(issuer);
    if (
      issuer !== null &&
      id?.kind === 'role' &&
      /^\d{12}$/.test(id.account) &&
      !isServiceLinkedRole(issuer)
    ) {
      const r = this.role(issuer);
      r.acted++;
      if (e.eventSource === 'iam.amazonaws.com' && e.readOnly === false) r.iamWrites++;
    }
    if (!e.success) return;
    const roleArn =
      e.target?.type === 'role' && e.target.arn
        ? e.target.arn
        : typeof e.requestParameters?.roleArn === 'string'
          ? e.requestParameters.roleArn
          : null;
    if (!roleArn) return;
    if (e.eventName === 'AssumeRoleWithWebIdentity') {
      const provider = e.oidc?.provider;
      const subject = e.oidc?.subject;
      if (!provider || !subject) return;
      const r = this.role(roleArn);
      let o = r.oidc.get(provider);
      if (!o) {
        o = { provider, audiences: new Map(), subjects: new Map(), pullRequests: 0 };
        r.oidc.set(provider, o);
      }
      if (e.oidc?.audience) o.audiences.set(e.oidc.audience, (o.audiences.get(e.oidc.audience) ?? 0) + 1);
      BaselineLearner.bump(o.subjects, learnedSubject(subject, provider), e.eventTime);
      if (parseSubject(subject, provider).pullRequest) o.pullRequests++;
      r.events++;
      this.used++;
    } else if (e.eventName === 'AssumeRole' || e.eventName === 'AssumeRoleWithSAML') {
      const caller = assumeCaller(e);
      if (!caller) return;
      const r = this.role(roleArn);
      BaselineLearner.bump(r.callers, caller, e.eventTime);
      if (e.eventName === 'AssumeRoleWithSAML') r.saml++;
      r.events++;
      this.used++;
    }
  }
}

/** A YAML double-quoted scalar (JSON strings are valid YAML), safe for any attacker text. */
const q = (s: string) => JSON.stringify(s);
/** Comment text: one line, no control characters. */
const c = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
const day = (iso: string) => iso.slice(0, 10);

function seenComment(s: Seen): string {
  const span = day(s.first) === day(s.last) ? day(s.first) : `${day(s.first)}..${day(s.last)}`;
  return `# ${s.count} event${s.count === 1 ? '' : 's'}, ${c(span)}`;
}

/** Repository of a subject for grouping (the raw subject when it has none). */
function groupOf(subject: string, provider: string): string {
  return parseSubject(subject, provider).repository ?? '(no repository)';
}

/**
 * Renders the learned roles as a baseline YAML (version 1) that parseBaseline accepts: owners
 * `TODO`, `review_after` = today + 90 days, counts and date spans as comments.
 */
export function renderLearnedBaseline(
  learner: BaselineLearner,
  opts: { nowMs: number; sources?: string[] },
): string {
  const reviewAfter = new Date(opts.nowMs + 90 * DAY_MS).toISOString().slice(0, 10);
  const today = new Date(opts.nowMs).toISOString().slice(0, 10);
  const lines: string[] = [
    `# Proposed by \`iamwatch baseline learn\` on ${today} from ${learner.events} events (${learner.used} successful role assumptions).`,
    '# Only what was observed is allowed: subjects and callers are exact; the one wildcard is a GitHub',
    '# release tag (refs/tags/*), since every release has a new tag.',
    '# Replace every TODO, remove what should not be trusted, then `iamwatch baseline validate` and `sync`.',
    'version: 1',
  ];
  const roles = [...learner.roles.values()].sort((a, b) => a.arn.localeCompare(b.arn));
  if (roles.length === 0) {
    lines.push('identities: []');
    return `${lines.join('\n')}\n`;
  }
  lines.push('identities:');
  for (const r of roles) {
    // A role named like a break-glass role is proposed as one, so its use keeps alerting until reviewed.
    const name = r.arn.slice(r.arn.lastIndexOf('/') + 1);
    const breakGlass = /break[-_]?glass|emergency/i.test(name);
    // People: SAML federation, and Identity Center permission sets (which sign in through SAML).
    const human = r.saml > 0 || SSO_ROLE.test(name);
    const kind = breakGlass ? 'break-glass' : human ? 'human' : r.oidc.size > 0 ? 'ci' : 'workload';
    const how = [
      r.oidc.size > 0 ? `OIDC from ${[...r.oidc.keys()].sort().join(', ')}` : null,
      r.saml > 0 ? `SAML sign-in (${r.saml})` : null,
      r.callers.size > 0 ? `AssumeRole by ${r.callers.size} caller${r.callers.size === 1 ? '' : 's'}` : null,
      r.events === 0 ? `only seen acting, ${r.acted} call${r.acted === 1 ? '' : 's'}` : null,
    ]
      .filter(Boolean)
      .join('; ');
    const seenAs =
      r.events > 0
        ? `${r.events} assumption${r.events === 1 ? '' : 's'}`
        : `never seen assumed; acted ${r.acted} time${r.acted === 1 ? '' : 's'}` +
          (r.iamWrites > 0 ? `, ${r.iamWrites} IAM write${r.iamWrites === 1 ? '' : 's'} (iac?)` : '');
    lines.push(`  - arn: ${q(r.arn)}   # ${c(seenAs)}`);
    lines.push(`    kind: ${kind}   # TODO: confirm (human | workload | ci | iac | vendor | break-glass)`);
    lines.push('    owner: TODO');
    lines.push(`    purpose: ${q(`TODO: describe (observed: ${c(how)})`)}`);
    lines.push(`    review_after: ${reviewAfter}`);
    if (r.oidc.size > 0) {
      lines.push('    oidc:');
      for (const o of [...r.oidc.values()].sort((a, b) => a.provider.localeCompare(b.provider))) {
        lines.push(`      - provider: ${q(o.provider)}`);
        // Only one audience can be declared; with several observed, leave it open and say so.
        if (o.audiences.size === 1)
          lines.push(`        audience: ${q([...o.audiences.keys()][0] as string)}`);
        else if (o.audiences.size > 1) {
          lines.push(`        # audiences observed: ${c([...o.audiences.keys()].sort().join(', '))}`);
        }
        // Pull-request contexts run code anyone can propose: observed ones are listed, commented out,
        // never trusted by a learned baseline (the owner decides, with allow_pull_requests: true).
        const prs = [...o.subjects].filter(([sub]) => parseSubject(sub, o.provider).pullRequest);
        const trusted = [...o.subjects].filter(([sub]) => !parseSubject(sub, o.provider).pullRequest);
        lines.push(trusted.length > 0 ? '        subjects:' : '        subjects: []');
        const groups = new Map<string, Array<[string, Seen]>>();
        for (const [sub, seen] of trusted) {
          const g = groupOf(sub, o.provider);
          const list = groups.get(g) ?? [];
          list.push([sub, seen]);
          groups.set(g, list);
        }
        for (const g of [...groups.keys()].sort()) {
          const list = (groups.get(g) ?? []).sort(([a], [b]) => a.localeCompare(b));
          const total = list.reduce((n, [, s]) => n + s.count, 0);
          lines.push(
            `          # ${c(g)}: ${list.length} subject${list.length === 1 ? '' : 's'}, ${total} events`,
          );
          for (const [sub, seen] of list) lines.push(`          - ${q(sub)}   ${seenComment(seen)}`);
        }
        if (prs.length > 0) {
          lines.push(
            `        # NOT trusted: ${o.pullRequests} pull-request assumption${o.pullRequests === 1 ? '' : 's'} observed. Only if this role is meant for`,
            '        # pull-request checks: move these into subjects and set allow_pull_requests: true.',
          );
          for (const [sub, seen] of prs.sort(([a], [b]) => a.localeCompare(b))) {
            lines.push(`        #   - ${q(sub)}   ${seenComment(seen)}`);
          }
        }
      }
    }
    if (r.callers.size > 0) {
      lines.push('    callers:');
      for (const [caller, seen] of [...r.callers.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        lines.push(`      - ${q(caller)}   ${seenComment(seen)}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
