/**
 * An EventBridge event-pattern matcher, pure and dependency-free, so tests can prove that the
 * deployed rules select exactly the CloudTrail events the rule catalogue reads.
 *
 * Supported (as documented in "Amazon EventBridge event patterns" / "content filtering"):
 * exact values (string, number, boolean, null), `prefix`, `suffix` (both also with
 * `equals-ignore-case`), `equals-ignore-case`, `anything-but` (value, list, `prefix`, `suffix`,
 * `equals-ignore-case`, `wildcard`), `exists`, `wildcard`, `numeric` ranges, `cidr`, `$or`,
 * nested objects, and arrays in events (the field matches when any element matches).
 */
import { IamwatchError } from '../errors.js';

/** A parsed event pattern: nested objects whose leaves are arrays of matchers. */
export type EventPattern = { [key: string]: unknown };

/** The pattern is not one EventBridge would accept; the message names the path. */
export class EventPatternError extends IamwatchError {
  readonly path: string;
  constructor(path: string, message: string, opts?: { cause?: unknown }) {
    super(`event pattern at ${path || '<root>'}: ${message}`, { cause: opts?.cause });
    this.name = 'EventPatternError';
    this.path = path;
  }
}

type Json = unknown;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * True when `event` matches `pattern`. Throws {@link EventPatternError} for an invalid pattern
 * (so a typo in a deployed pattern fails the tests instead of silently matching nothing).
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  if (!isPlainObject(pattern)) throw new EventPatternError('', 'a pattern must be a JSON object');
  return matchObject(pattern, isPlainObject(event) ? event : {}, '');
}

/** Checks a pattern's shape without an event; throws {@link EventPatternError} on the first problem. */
export function validatePattern(pattern: unknown): asserts pattern is EventPattern {
  if (!isPlainObject(pattern)) throw new EventPatternError('', 'a pattern must be a JSON object');
  validateObject(pattern, '');
}

function validateObject(pattern: Record<string, unknown>, path: string): void {
  for (const [key, sub] of Object.entries(pattern)) {
    const here = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(sub) || sub.length < 2)
        throw new EventPatternError(here, '$or needs at least two patterns');
      sub.forEach((p, i) => {
        if (!isPlainObject(p))
          throw new EventPatternError(`${here}[${i}]`, 'each $or branch must be an object');
        validateObject(p, `${here}[${i}]`);
      });
    } else if (Array.isArray(sub)) {
      if (sub.length === 0) throw new EventPatternError(here, 'an empty list matches nothing');
      sub.forEach((m, i) => {
        validateMatcher(m, `${here}[${i}]`);
      });
    } else if (isPlainObject(sub)) {
      validateObject(sub, here);
    } else {
      throw new EventPatternError(here, 'a leaf must be a list of matchers');
    }
  }
}

function validateMatcher(m: Json, path: string): void {
  if (m === null || typeof m === 'string' || typeof m === 'number' || typeof m === 'boolean') return;
  if (!isPlainObject(m)) throw new EventPatternError(path, 'a matcher is a value or an object');
  const keys = Object.keys(m);
  if (keys.length !== 1) throw new EventPatternError(path, 'a matcher object has exactly one operator');
  const op = keys[0]!;
  const arg = m[op];
  switch (op) {
    case 'prefix':
    case 'suffix':
      if (typeof arg === 'string') return;
      if (
        isPlainObject(arg) &&
        typeof arg['equals-ignore-case'] === 'string' &&
        Object.keys(arg).length === 1
      )
        return;
      throw new EventPatternError(path, `${op} takes a string or {"equals-ignore-case": string}`);
    case 'equals-ignore-case':
    case 'wildcard':
    case 'cidr':
      if (typeof arg !== 'string') throw new EventPatternError(path, `${op} takes a string`);
      if (op === 'cidr') parseCidr(arg, path);
      return;
    case 'exists':
      if (typeof arg !== 'boolean') throw new EventPatternError(path, 'exists takes true or false');
      return;
    case 'numeric':
      parseNumeric(arg, path);
      return;
    case 'anything-but': {
      if (typeof arg === 'string' || typeof arg === 'number') return;
      if (
        Array.isArray(arg) &&
        arg.length > 0 &&
        arg.every((v) => typeof v === 'string' || typeof v === 'number')
      )
        return;
      if (isPlainObject(arg) && Object.keys(arg).length === 1) {
        const [inner] = Object.keys(arg);
        if (inner === 'prefix' || inner === 'suffix' || inner === 'wildcard') {
          const v = arg[inner];
          if (typeof v === 'string' || (inner === 'wildcard' && Array.isArray(v))) return;
        }
        if (inner === 'equals-ignore-case') {
          const v = arg[inner];
          if (typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))) return;
        }
      }
      throw new EventPatternError(
        path,
        'anything-but takes a value, a list, or {prefix|suffix|wildcard|equals-ignore-case}',
      );
    }
    default:
      throw new EventPatternError(path, `unknown operator ${JSON.stringify(op)}`);
  }
}

