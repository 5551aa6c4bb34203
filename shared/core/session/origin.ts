/**
 * The alert's `origin` field (DESIGN.md, v0.2) from a session lineage, the one-line summary Slack and the
 * table show, and the lineage facts that raise an alert's severity. Pure.
 */
import { principalExpected } from '../baseline/expected.js';
import type { BaselineView } from '../baseline/view.js';
import { parseSubject } from '../oidc/subject.js';
import type { Lineage } from './lineage.js';
import { type SessionRecord, type SessionVia, shortIdentity } from './record.js';

/** One hop of an alert's origin chain (origin first). */
export interface OriginHop {
  /** The role (or user) the session acted as. */
  identity: string | null;
  via: SessionVia;
  /** OIDC or SAML subject (via oidc/saml). */
  subject?: string | null;
  /** The calling session, role, account or service (via caller/service). */
  caller?: string | null;
  /** The IAM user or root (via user-key/root). */
  user?: string | null;
  /** Issue time of the session (ISO). */
  at: string;
  sourceIp: string | null;
  eventId: string;
  /** The session's access key id (additive). */
  key?: string | null;
  /** Role session name (attacker-controlled; additive). */
  sessionName?: string | null;
  /** OIDC provider host or SAML provider (additive). */
  provider?: string | null;
  /** `sourceIdentity` of the session (set at the first hop, kept along the chain; additive). */
  sourceIdentity?: string;
  /** Session tags, inherited transitive ones included (attacker-influenced text; additive). */
  tags?: Record<string, string>;
  /** Keys of `tags` passed on down the chain (additive). */
  transitiveTagKeys?: string[];
}

/** `origin` of the alert JSON. */
export interface AlertOrigin {
  chain: OriginHop[];
  complete: boolean;
  why: string;
}

/** The alert field for a lineage (null lineage → null). */
export function originOf(lineage: Lineage | null): AlertOrigin | null {
  if (!lineage) return null;
  return { chain: lineage.chain.map(hopOf), complete: lineage.complete, why: lineage.why };
}

function hopOf(r: SessionRecord): OriginHop {
  const hop: OriginHop = {
    identity: r.identity,
    via: r.via,
    at: r.issuedAt,
    sourceIp: r.sourceIp,
    eventId: r.eventId,
  };
  if (r.via === 'oidc' || r.via === 'saml') {
    hop.subject = r.subject;
    hop.provider = r.provider;
  } else if (r.via === 'caller' || r.via === 'service') hop.caller = r.caller;
  else hop.user = r.user;
  hop.key = r.key;
  if (r.sessionName) hop.sessionName = r.sessionName;
  if (r.sourceIdentity) hop.sourceIdentity = r.sourceIdentity;
  if (r.tags) hop.tags = r.tags;
  if (r.transitiveTagKeys) hop.transitiveTagKeys = r.transitiveTagKeys;
  return hop;
}

const VIA_LABEL: Record<SessionVia, string> = {
  oidc: 'OIDC',
  saml: 'SAML',
  caller: 'caller',
  'user-key': 'user key',
  root: 'root',
  service: 'AWS service',
};

/**
 * One line: `via tf-apply ← gha-plan ← repo:fork/api:pull_request (OIDC), 10:02 UTC` (the acting session's
 * role first, then its parents, then the origin principal and the origin's issue time). Plain, unescaped text:
 * renderers escape it (it holds attacker-controlled subjects).
 */
export function originLine(o: AlertOrigin | null | undefined): string | null {
  if (!o) return null;
  if (o.chain.length === 0) return o.why;
  const roles = o.chain.map((h) => shortIdentity(h.identity)).reverse();
  const first = o.chain[0] as OriginHop;
  const principal = first.subject ?? first.caller ?? first.user ?? 'unknown';
  const time = first.at.length >= 16 ? `${first.at.slice(11, 16)} UTC` : first.at;
  const tail = o.complete ? '' : ' (origin incomplete)';
  return `via ${roles.join(' ← ')} ← ${principal} (${VIA_LABEL[first.via]}), ${time}${tail}`;
}

/**
 * Why the lineage makes an alert more urgent: the origin is a pull-request token, or a principal the origin
 * role's baseline does not expect (shared/core/baseline/expected.ts decides), or a session of the chain was
 * already alerted on. Empty when none.
 */
export function lineageConcerns(lineage: Lineage | null, view: BaselineView): string[] {
  if (!lineage || lineage.chain.length === 0) return [];
  const out: string[] = [];
  const first = lineage.chain[0] as SessionRecord;
  const claims = first.via === 'oidc' && first.subject ? parseSubject(first.subject, first.provider) : null;
  if (claims?.pullRequest) {
    out.push(
      `the session descends from a pull-request token (${first.subject}) through ${lineage.chain.length} hop(s)`,
    );
  }
  const expected = originExpected(first, view);
  if (expected && expected.expected === false) {
    out.push(`origin not expected for ${shortIdentity(first.identity)}: ${expected.reasons.join('; ')}`);
  }
  for (const r of lineage.chain) {
    if (r.alerted) {
      out.push(
        `session ${r.key ?? '(no key)'} of this chain (${shortIdentity(r.identity)}) was already alerted on`,
      );
      break;
    }
  }
  return out;
}

/** The baseline's verdict on the first hop's principal for the first hop's role. */
export function originExpected(first: SessionRecord, view: BaselineView) {
  const entry = view.lookup(first.identity);
  if (!entry) return null;
  if (first.via === 'oidc') {
    return principalExpected(entry, {
      kind: 'oidc',
      provider: first.provider,
      audience: first.audience,
      subject: first.subject,
      claims: first.subject ? parseSubject(first.subject, first.provider) : null,
    });
  }
  if (first.via === 'saml') return principalExpected(entry, { kind: 'saml', provider: first.provider });
  return principalExpected(entry, { kind: 'caller', caller: first.caller ?? first.user });
}

/** One sentence per hop, origin first: for reasons (attacker-controlled values stay data; renderers escape). */
export function chainReasons(lineage: Lineage): string[] {
  return lineage.chain.map((r, i) => {
    const who =
      r.via === 'oidc' || r.via === 'saml'
        ? `${VIA_LABEL[r.via]} subject ${r.subject ?? '(none)'}`
        : r.via === 'caller'
          ? `session ${r.caller ?? '(unknown)'}`
          : r.via === 'service'
            ? `AWS service ${r.caller ?? '(unknown)'}`
            : (r.user ?? r.via);
    const from = r.sourceIp ? ` from ${r.sourceIp}` : '';
    return `hop ${i + 1}: ${who} got ${shortIdentity(r.identity)} at ${r.issuedAt}${from} (${r.eventName}, key ${r.key ?? 'none'})`;
  });
}
