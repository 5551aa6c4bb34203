/**
 * The detect input check (functions/detect/event-schema.ts) is hand-written to keep zod out of the bundle;
 * it must accept and reject exactly what Powertools' EventBridgeSchema with the CloudTrail detail did.
 */
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkDetectEvent } from '../../functions/detect/event-schema.js';

const reference = EventBridgeSchema.extend({
  detail: z.looseObject({
    eventID: z.string().optional(),
    eventName: z.string().min(1),
    eventSource: z.string().min(1),
  }),
});

const valid = {
  version: '0',
  id: 'c5b2a1f4-0000-4000-8000-000000000001',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.iam',
  account: '111122223333',
  time: '2026-05-12T10:42:10Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventID: 'e-1', eventName: 'CreateUser', eventSource: 'iam.amazonaws.com', extra: { a: 1 } },
};

const variants: Array<[string, unknown]> = [
  ['valid', valid],
  [
    'valid with fractional seconds and replay-name',
    { ...valid, time: '2026-05-12T10:42:10.123Z', 'replay-name': 'r' },
  ],
  ['not an object', 'x'],
  ['null', null],
  ['array', [valid]],
  ['missing id', { ...valid, id: undefined }],
  ['numeric account', { ...valid, account: 111122223333 }],
  ['time with offset', { ...valid, time: '2026-05-12T10:42:10+02:00' }],
  ['time not a date', { ...valid, time: 'yesterday' }],
  ['resources not an array', { ...valid, resources: 'arn' }],
  ['resources with a number', { ...valid, resources: ['a', 1] }],
  ['replay-name a number', { ...valid, 'replay-name': 3 }],
  ['detail missing', { ...valid, detail: undefined }],
  ['detail an array', { ...valid, detail: [] }],
  ['empty eventName', { ...valid, detail: { ...valid.detail, eventName: '' } }],
  ['eventSource missing', { ...valid, detail: { eventName: 'X' } }],
  ['eventID a number', { ...valid, detail: { ...valid.detail, eventID: 7 } }],
  ['no eventID', { ...valid, detail: { eventName: 'X', eventSource: 'iam.amazonaws.com' } }],
];

describe('detect input check', () => {
  it.each(variants)('%s: same verdict as the Powertools/zod schema', (_name, input) => {
    const ours = checkDetectEvent(input);
    const theirs = reference.safeParse(input);
    expect(ours.success).toBe(theirs.success);
    if (!ours.success && !theirs.success) {
      expect(ours.error.issues.map((i) => i.path.join('.')).sort()).toEqual(
        theirs.error.issues.map((i) => i.path.map(String).join('.')).sort(),
      );
    }
  });

  it('keeps the whole CloudTrail record (the normaliser reads every field)', () => {
    const r = checkDetectEvent(valid);
    expect(r.success && r.data.detail).toEqual(valid.detail);
  });
});
