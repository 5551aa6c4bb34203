/**
 * README.md and docs/*.md mention no file that does not exist: Markdown links to relative paths, and paths
 * in backticks under the repository's own top-level folders (placeholders such as `<id>` or `*` are skipped).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const docs = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const TOP = /^(?:\.\/)?(?:shared|functions|infra|docs|test|bin|scripts|examples|bench|notes|dist)\//;
const ROOT_FILES =
  /^(?:README|CHANGELOG|CONTRIBUTING|LICENSE)(?:\.md)?$|^(?:serverless\.yml|package\.json|biome\.json|tsconfig\.json|vitest\.config\.ts)$/;
/** Built or generated at run time, not in the repository. */
const BUILT = /^(?:\.\/)?(?:dist|bench\/out|\.serverless)\//;

/** Relative paths a document mentions, with line numbers. */
function mentionedPaths(md: string): Array<{ line: number; ref: string; link: boolean }> {
  const out: Array<{ line: number; ref: string; link: boolean }> = [];
  const lines = md.split('\n');
  let fenced = false;
  for (const [i, l] of lines.entries()) {
    if (l.startsWith('```')) fenced = !fenced;
    for (const m of l.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!.split('#')[0]!;
      if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      out.push({ line: i + 1, ref: target, link: true });
    }
    // Any Markdown file named anywhere on the line (prose included), outside URLs.
    for (const m of l.replace(/https?:\/\/\S+/g, '').matchAll(/(?<![\w./-])([\w./-]+\.md)\b/g)) {
      if (!BUILT.test(m[1]!)) out.push({ line: i + 1, ref: m[1]!, link: false });
    }
    const tokens = fenced ? l.split(/[\s"'=(),]+/) : [...l.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    for (const t of tokens) {
      const ref = t.replace(/[.:;,]+$/, '');
      if (!(TOP.test(ref) || ROOT_FILES.test(ref)) || BUILT.test(ref)) continue;
      if (/[<>*{}…$]/.test(ref) || ref.includes(' ')) continue;
      out.push({ line: i + 1, ref, link: false });
    }
  }
  return out;
}

describe('documentation references', () => {
  it.each(docs)('%s mentions only files that exist', (doc) => {
    const md = readFileSync(path.join(root, doc), 'utf8');
    const base = path.dirname(path.join(root, doc));
    const missing = mentionedPaths(md)
      .filter(({ ref, link }) =>
        link
          ? !existsSync(path.resolve(base, ref))
          : !existsSync(path.join(root, ref)) && !existsSync(path.resolve(base, ref)),
      )
      .map(({ line, ref }) => `${doc}:${line}: ${ref}`);
    expect(missing).toEqual([]);
  });

  it('finds links and backticked paths (the check can fail)', () => {
    const refs = mentionedPaths(
      'see [x](docs/nope.md) and `shared/nope.ts`, the DESIGN.md catalogue, not `iamwatch/baseline.yaml`\n',
    );
    expect(refs.map((r) => r.ref)).toEqual(['docs/nope.md', 'docs/nope.md', 'DESIGN.md', 'shared/nope.ts']);
  });

  it('nothing refers to notes/, which is not part of the product', () => {
    expect(existsSync(path.join(root, 'notes'))).toBe(false);
    for (const doc of [...docs, 'CONTRIBUTING.md', 'CHANGELOG.md']) {
      expect(readFileSync(path.join(root, doc), 'utf8'), doc).not.toMatch(/\bnotes\/|HELPERS\.md/);
    }
  });
});
