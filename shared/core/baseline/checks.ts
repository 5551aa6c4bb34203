/**
 * Checks on a schema-valid baseline that are not about how wide a pattern is (those are
 * `warnings.ts`): references that point nowhere (errors: a suppression of a rule that does not
 * exist, an incident for an identity the baseline does not declare, both of which would silently
 * do nothing) and placeholders left in (warnings: `owner: TODO`, a `review_after` already past).
 * Pure: the reference time and the rule ids are passed in.
 */
import { identityKeyOf, sameIdentity } from '../arn.js';
import { matchArn } from './patterns.js';
import { suggest } from './suggest.js';
import type { Baseline, BaselineIssue } from './types.js';

/** A problem before it is given a file and line (parse.ts adds those). */
export interface BaselineCheck {
  /** Dotted path in file terms, e.g. `suppressions[0].rule`. */
  field: string;
  message: string;
  level: BaselineIssue['level'];
}

export interface CheckOptions {
  /** Reference time; omitted → no "review_after is past" warnings (core has no clock). */
  nowMs?: number;
  /**
   * Ids of the rule catalogue. When given, a suppression naming another id is an error with a
   * "did you mean". The caller supplies them (core/rules imports the baseline, not the reverse).
   */
  ruleIds?: readonly string[];
}

const DAY_MS = 86_400_000;

/**
 * Text that stands for "somebody fill this in": TODO, TBD, FIXME, XXX, ?, -, n/a, none, unknown,
 * changeme, owner, and TODO/TBD/FIXME followed by text (`TODO: describe`).
 */
const PLACEHOLDER =
  /^(?:(?:todo|tbd|fixme|xxx)(?:[\s:(.!].*)?|\?+|-+|_+|\.+|n\/?a|none|null|nobody|unknown|unassigned|changeme|change-me|owner|someone|placeholder)$/i;

/** True when `value` is a placeholder rather than a real owner or purpose. */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  return v === '' || PLACEHOLDER.test(v);
}

/** Every check result for a baseline, in file order (errors and warnings mixed). */
export function baselineChecks(b: Baseline, opts: CheckOptions = {}): BaselineCheck[] {
  const out: BaselineCheck[] = [];
  b.identities.forEach((identity, i) => {
    if (isPlaceholder(identity.owner)) {
      out.push({
        field: `identities[${i}].owner`,
        message: `"${identity.owner}" is a placeholder: name the team or person who answers for ${identity.arn}`,
        level: 'warning',
      });
    }
    if (isPlaceholder(identity.purpose)) {
      out.push({
        field: `identities[${i}].purpose`,
        message: `"${identity.purpose}" is a placeholder: say why ${identity.arn} exists`,
        level: 'warning',
      });
    }
    if (identity.reviewAfter !== undefined && opts.nowMs !== undefined) {
      const due = Date.parse(`${identity.reviewAfter}T00:00:00Z`);
      if (Number.isFinite(due) && due + DAY_MS <= opts.nowMs) {
        out.push({
          field: `identities[${i}].review_after`,
          message: `review was due on ${identity.reviewAfter}: review ${identity.arn} and move the date forward`,
          level: 'warning',
        });
      }
    }
  });

  b.suppressions.forEach((s, i) => {
    const unknown = unknownRule(
      `suppressions[${i}].rule`,
      s.rule,
      opts.ruleIds,
      'this suppression would suppress',
    );
    if (unknown) out.push(unknown);
    if (isPlaceholder(s.owner)) {
      out.push({
        field: `suppressions[${i}].owner`,
        message: `"${s.owner}" is a placeholder: name who answers for this suppression`,
        level: 'warning',
      });
    }
  });

  (b.rules ?? []).forEach((r, i) => {
    const unknown = unknownRule(`rules[${i}].rule`, r.rule, opts.ruleIds, 'this entry would tune');
    if (unknown) out.push(unknown);
  });

  b.incidents.forEach((w, i) => {
    if (b.identities.some((identity) => incidentNames(w.identity, identity.arn))) return;
    const hint = closestIdentity(w.identity, b);
    out.push({
      field: `incidents[${i}].identity`,
      message:
        `${w.identity} is not an identity of this baseline, so the window would cover nothing ` +
        (hint === null ? '(declare it under identities)' : `(did you mean "${hint}"?)`),
      level: 'error',
    });
  });
  return out;
}

/**
 * The error for a `rule` field naming no rule of `ruleIds` (with the closest id as a hint); null when it
 * names one, or when the ids are not known. `effect` says what the entry would then do nothing of.
 */
function unknownRule(
  field: string,
  rule: string,
  ruleIds: readonly string[] | undefined,
  effect: string,
): BaselineCheck | null {
  if (ruleIds === undefined || ruleIds.includes(rule)) return null;
  const hint = suggest(rule, ruleIds);
  return {
    field,
    message:
      `unknown rule "${rule}": ${effect} nothing ` +
      (hint === null ? '(see `iamwatch rules list`)' : `(did you mean "${hint}"?)`),
    level: 'error',
  };
}

/** True when an incident's identity (an ARN or ARN pattern) covers a baseline identity's ARN. */
function incidentNames(incident: string, identityArn: string): boolean {
  // The same tests BaselineIndex.incidentAt applies, in both directions because either side may
  // carry a `*` account.
  return (
    matchArn(incident, identityArn) ||
    sameIdentity(incident, identityArn) ||
    sameIdentity(identityArn, incident)
  );
}

/** The baseline identity ARN an incident most likely meant: same name elsewhere, else a near name. */
function closestIdentity(incident: string, b: Baseline): string | null {
  const key = identityKeyOf(incident);
  const name = key?.name ?? incident.slice(incident.lastIndexOf('/') + 1).toLowerCase();
  const sameName = b.identities.find((i) => identityKeyOf(i.arn)?.name === name);
  if (sameName !== undefined) return sameName.arn;
  const names = b.identities.map((i) => identityKeyOf(i.arn)?.name ?? '');
  const hint = suggest(name, names);
  return hint === null ? null : (b.identities[names.indexOf(hint)]?.arn ?? null);
}
