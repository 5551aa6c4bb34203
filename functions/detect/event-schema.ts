/**
 * The detect function's input check: an EventBridge event (the fields of Powertools'
 * `EventBridgeSchema`: version, id, source, account, time as ISO-8601 UTC, region, resources,
 * detail-type, optional replay-name) whose `detail` is a CloudTrail record with `eventName` and
 * `eventSource` (the normaliser reads the rest).
 *
 * Written by hand rather than with zod and the Powertools schema: those were ~190 KB of the detect
 * bundle (over half of it) for nine field checks. Failures name paths and codes, never input values.
 */

/** One failed check, in the shape the handler logs (zod-like, without values). */
export interface InputIssue {
  path: PropertyKey[];
  code: 'invalid_type' | 'invalid_format' | 'too_small';
  expected?: string;
}

/** The CloudTrail record inside the envelope: what routing needs; the normaliser reads the rest. */
export interface CloudTrailDetail {
  eventID?: string;
  eventName: string;
  eventSource: string;
  [key: string]: unknown;
}

export interface DetectEvent {
  version: string;
  id: string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  'detail-type': string;
  detail: CloudTrailDetail;
  'replay-name'?: string;
}

export type CheckResult =
  | { success: true; data: DetectEvent }
  | { success: false; error: { issues: InputIssue[] } };

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;
const ENVELOPE_STRINGS = ['version', 'id', 'source', 'account', 'region', 'detail-type'] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks an EventBridge envelope of a CloudTrail record; like zod's `safeParse`. */
export function checkDetectEvent(input: unknown): CheckResult {
  const issues: InputIssue[] = [];
  if (!isObject(input)) {
    return { success: false, error: { issues: [{ path: [], code: 'invalid_type', expected: 'object' }] } };
  }
  for (const key of ENVELOPE_STRINGS) {
    if (typeof input[key] !== 'string')
      issues.push({ path: [key], code: 'invalid_type', expected: 'string' });
  }
  if (typeof input.time !== 'string')
    issues.push({ path: ['time'], code: 'invalid_type', expected: 'string' });
  else if (!ISO_UTC.test(input.time))
    issues.push({ path: ['time'], code: 'invalid_format', expected: 'datetime' });
  if (!Array.isArray(input.resources)) {
    issues.push({ path: ['resources'], code: 'invalid_type', expected: 'array' });
  } else {
    input.resources.forEach((r, i) => {
      if (typeof r !== 'string')
        issues.push({ path: ['resources', i], code: 'invalid_type', expected: 'string' });
    });
  }
  if (input['replay-name'] !== undefined && typeof input['replay-name'] !== 'string') {
    issues.push({ path: ['replay-name'], code: 'invalid_type', expected: 'string' });
  }
  const detail = input.detail;
  if (!isObject(detail)) {
    issues.push({ path: ['detail'], code: 'invalid_type', expected: 'object' });
  } else {
    for (const key of ['eventName', 'eventSource'] as const) {
      const v = detail[key];
      if (typeof v !== 'string')
        issues.push({ path: ['detail', key], code: 'invalid_type', expected: 'string' });
      else if (v.length === 0) issues.push({ path: ['detail', key], code: 'too_small' });
    }
    if (detail.eventID !== undefined && typeof detail.eventID !== 'string') {
      issues.push({ path: ['detail', 'eventID'], code: 'invalid_type', expected: 'string' });
    }
  }
  if (issues.length > 0) return { success: false, error: { issues } };
  return { success: true, data: input as unknown as DetectEvent };
}

/** The check under the name the handler uses (zod-compatible `safeParse`). */
export const DetectEventSchema = { safeParse: checkDetectEvent };
