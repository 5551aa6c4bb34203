/**
 * The `labels.json` files of the evaluation datasets (test/datasets/*): read leniently (extra keys
 * are ignored), but a missing or mistyped field the eval relies on is an error naming the file.
 */

import * as z from 'zod';
import { ToolError } from '../errors.js';

/** A dataset's labels file is missing, not JSON, or lacks a field the eval reads. */
export class EvalDatasetError extends ToolError {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, { cause: opts?.cause });
    this.name = 'EvalDatasetError';
  }
}

const stratusFile = z.object({
  stratus_technique: z.string(),
  title: z.string(),
  expected_event_names: z.array(z.string()),
  record_count: z.number().int(),
});

const pantherTest = z.object({
  line: z.number().int().positive(),
  test_name: z.string(),
  expected_alert: z.boolean(),
  eventName: z.string().nullable().optional(),
  panther_mocks: z.boolean().optional(),
  panther_enrichment_dependent: z.boolean().optional(),
});

const pantherFile = z.object({
  rule_id: z.string(),
  display_name: z.string(),
  tests: z.array(pantherTest),
});

const scenarioFile = z.object({
  scenario: z.string(),
  label: z.enum(['benign', 'malicious']),
  record_count: z.number().int(),
});

const otrfFile = z.object({
  scenario: z.string(),
  malicious_lines: z.array(z.number().int().positive()),
  record_count: z.number().int(),
});

const filesOf = <T extends z.ZodType>(entry: T) => z.object({ files: z.record(z.string(), entry) });

export const labelSchemas = {
  stratus: filesOf(stratusFile),
  panther: filesOf(pantherFile),
  scenarios: filesOf(scenarioFile),
  otrf: filesOf(otrfFile),
} as const;

/**
 * Validates a parsed labels file; the key order of `files` is made deterministic (sorted by path).
 * @throws EvalDatasetError naming `where` and the first offending field.
 */
export function parseLabels<K extends keyof typeof labelSchemas>(
  kind: K,
  data: unknown,
  where: string,
): Array<[string, z.infer<(typeof labelSchemas)[K]>['files'][string]]> {
  const r = labelSchemas[kind].safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    const at = issue ? issue.path.map(String).join('.') : '';
    throw new EvalDatasetError(`${where}: ${at ? `${at}: ` : ''}${issue?.message ?? 'invalid labels'}`);
  }
  const files = r.data.files as Record<string, z.infer<(typeof labelSchemas)[K]>['files'][string]>;
  return Object.keys(files)
    .sort()
    .map((k) => [k, files[k] as z.infer<(typeof labelSchemas)[K]>['files'][string]]);
}

const disagreementsFile = z.object({
  disagreements: z.array(
    z.object({
      test: z.string().regex(/^[^:]+:[1-9][0-9]*$/, 'expected "PantherRuleId:line"'),
      iamwatch: z.array(z.string().min(1)).min(1),
      reason: z.string().min(10),
    }),
  ),
});

/**
 * Validates the list of documented disagreements with Panther negatives (tools/eval/panther-disagreements.json).
 * @throws EvalDatasetError naming `where`, the offending field, or a test listed twice.
 */
export function parseDisagreements(
  data: unknown,
  where: string,
): z.infer<typeof disagreementsFile>['disagreements'] {
  const r = disagreementsFile.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    const at = issue ? issue.path.map(String).join('.') : '';
    throw new EvalDatasetError(`${where}: ${at ? `${at}: ` : ''}${issue?.message ?? 'invalid list'}`);
  }
  const seen = new Set<string>();
  for (const [i, d] of r.data.disagreements.entries()) {
    if (seen.has(d.test))
      throw new EvalDatasetError(`${where}: disagreements.${i}.test: ${d.test} listed twice`);
    seen.add(d.test);
  }
  return r.data.disagreements;
}
