/**
 * SNS alerts topic: message = alert JSON, message attributes for subscription filter policies
 * (docs/routing.md). Throttling and 5xx retry with backoff; FIFO topics get a deduplication id = alert id.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from '../core/alert/alert.js';
import { snsMessageAttributes } from '../core/alert/attributes.js';
import { sanitizeText } from '../core/alert/escape.js';
import { fitAlertJson } from '../core/alert/size.js';
import type { AlertSink } from '../ports.js';
import { AwsDelivery, type AwsDeliveryOptions } from './delivery-retry.js';

/** Room left for attributes and subject below SNS's 256 KiB message limit. */
const SNS_BODY_MAX = 240 * 1024;

export interface SnsAlertSinkOptions extends AwsDeliveryOptions {
  client: SNSClient;
  topicArn: string;
}

const idChars = (s: string, max: number) => s.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, max) || 'none';

/** Subject for e-mail subscriptions: printable ASCII, ≤ 100 characters. */
export function snsSubject(alert: Alert): string {
  const s = sanitizeText(`[${alert.severity.toUpperCase()}] ${alert.title}`, { max: 400 })
    .replace(/[^\x20-\x7e]/g, '')
    .trim()
    .slice(0, 100);
  return s === '' ? 'iamwatch alert' : s;
}

/** {@link AlertSink} publishing to an SNS topic. */
export class SnsAlertSink implements AlertSink {
  readonly name = 'sns';
  private readonly delivery: AwsDelivery;

  constructor(private readonly opts: SnsAlertSinkOptions) {
    this.delivery = new AwsDelivery(this.name, opts.topicArn, opts);
  }

  async publish(alert: Alert): Promise<void> {
    const { json } = fitAlertJson(alert, SNS_BODY_MAX);
    const input = {
      TopicArn: this.opts.topicArn,
      Message: json,
      Subject: snsSubject(alert),
      MessageAttributes: snsMessageAttributes(alert),
      ...(this.delivery.fifo
        ? {
            MessageGroupId: `iamwatch-${idChars(alert.team ?? 'none', 100)}`,
            MessageDeduplicationId: idChars(alert.id, 128),
          }
        : {}),
    };
    await this.delivery.send(() => this.opts.client.send(new PublishCommand(input)));
  }
}
