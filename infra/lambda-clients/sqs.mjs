// Amazon SQS over the AWS JSON 1.0 protocol, in place of @aws-sdk/client-sqs in the Lambda bundles
// (./aws-call.mjs). Like the SDK, a sent message's MD5 is checked against the one SQS computed.
import { createHash } from 'node:crypto';
import { AwsCaller, command, jsonCall } from './aws-call.mjs';

export class SQSClient {
  constructor(config = {}) {
    this.caller = new AwsCaller({ prefix: 'sqs', signingName: 'sqs', env: 'SQS' }, config);
  }

  async send(cmd) {
    const out = await jsonCall(this.caller, '1.0', `AmazonSQS.${cmd.constructor.operation}`, cmd.input);
    if (cmd.constructor.operation === 'SendMessage' && out.MD5OfMessageBody !== undefined) {
      const md5 = createHash('md5')
        .update(cmd.input.MessageBody ?? '')
        .digest('hex');
      if (md5 !== out.MD5OfMessageBody)
        throw new Error('InvalidChecksumError: MD5 of the message body differs');
    }
    return out;
  }

  destroy() {
    this.caller.destroy();
  }
}

export const SendMessageCommand = command('SendMessage');
export const ReceiveMessageCommand = command('ReceiveMessage');
export const DeleteMessageCommand = command('DeleteMessage');
export const ChangeMessageVisibilityCommand = command('ChangeMessageVisibility');
export const GetQueueUrlCommand = command('GetQueueUrl');
