/**
 * Filling a rule's runbook line for one alert: `iamwatch baseline show <role>` becomes a command the responder
 * can paste. Pure.
 */
import { sanitizeText, shellQuote } from './escape.js';

/** Values for the placeholders a runbook line may name; null leaves the placeholder as written. */
export interface RunbookValues {
  role?: string | null;
  identity?: string | null;
  actor?: string | null;
  user?: string | null;
  subject?: string | null;
  target?: string | null;
  /** The session's access key (or, without one, the event id): what `iamwatch trace` takes. */
  key?: string | null;
}

const PLACEHOLDER = /<(role|identity|actor|user|subject|target|key)>/g;

/** The runbook step every alert with tracked lineage ends with (DESIGN.md: `iamwatch trace`). */
export const TRACE_STEP = 'iamwatch trace <key>';

/**
 * Replaces `<role>`, `<identity>`, `<actor>`, `<user>`, `<subject>`, `<target>` and `<key>` with the given values.
 * Values are event data (attacker-controlled in part): control characters are removed and anything that is not
 * a plain token is single-quoted for a POSIX shell, so the filled line stays one line and one argument per
 * value. Unknown placeholders (`<file>`, `<archive>`) and those without a value are left as written.
 */
export function fillRunbook(template: string, values: RunbookValues): string {
  return template.replace(PLACEHOLDER, (whole, name: keyof RunbookValues) => {
    const v = values[name];
    if (v === null || v === undefined || v === '') return whole;
    return shellQuote(sanitizeText(v, { max: 2048 }));
  });
}
