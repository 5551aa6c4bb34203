import { readFileSync } from 'node:fs';
import { eventBridgeSource, SIGN_IN_DETAIL_TYPES } from '../../shared/core/eventbridge/patterns.js';

/** A public CloudTrail record from test/fixtures/cloudtrail-public (origins and licences in its README). */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/cloudtrail-public/${name}`, import.meta.url), 'utf8'));
}

/** Wraps a CloudTrail record the way CloudTrail delivers it to EventBridge. */
export function envelope(record: Record<string, unknown>, detailType?: string): Record<string, unknown> {
  const source = String(record.eventSource ?? '');
  const signIn = record.eventType === 'AwsConsoleSignIn';
  return {
    version: '0',
    id: '2f1c2f3e-7c43-4d4b-9a53-000000000001',
    'detail-type': detailType ?? (signIn ? SIGN_IN_DETAIL_TYPES[0] : 'AWS API Call via CloudTrail'),
    source: eventBridgeSource(source),
    account: String(record.recipientAccountId ?? '111122223333'),
    time: String(record.eventTime ?? '2026-01-15T10:00:00Z'),
    region: String(record.awsRegion ?? 'us-east-1'),
    resources: [],
    detail: record,
  };
}
