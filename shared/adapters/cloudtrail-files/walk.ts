/** Expands inputs (files, directories, `-`) lazily, in a deterministic order. */
import type { Dirent, Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { dirAdmits, fileAdmits, isEmptyFilter, type TrailFilter } from './layout.js';
import { ioReason } from './text.js';

/**
 * One step of the expansion, in order: a regular file to read, a named pipe or device to read as a
 * stream (in the calling thread, like stdin: opening it may wait for a writer), stdin, or a problem.
 */
export type InputItem =
  | { kind: 'file'; path: string }
  | { kind: 'stream'; path: string }
  | { kind: 'stdin' }
  | { kind: 'problem'; path: string; reason: string };

/** Files read when walking a directory (explicitly named files are always read). */
const DATA_FILE = /\.(json|jsonl|ndjson|gz)$/i;
/** CloudTrail digest files: integrity hashes, no records. */
const DIGEST_DIR = 'CloudTrail-Digest';

function byName(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** A directory being walked: its sorted entries, the next one to look at, and its identity (dev:ino). */
interface Frame {
  entries: Dirent[];
  next: number;
  /** What an entry's name is appended to for its path (the directory and a separator); null for the root. */
  prefix: string | null;
  id: string;
}

/**
 * Walks `root` depth first, entries sorted, skipping a directory that is one of its own ancestors (a
 * symlink loop). One generator with an explicit stack, not one per directory: a file found seven
 * directories down (the CloudTrail key layout) then costs one `yield`, not one per level.
 */
async function* walkTree(root: string, filter: TrailFilter | undefined): AsyncGenerator<InputItem> {
  const ancestors = new Set<string>();
  const stack: Frame[] = [];
  let enter: string | null = root;
  for (;;) {
    if (enter !== null) {
      const dir = enter;
      enter = null;
      let id: string | null = null;
      try {
        const st = await stat(dir);
        id = `${st.dev}:${st.ino}`;
      } catch (err) {
        yield { kind: 'problem', path: dir, reason: ioReason(err) };
      }
      if (id !== null && !ancestors.has(id)) {
        let entries: Dirent[] | null = null;
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch (err) {
          yield { kind: 'problem', path: dir, reason: ioReason(err) };
        }
        if (entries !== null) {
          entries.sort(byName);
          ancestors.add(id);
          // Below the root (entered with its parent on the stack), `dir` came from join(): normalised, so
          // join(dir, name) is dir + sep + name. The root is as given (`logs/`, `./logs`): joined.
          stack.push({ entries, next: 0, prefix: stack.length === 0 ? null : dir + sep, id });
        }
      }
    }
    const top = stack[stack.length - 1];
    if (top === undefined) return;
    const entry = top.entries[top.next++];
    if (entry === undefined) {
      ancestors.delete(top.id);
      stack.pop();
      continue;
    }
    if (entry.name.startsWith('.')) continue;
    const path = top.prefix === null ? join(root, entry.name) : top.prefix + entry.name;
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const st = await stat(path);
        isDir = st.isDirectory();
        isFile = st.isFile();
      } catch (err) {
        yield { kind: 'problem', path, reason: ioReason(err) };
        continue;
      }
    }
    if (isDir) {
      if (entry.name === DIGEST_DIR) continue;
      if (filter && !dirAdmits(path.split(sep), filter)) continue;
      enter = path;
    } else if (isFile && DATA_FILE.test(entry.name) && !entry.name.includes('_CloudTrail-Digest_')) {
      if (filter && !fileAdmits(path.split(sep), filter)) continue;
      yield { kind: 'file', path };
    }
  }
}

/**
 * Inputs in order; directories walked recursively, entries sorted by name (code units),
 * dotfiles and dot-directories skipped, only `.json`/`.jsonl`/`.ndjson`/`.gz` files taken. A named
 * pipe or character device given by name (`<(zcat …)`, `/dev/stdin`) is a `stream`; a socket is a problem.
 * With `filter`, directories and files under a CloudTrail key layout that cannot hold a matching
 * record are skipped unread (explicitly named files are always read).
 */
export async function* walkInputs(
  inputs: readonly string[],
  filterIn?: TrailFilter,
): AsyncGenerator<InputItem> {
  const filter = isEmptyFilter(filterIn) ? undefined : filterIn;
  for (const input of inputs) {
    if (input === '-') {
      yield { kind: 'stdin' };
      continue;
    }
    let st: Stats;
    try {
      st = await stat(input);
    } catch (err) {
      yield { kind: 'problem', path: input, reason: ioReason(err) };
      continue;
    }
    if (st.isDirectory()) yield* walkTree(input, filter);
    else if (st.isFile()) yield { kind: 'file', path: input };
    else if (st.isFIFO() || st.isCharacterDevice()) yield { kind: 'stream', path: input };
    else yield { kind: 'problem', path: input, reason: 'not a file, directory or pipe; skipped' };
  }
}
