/** Longest untrusted value quoted in a detail sentence. */
const MAX_SHOWN = 200;

/**
 * Makes untrusted document text (Sids, ARNs, subjects) safe to embed in a one-line detail sentence:
 * control characters are escaped and long values truncated. Markup escaping is the renderers' job.
 */
export function shown(value: string): string {
  const escaped = value.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (ch) => {
    return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return escaped.length > MAX_SHOWN ? `${escaped.slice(0, MAX_SHOWN)}…` : escaped;
}
