/**
 * Bookkeeping of the fault matrix: each case's outcome (delivered once / parked / lost / twice) and
 * time, printed and written to .serverless/fault-matrix.md when a matrix file ends.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_DIR } from './template.js';

export interface MatrixRow {
  fn: string;
  fault: string;
  outcome: string;
  attempts: number;
  /** Longest single invocation, ms. */
  longestMs: number;
  timeoutS: number;
}

export const MATRIX_FILE = join(PACKAGE_DIR, 'fault-matrix.md');

export function writeMatrix(rows: MatrixRow[]): void {
  if (rows.length === 0) return;
  const header =
    '| function | fault | outcome | invocations | longest invocation | timeout |\n|---|---|---|---|---|---|\n';
  const body = rows
    .sort((a, b) => a.fn.localeCompare(b.fn) || a.fault.localeCompare(b.fault))
    .map(
      (r) =>
        `| ${r.fn} | ${r.fault} | ${r.outcome} | ${r.attempts} | ${(r.longestMs / 1000).toFixed(1)} s | ${r.timeoutS} s |`,
    )
    .join('\n');
  if (!existsSync(MATRIX_FILE)) writeFileSync(MATRIX_FILE, header);
  appendFileSync(MATRIX_FILE, `${body}\n`);
  console.info(`fault matrix (${MATRIX_FILE}):\n${header}${body}`);
}
