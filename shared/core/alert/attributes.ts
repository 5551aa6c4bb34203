/**
 * SNS message attributes of an alert, for subscription filter policies (see docs/routing.md). Pure.
 */
import type { Alert } from './alert.js';

/** Shape of one SNS String message attribute (structurally the SDK's MessageAttributeValue). */
export interface SnsStringAttribute {
  DataType: 'String';
  StringValue: string;
}

/** The attribute names subscribers filter on. */
export const SNS_ATTRIBUTE_NAMES = ['severity', 'team', 'rule', 'account', 'environment'] as const;
export type SnsAttributeName = (typeof SNS_ATTRIBUTE_NAMES)[number];

/** Value used when an attribute is unknown: SNS rejects empty strings. */
export const NONE = 'none';

function value(v: string | null | undefined): string {
  // Control characters are not useful in a filter value; SNS attribute values are capped well below this.
  const clean = (v ?? '')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .trim()
    .slice(0, 256);
  return clean === '' ? NONE : clean;
}

/** `severity`, `team`, `rule`, `account`, `environment` as String attributes; unknown values are `none`. */
export function snsMessageAttributes(alert: Alert): Record<SnsAttributeName, SnsStringAttribute> {
  const attr = (v: string | null | undefined): SnsStringAttribute => ({
    DataType: 'String',
    StringValue: value(v),
  });
  return {
    severity: attr(alert.severity),
    team: attr(alert.team),
    rule: attr(alert.rule),
    account: attr(alert.account),
    environment: attr(alert.environment),
  };
}