function matchObject(
  pattern: Record<string, unknown>,
  event: Record<string, unknown>,
  path: string,
): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    const here = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(sub)) throw new EventPatternError(here, '$or needs a list of patterns');
      const any = sub.some((branch, i) => {
        if (!isPlainObject(branch))
          throw new EventPatternError(`${here}[${i}]`, 'each $or branch must be an object');
        return matchObject(branch, event, path);
      });
      if (!any) return false;
      continue;
    }
    const value = Object.hasOwn(event, key) ? event[key] : undefined;
    if (Array.isArray(sub)) {
      if (!matchLeaf(sub, value, here)) return false;
    } else if (isPlainObject(sub)) {
      // A missing or scalar intermediate node behaves as an empty object: only `exists: false` leaves match.
      if (!matchObject(sub, isPlainObject(value) ? value : {}, here)) return false;
    } else {
      throw new EventPatternError(here, 'a leaf must be a list of matchers');
    }
  }
  return true;
}

function matchLeaf(matchers: unknown[], value: unknown, path: string): boolean {
  if (matchers.length === 0) throw new EventPatternError(path, 'an empty list matches nothing');
  // An array in the event matches when any element matches any matcher.
  const values: unknown[] = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return matchers.some((m, i) => {
    const where = `${path}[${i}]`;
    if (isPlainObject(m) && 'exists' in m) {
      validateMatcher(m, where);
      const present = values.length > 0 && values.some((v) => !isPlainObject(v));
      return m.exists === present;
    }
    return values.some((v) => matchOne(m, v, where));
  });
}

function matchOne(m: unknown, v: unknown, path: string): boolean {
  if (m === null || typeof m === 'string' || typeof m === 'number' || typeof m === 'boolean') return v === m;
  validateMatcher(m, path);
  const obj = m as Record<string, unknown>;
  const op = Object.keys(obj)[0]!;
  const arg = obj[op];
  switch (op) {
    case 'prefix':
      return typeof v === 'string' && stringOp(arg, v, (s, a) => s.startsWith(a));
    case 'suffix':
      return typeof v === 'string' && stringOp(arg, v, (s, a) => s.endsWith(a));
    case 'equals-ignore-case':
      return typeof v === 'string' && v.toLowerCase() === (arg as string).toLowerCase();
    case 'wildcard':
      return typeof v === 'string' && wildcardMatch(arg as string, v);
    case 'numeric':
      return typeof v === 'number' && numericMatch(parseNumeric(arg, path), v);
    case 'cidr':
      return typeof v === 'string' && cidrMatch(parseCidr(arg as string, path), v);
    case 'anything-but':
      return anythingBut(arg, v);
    default:
      throw new EventPatternError(path, `unknown operator ${JSON.stringify(op)}`);
  }
}

