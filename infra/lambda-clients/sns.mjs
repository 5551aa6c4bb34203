// Amazon SNS Publish over the AWS Query protocol, in place of @aws-sdk/client-sns in the Lambda bundles
// (./aws-call.mjs).
import { AwsCaller, command, metadata, serviceError } from './aws-call.mjs';

const SCALARS = [
  'TopicArn',
  'TargetArn',
  'PhoneNumber',
  'Message',
  'Subject',
  'MessageStructure',
  'MessageDeduplicationId',
  'MessageGroupId',
];
const ATTRIBUTE_VALUE = ['DataType', 'StringValue', 'BinaryValue'];

const unescapeXml = (s) =>
  s.replace(/&(lt|gt|amp|quot|apos|#x?[0-9a-fA-F]+);/g, (_m, e) => {
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    return String.fromCodePoint(e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
  });
const element = (xml, name) => {
  const m = xml.match(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`));
  return m ? unescapeXml(m[1]) : undefined;
};

/** The Publish form: Action, Version, the scalar fields, and MessageAttributes.entry.N.{Name,Value.*}. */
export function publishForm(input) {
  const form = new URLSearchParams({ Action: 'Publish', Version: '2010-03-31' });
  for (const key of Object.keys(input)) {
    if (key !== 'MessageAttributes' && !SCALARS.includes(key))
      throw new Error(`Publish: ${key} is not supported by the iamwatch Lambda SNS client`);
  }
  for (const key of SCALARS) if (input[key] !== undefined) form.append(key, String(input[key]));
  let n = 0;
  for (const [name, value] of Object.entries(input.MessageAttributes ?? {})) {
    n++;
    form.append(`MessageAttributes.entry.${n}.Name`, name);
    for (const field of ATTRIBUTE_VALUE) {
      const v = value?.[field];
      if (v === undefined) continue;
      form.append(
        `MessageAttributes.entry.${n}.Value.${field}`,
        v instanceof Uint8Array ? Buffer.from(v).toString('base64') : String(v),
      );
    }
  }
  return form.toString();
}

export class SNSClient {
  constructor(config = {}) {
    this.caller = new AwsCaller({ prefix: 'sns', signingName: 'sns', env: 'SNS' }, config);
  }

  async send(cmd) {
    if (cmd.constructor.operation !== 'Publish')
      throw new Error(`${cmd.constructor.operation} is not supported by the iamwatch Lambda SNS client`);
    const res = await this.caller.post(
      { 'content-type': 'application/x-www-form-urlencoded' },
      publishForm(cmd.input),
    );
    if (res.status >= 300) {
      const type = element(res.text, 'Type');
      throw serviceError(
        res,
        element(res.text, 'Code'),
        element(res.text, 'Message'),
        type ? { Type: type } : {},
      );
    }
    const out = { $metadata: { ...metadata(res), requestId: element(res.text, 'RequestId') } };
    const messageId = element(res.text, 'MessageId');
    const sequence = element(res.text, 'SequenceNumber');
    if (messageId !== undefined) out.MessageId = messageId;
    if (sequence !== undefined) out.SequenceNumber = sequence;
    return out;
  }

  destroy() {
    this.caller.destroy();
  }
}

export const PublishCommand = command('Publish');
