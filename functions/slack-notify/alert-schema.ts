/**
 * Validation of alert JSON arriving from the SNS topic (untrusted at this edge: anyone allowed to publish to
 * the topic could send anything). Unknown keys are dropped; missing optional keys stay absent.
 */
import * as z from 'zod';
import type { Alert } from '../../shared/core/alert/alert.js';
import { IDENTITY_KINDS } from '../../shared/core/baseline/types.js';
import { SEVERITIES } from '../../shared/core/severity.js';

const str = z.string();
const nullableStr = z.string().nullable();

export const alertSchema = z.object({
  id: str.min(1),
  rule: str.min(1),
  severity: z.enum(SEVERITIES),
  title: str,
  reasons: z.array(str),
  eventId: str,
  eventName: str,
  eventTime: str,
  account: str,
  accountName: nullableStr.optional(),
  region: str,
  actor: z.object({
    type: str,
    arn: nullableStr,
    subject: nullableStr.optional(),
    provider: nullableStr.optional(),
    sessionName: nullableStr.optional(),
    roleName: nullableStr.optional(),
    accountId: nullableStr.optional(),
    accountName: nullableStr.optional(),
    sourceIp: nullableStr,
    userAgent: nullableStr,
  }),
  target: z.object({ type: str, arn: nullableStr, name: nullableStr.optional() }).nullable(),
  baseline: z
    .object({ owner: str, purpose: str, kind: z.enum(IDENTITY_KINDS), reviewAfter: nullableStr })
    .nullable(),
  team: nullableStr,
  attack: z.array(str),
  dedupeKey: str,
  count: z.number().int().min(1),
  lastEventTime: str.optional(),
  environment: nullableStr.optional(),
  runbook: str.optional(),
  degraded: z.array(str).optional(),
  origin: z
    .object({
      chain: z
        .array(
          z.object({
            identity: nullableStr,
            via: z.enum(['oidc', 'saml', 'caller', 'user-key', 'root', 'service']),
            subject: nullableStr.optional(),
            caller: nullableStr.optional(),
            user: nullableStr.optional(),
            at: str,
            sourceIp: nullableStr,
            eventId: str,
            key: nullableStr.optional(),
            sessionName: nullableStr.optional(),
            provider: nullableStr.optional(),
          }),
        )
        .max(20),
      complete: z.boolean(),
      why: str,
    })
    .nullable()
    .optional(),
});

// Compile-time check that the schema's output is an Alert.
const _check: (a: z.infer<typeof alertSchema>) => Alert = (a) => a;
void _check;

/** Parse an SNS message body into an Alert, or say why not (first issues, with their paths). */
export function parseAlertMessage(body: string): { ok: true; alert: Alert } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message.slice(0, 120)}` };
  }
  const r = alertSchema.safeParse(json);
  if (r.success) return { ok: true, alert: r.data };
  const issues = r.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  return { ok: false, reason: `not an alert: ${issues}`.slice(0, 500) };
}
