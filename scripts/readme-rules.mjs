// README.md's "Rule catalogue" table is the hand-written catalogue of record: its rows say, in words, when
// each rule raises. `npm run generate` (this script, after the CLI bundle is built) appends a row for a rule
// that has none, from the rule's meta (`iamwatch rules list --format json`): its events, its title and its
// default severity. Edit the row's words freely afterwards; rows are never removed or rewritten, since
// released ids are a contract (test/core/catalogue.test.ts fails when a row names no rule).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const README = `${root}README.md`;

/** The [start, end) offsets of the "## Rule catalogue" section. */
function sectionOf(text) {
  const start = text.indexOf('\n## Rule catalogue\n');
  if (start < 0) throw new Error('README.md has no "## Rule catalogue" section');
  const end = text.indexOf('\n## ', start + 1);
  return [start, end < 0 ? text.length : end];
}

/** The rule ids of the Rule catalogue table, in table order. */
export function readmeRuleIds(text) {
  const [start, end] = sectionOf(text);
  return [...text.slice(start, end).matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
}

const cell = (s) => String(s).replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();

/** The table row written for a rule from its meta. */
export function ruleRow(meta) {
  const events = meta.appliesTo === 'any' ? 'any event' : meta.appliesTo.eventNames.join(', ');
  return `| \`${meta.id}\` | ${cell(events)} | ${cell(meta.title)} | ${meta.severity} |`;
}

/** README text with a row appended to the Rule catalogue table for every rule (by meta) that has none. */
export function addMissingRows(text, metas) {
  const have = new Set(readmeRuleIds(text));
  const rows = metas.filter((m) => !have.has(m.id)).map(ruleRow);
  if (rows.length === 0) return text;
  const [start, end] = sectionOf(text);
  const lines = text.slice(start, end).split('\n');
  let last = -1;
  lines.forEach((l, i) => {
    if (/^\| `[a-z0-9-]+` \|/.test(l)) last = i;
  });
  if (last < 0) throw new Error('README.md: the Rule catalogue section has no table of rules');
  lines.splice(last + 1, 0, ...rows);
  return text.slice(0, start) + lines.join('\n') + text.slice(end);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = spawnSync(process.execPath, [`${root}bin/iamwatch.mjs`, 'rules', 'list', '--format', 'json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    process.stderr.write(
      `iamwatch rules list failed (build the CLI first: node scripts/build.mjs)\n${r.stderr}`,
    );
    process.exit(1);
  }
  const text = readFileSync(README, 'utf8');
  const next = addMissingRows(text, JSON.parse(r.stdout));
  if (next !== text) {
    writeFileSync(README, next);
    const added = readmeRuleIds(next).filter((id) => !readmeRuleIds(text).includes(id));
    process.stderr.write(
      `README.md: Rule catalogue rows added for ${added.join(', ')}; say when they raise\n`,
    );
  }
}
