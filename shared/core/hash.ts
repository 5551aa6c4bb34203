import { createHash } from 'node:crypto';

/** Short stable hex digest (not a security boundary: ids and dedupe keys). */
export function stableHash(...parts: Array<string | null | undefined>): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(p ?? '\u0000null');
    h.update('\u0001');
  }
  return h.digest('hex').slice(0, 32);
}
