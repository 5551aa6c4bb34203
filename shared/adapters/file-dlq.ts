/**
 * Dead-letter sink for the CLI: one JSON line per parked delivery in
 * `<dir>/dead-letters-YYYY-MM-DD.jsonl` (UTC day of failure). Full content, never truncated.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
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
