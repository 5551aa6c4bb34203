/** Small, total readers for untrusted JSON: they never throw and never coerce objects to strings. */

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(v: unknown): Obj | null {
  return isObj(v) ? v : null;
}

/** A string field, or null when absent or of another type. */
export function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** A non-empty string field, or null. */
export function nstr(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

export function bool(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return null;
}

/**
 * Reads `root[a]`, or `root[a][b]`, through nested objects; null as soon as a step is not an object. Two keys
 * at most, as named parameters: a rest parameter would build an array per call (several calls per record).
 */
export function path(root: unknown, a: string, b?: string): unknown {
  if (!isObj(root)) return null;
  const v = root[a];
  if (b === undefined) return v;
  return isObj(v) ? v[b] : null;
}
