/** Terminal-safe text: attacker-controlled strings must not carry escape sequences or new lines. */

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Removes control characters (ANSI escapes, new lines, bidi overrides) and caps the length. */
export function safeText(s: string | null | undefined, max = 200): string {
  if (s == null) return '';
  const clean = s.length > max * 4 ? s.slice(0, max * 4) : s;
  const out = clean.replace(CONTROL, '\u2400');
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

export function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** Fixed-width table with a header row; cells are sanitised. */
export function renderTable(headers: string[], rows: string[][], maxWidths: number[] = []): string {
  const cells = rows.map((r) => r.map((c, i) => safeText(c, maxWidths[i] ?? 60)));
  // A loop, not Math.max(...spread): a spread of 100k+ rows overflows the call stack.
  const widths = headers.map((h) => h.length);
  for (const r of cells)
    for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i]!, (r[i] ?? '').length);
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}