function stringOp(arg: unknown, v: string, f: (s: string, a: string) => boolean): boolean {
  if (typeof arg === 'string') return f(v, arg);
  const a = (arg as Record<string, string>)['equals-ignore-case']!;
  return f(v.toLowerCase(), a.toLowerCase());
}

function anythingBut(arg: unknown, v: unknown): boolean {
  if (v === undefined || v === null || isPlainObject(v)) return false;
  if (typeof arg === 'string' || typeof arg === 'number') return v !== arg;
  if (Array.isArray(arg)) return !arg.includes(v);
  const obj = arg as Record<string, unknown>;
  if (typeof v !== 'string')
    return 'prefix' in obj || 'suffix' in obj || 'wildcard' in obj || 'equals-ignore-case' in obj;
  if ('prefix' in obj) return !v.startsWith(obj.prefix as string);
  if ('suffix' in obj) return !v.endsWith(obj.suffix as string);
  if ('wildcard' in obj) {
    const ws = Array.isArray(obj.wildcard) ? (obj.wildcard as string[]) : [obj.wildcard as string];
    return !ws.some((w) => wildcardMatch(w, v));
  }
  const eic = obj['equals-ignore-case'];
  const list = Array.isArray(eic) ? (eic as string[]) : [eic as string];
  return !list.some((x) => x.toLowerCase() === v.toLowerCase());
}

/** `*` matches any run of characters (including none); `\*` is a literal star, `\\` a backslash. */
function wildcardMatch(pattern: string, value: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '\\')) {
      re += `\\${pattern[i + 1]}`;
      i++;
    } else if (c === '*') re += '.*';
    else re += c.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 's').test(value);
}

type NumericCond = { op: '<' | '<=' | '=' | '>' | '>='; n: number };

function parseNumeric(arg: unknown, path: string): NumericCond[] {
  if (!Array.isArray(arg) || arg.length === 0 || arg.length % 2 !== 0 || arg.length > 4)
    throw new EventPatternError(path, 'numeric takes [op, number] or [op, number, op, number]');
  const out: NumericCond[] = [];
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    const n = arg[i + 1];
    if (op !== '<' && op !== '<=' && op !== '=' && op !== '>' && op !== '>=')
      throw new EventPatternError(path, `numeric operator ${JSON.stringify(op)} is not one of < <= = > >=`);
    if (typeof n !== 'number' || !Number.isFinite(n))
      throw new EventPatternError(path, 'numeric bounds are numbers');
    out.push({ op, n });
  }
  return out;
}

function numericMatch(conds: NumericCond[], v: number): boolean {
  return conds.every(({ op, n }) => {
    switch (op) {
      case '<':
        return v < n;
      case '<=':
        return v <= n;
      case '=':
        return v === n;
      case '>':
        return v > n;
      case '>=':
        return v >= n;
      default:
        return false;
    }
  });
}

type Cidr = { addr: bigint; bits: number; width: 32 | 128 };

function parseCidr(s: string, path: string): Cidr {
  const [ip, len] = s.split('/');
  const addr = ip === undefined ? null : parseIp(ip);
  const bits = Number(len);
  if (!addr || !Number.isInteger(bits) || bits < 0 || bits > addr.width)
    throw new EventPatternError(path, `cidr ${JSON.stringify(s)} is not an IPv4 or IPv6 block`);
  return { addr: addr.value, bits, width: addr.width };
}

function parseIp(s: string): { value: bigint; width: 32 | 128 } | null {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return null;
    return { value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n), width: 32 };
  }
  if (!s.includes(':')) return null;
  const [head, tail, extra] = s.split('::');
  if (extra !== undefined) return null;
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const missing = 8 - h.length - t.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return null;
  const groups = [...h, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...t];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  return { value: groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n), width: 128 };
}

function cidrMatch(c: Cidr, v: string): boolean {
  const ip = parseIp(v);
  if (!ip || ip.width !== c.width) return false;
  const shift = BigInt(c.width - c.bits);
  return ip.value >> shift === c.addr >> shift;
}
