/**
 * Reading a function's environment variables for its `config.ts`: blank counts as unset, numbers are
 * checked, and every problem is a {@link ConfigError} naming the variable.
 */
import { ConfigError } from './errors.js';

/** A function's environment (`process.env` in a composition root, a plain object in tests). */
export type Env = Readonly<Record<string, string | undefined>>;

/** The first of `names` set to a non-blank value, trimmed; undefined when none is. */
export function optionalVar(env: Env, ...names: readonly string[]): string | undefined {
  for (const name of names) {
    const v = env[name]?.trim();
    if (v) return v;
  }
  return undefined;
}

/**
 * The first of `names` set to a non-blank value, trimmed.
 * @throws ConfigError `"<first> (or <others>) must name <what>"` when none is set.
 */
export function requiredVar(env: Env, names: readonly [string, ...string[]], what: string): string {
  const v = optionalVar(env, ...names);
  if (v !== undefined) return v;
  const [first, ...others] = names;
  const alias = others.length > 0 ? ` (or ${others.join(', ')})` : '';
  throw new ConfigError(`${first}${alias} must name ${what}`);
}

/**
 * A number of `unit` in `name`, `fallback` when unset or blank; it must be finite, at least `min` and at most
 * `max` when given (`positive`: greater than 0).
 * @throws ConfigError naming the variable and the value found.
 */
export function numberVar(
  env: Env,
  name: string,
  opts: { fallback: number; unit: string; min?: number; max?: number; positive?: boolean },
): number {
  const raw = env[name]?.trim();
  if (!raw) return opts.fallback;
  const n = Number(raw);
  const min = opts.min ?? 0;
  const max = opts.max ?? Number.POSITIVE_INFINITY;
  if (!Number.isFinite(n) || n < min || n > max || (opts.positive === true && n <= 0)) {
    const bound =
      opts.positive === true
        ? 'greater than 0'
        : opts.max !== undefined
          ? `from ${min} to ${opts.max}`
          : `at least ${min}`;
    throw new ConfigError(`${name} must be a number of ${opts.unit}, ${bound} (got "${raw.slice(0, 40)}")`);
  }
  return n;
}
