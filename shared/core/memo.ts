/**
 * A bounded memo for pure functions of a string (ARN parsing, dates): the same key always gives the same
 * value, so a hit can never change a result — only spare the work. Bounded two ways so untrusted input
 * cannot grow it: at most `limit` entries (the oldest entry is dropped first, insertion order, so the
 * contents are deterministic for a given input order), and keys longer than `maxKeyLength` are computed
 * every time and never stored. Values are shared between callers: store only immutable (frozen) values.
 */
export class BoundedMemo<V> {
  private readonly map = new Map<string, V>();

  /**
   * @param limit - most entries kept (≥ 1).
   * @param maxKeyLength - longer keys are never stored.
   */
  constructor(
    readonly limit: number,
    readonly maxKeyLength = 1024,
  ) {
    if (!(limit >= 1)) throw new RangeError(`BoundedMemo limit must be at least 1, got ${limit}`);
  }

  /** Entries held now (never more than `limit`). */
  get size(): number {
    return this.map.size;
  }

  /** True when `key` is held (a later `get` of it does not call `compute`). */
  has(key: string): boolean {
    return this.map.has(key);
  }

  /** The value for `key`: the stored one, else `compute(key)` (stored when the key is short enough). */
  get(key: string, compute: (key: string) => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined || this.map.has(key)) return hit as V;
    const value = compute(key);
    if (key.length <= this.maxKeyLength) {
      if (this.map.size >= this.limit) {
        const oldest = this.map.keys().next();
        if (oldest.done !== true) this.map.delete(oldest.value);
      }
      this.map.set(key, value);
    }
    return value;
  }

  /** Drops every entry. */
  clear(): void {
    this.map.clear();
  }
}
