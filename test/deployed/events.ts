/** Events the harness feeds the bundles: EventBridge-wrapped public CloudTrail, an SNS alert, a schedule. */
import type { Alert } from '../../shared/core/alert/alert.js';
import { envelope, fixture } from '../deploy/envelope.js';

export { envelope, fixture };

/** An EventBridge event of a real CreateAccessKey record (raises `access-key-created`). */
export const createAccessKeyEvent = () => envelope(fixture('CreateAccessKey__stratus-red-team.json'));

/** An alert as detect publishes it (the SNS message body). */
export function sampleAlert(id = 'a1b2c3d4e5f60718'): Alert {
  return {
    id,
    rule: 'access-key-created',
    severity: 'high',
    title: 'Access key created for user stratus-user',
    reasons: ['an access key was created for stratus-user'],
    eventId: '6b5d3ac9-3b58-4e8f-9b1c-2a1f4f0f0001',
    eventName: 'CreateAccessKey',
    eventTime: '2026-01-15T10:00:00Z',
    account: '111122223333',
    region: 'us-east-1',
    actor: {
      type: 'IAMUser',
      arn: 'arn:aws:iam::111122223333:user/admin',
      sourceIp: '198.51.100.7',
      userAgent: 'aws-cli/2.15.0',
    },
    target: { type: 'user', arn: 'arn:aws:iam::111122223333:user/stratus-user' },
    baseline: null,
    team: null,
    attack: ['T1098.001'],
    dedupeKey: 'access-key-created|arn:aws:iam::111122223333:user/stratus-user',
    count: 1,
  };
}

/** The SNS → Lambda event carrying `alert` (SNS delivers at least once: same MessageId on redelivery). */
export function snsEvent(
  alert: Alert,
  messageId = '5f1c0e2a-0000-4000-8000-000000000001',
): Record<string, unknown> {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: 'arn:aws:sns:us-east-1:111122223333:iamwatch-dev-alerts:sub',
        Sns: {
          Type: 'Notification',
          MessageId: messageId,
          TopicArn: 'arn:aws:sns:us-east-1:111122223333:iamwatch-dev-alerts',
          Subject: `[HIGH] ${alert.title}`,
          Message: JSON.stringify(alert),
          Timestamp: '2026-01-15T10:00:01.000Z',
          MessageAttributes: {
            severity: { Type: 'String', Value: alert.severity },
            rule: { Type: 'String', Value: alert.rule },
          },
        },
      },
    ],
  };
}

/** The scheduled event EventBridge sends the digest function. */
export const scheduleEvent = {
  version: '0',
  id: '89d1a02d-5ec7-412e-82f5-13505f849b41',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '111122223333',
  time: '2026-01-16T08:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:111122223333:rule/iamwatch-dev-digest'],
  detail: {},
};
