/**
 * Dead-letter sink for the CLI: one JSON line per parked delivery in
 * `<dir>/dead-letters-YYYY-MM-DD.jsonl` (UTC day of failure). Full content, never truncated.
 *
 * `iamwatch redrive` reads these files back ({@link readFileDeadLetters}) and never rewrites them (a replay
 * may be appending at the same time): what it delivered is recorded in `<dir>/redriven.jsonl`
 * ({@link FileRedriveLedger}), so a later redrive skips it.
 */
import { createReadStream } from 'node:fs';
import { appendFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Alert } from '../core/alert/alert.js';
import { type DeadLetter, type DeadLetterSink, parkedDirectly } from '../core/alert/dead-letter.js';
import type { AlertSink } from '../ports.js';
import { AdapterError } from '../ports.js';

export interface FileDeadLetterSinkOptions {
  dir: string;
  nowMs?: () => number;
}

export class FileDeadLetterSink implements DeadLetterSink, AlertSink {
  readonly name = 'file-dlq';
  private readonly now: () => number;

  constructor(private readonly opts: FileDeadLetterSinkOptions) {
    this.now = opts.nowMs ?? (() => Date.now());
  }

  /** File the next entry goes to. */
  currentFile(): string {
    return join(this.opts.dir, `dead-letters-${new Date(this.now()).toISOString().slice(0, 10)}.jsonl`);
  }

  async park(entry: DeadLetter): Promise<void> {
    try {
      await mkdir(this.opts.dir, { recursive: true });
      await appendFile(this.currentFile(), `${JSON.stringify(entry)}\n`, 'utf8');
    } catch (err) {
      throw new AdapterError(this.name, `cannot write ${this.currentFile()}`, {
        retryable: false,
        cause: err,
      });
    }
  }

  async publish(alert: Alert): Promise<void> {
    await this.park(parkedDirectly(alert, this.now()));
  }
}

/** One line of a dead-letter file. */
export interface FileDeadLetterLine {
  file: string;
  /** 1-based. */
  line: number;
  text: string;
}

/** The dead-letter files in `dir` (`dead-letters-*.jsonl`), oldest first; none when `dir` does not exist. */
export async function listDeadLetterFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new AdapterError('file-dlq', `cannot list ${dir}`, { retryable: false, cause: err });
  }
  return names
    .filter((n) => /^dead-letters-.*\.jsonl$/.test(n))
    .sort()
    .map((n) => join(dir, n));
}

/** Every non-blank line of every dead-letter file in `dir`, streamed. */
export async function* readFileDeadLetters(dir: string): AsyncGenerator<FileDeadLetterLine> {
  for (const file of await listDeadLetterFiles(dir)) {
    const rl = createInterface({
      input: createReadStream(file, 'utf8'),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    let line = 0;
    for await (const text of rl) {
      line++;
      if (text.trim() !== '') yield { file, line, text };
    }
  }
}

/**
 * Which (alert id, sink) pairs `iamwatch redrive` already delivered, as JSON lines in `<dir>/redriven.jsonl`.
 * Loaded once; each {@link record} is appended before the next entry is tried.
 */
export class FileRedriveLedger {
  private keys: Set<string> | null = null;
  constructor(
    private readonly dir: string,
    private readonly nowMs: () => number = () => Date.now(),
  ) {}

  get path(): string {
    return join(this.dir, 'redriven.jsonl');
  }

  private async load(): Promise<Set<string>> {
    if (this.keys) return this.keys;
    const keys = new Set<string>();
    let text = '';
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new AdapterError('file-dlq', `cannot read ${this.path}`, { retryable: false, cause: err });
    }
    for (const l of text.split('\n')) {
      try {
        const k = (JSON.parse(l) as { key?: unknown }).key;
        if (typeof k === 'string') keys.add(k);
      } catch {
        // A torn last line (interrupted write) records nothing.
      }
    }
    this.keys = keys;
    return keys;
  }

  async has(key: string): Promise<boolean> {
    return (await this.load()).has(key);
  }

  async record(key: string): Promise<void> {
    const keys = await this.load();
    try {
      await mkdir(this.dir, { recursive: true });
      await appendFile(
        this.path,
        `${JSON.stringify({ key, redrivenAt: new Date(this.nowMs()).toISOString() })}\n`,
        'utf8',
      );
    } catch (err) {
      throw new AdapterError('file-dlq', `cannot write ${this.path}`, { retryable: false, cause: err });
    }
    keys.add(key);
  }
}
