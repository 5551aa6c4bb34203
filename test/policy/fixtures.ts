import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'policies');

/** The document value (string or object) of a copied CloudTrail fixture, exactly as the record holds it. */
export function recordDocument(name: string): unknown {
  const file = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as { document: unknown };
  return file.document;
}

/** The raw text of an authored document. */
export function authoredText(name: string): string {
  return readFileSync(join(DIR, 'authored', `${name}.json`), 'utf8');
}
