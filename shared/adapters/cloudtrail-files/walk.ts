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

async function* walkDir(
  dir: string,
  ancestors: Set<string>,
  filter: TrailFilter | undefined,
): AsyncGenerator<InputItem> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    yield { kind: 'problem', path: dir, reason: ioReason(err) };
    return;
  }
  entries.sort(byName);
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
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
      yield* walkDirOnce(path, ancestors, filter);
    } else if (isFile && DATA_FILE.test(entry.name) && !entry.name.includes('_CloudTrail-Digest_')) {
      if (filter && !fileAdmits(path.split(sep), filter)) continue;
      yield { kind: 'file', path };
    }
  }
}

/** Walks `dir` unless it is one of its own ancestors (a symlink loop). */
async function* walkDirOnce(
  dir: string,
  ancestors: Set<string>,
  filter: TrailFilter | undefined,
): AsyncGenerator<InputItem> {
  let id: string;
  try {
    const st = await stat(dir);
    id = `${st.dev}:${st.ino}`;
  } catch (err) {
    yield { kind: 'problem', path: dir, reason: ioReason(err) };
    return;
  }
  if (ancestors.has(id)) return;
  ancestors.add(id);
  try {
    yield* walkDir(dir, ancestors, filter);
  } finally {
    ancestors.delete(id);
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
    if (st.isDirectory()) yield* walkDirOnce(input, new Set(), filter);
    else if (st.isFile()) yield { kind: 'file', path: input };
    else if (st.isFIFO() || st.isCharacterDevice()) yield { kind: 'stream', path: input };
    else yield { kind: 'problem', path: input, reason: 'not a file, directory or pipe; skipped' };
  }
}
