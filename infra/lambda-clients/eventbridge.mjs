// Amazon EventBridge over the AWS JSON 1.1 protocol, in place of @aws-sdk/client-eventbridge in the
// Lambda bundles (./aws-call.mjs). Regional endpoints only (no global endpoints: EndpointId is not used).
import { AwsCaller, command, jsonCall } from './aws-call.mjs';

export class EventBridgeClient {
  constructor(config = {}) {
    this.caller = new AwsCaller({ prefix: 'events', signingName: 'events', env: 'EVENTBRIDGE' }, config);
  }

  send(cmd) {
    return jsonCall(this.caller, '1.1', `AWSEvents.${cmd.constructor.operation}`, cmd.input);
  }

  destroy() {
    this.caller.destroy();
  }
}

export const PutEventsCommand = command('PutEvents');
export const DescribeRuleCommand = command('DescribeRule');
export const ListTargetsByRuleCommand = command('ListTargetsByRule');
export const TestEventPatternCommand = command('TestEventPattern');
