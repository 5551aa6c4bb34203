/** Helpers that keep problem reasons short and single-line. */

// C0/C1 controls, line/paragraph separators and bidi overrides: nothing that can start a new log
// line or reorder what a terminal shows.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with unsafe characters replaced by spaces, cut to `max` characters. */
export function clip(text: string, max = 80): string {
  const head = text.length > max ? text.slice(0, max) : text;
  const clean = head.replace(UNSAFE, ' ');
  return text.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** Short reason for a JSON.parse failure. */
export function jsonReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // V8 quotes the offending input (`Unexpected token 'x', "…"... is not valid JSON`): drop the quote.
  const withoutEcho = message.replace(/, ".*is not valid JSON$/s, '');
  return `invalid JSON (${clip(withoutEcho, 80)})`;
}

/** Short reason for an I/O error (`ENOENT` → `no such file or directory`). */
export function ioReason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
    default:
      return typeof code === 'string'
        ? `cannot read (${clip(code, 20)})`
        : `cannot read (${clip(err instanceof Error ? err.message : String(err), 60)})`;
  }
}
