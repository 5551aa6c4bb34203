/** Field paths of baseline issues: `['identities', 1, 'oidc', 0, 'subject']` ↔ `identities[1].oidc[0].subject`. */

/** One step of a path into the baseline's data: a mapping key or a list index. */
export type Segment = string | number;

/** `['identities', 1, 'oidc', 0, 'subject']` → `identities[1].oidc[0].subject`. */
export function formatPath(path: readonly Segment[]): string {
  let out = '';
  for (const s of path) out = appendPath(out, s);
  return out;
}

/** The formatted path of `s` under the formatted path `prefix`: `appendPath('identities', 1)` → `identities[1]`. */
export function appendPath(prefix: string, s: Segment): string {
  if (typeof s === 'number') return `${prefix}[${s}]`;
  if (/^[A-Za-z0-9_-]+$/.test(s)) return prefix === '' ? s : `${prefix}.${s}`;
  return `${prefix}[${JSON.stringify(s)}]`;
}

/** Inverse of formatPath for the paths warnings produce. */
export function parsePath(field: string): Segment[] {
  const out: Segment[] = [];
  for (const m of field.matchAll(/([A-Za-z0-9_-]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(m[3]) as string);
  }
  return out;
}
