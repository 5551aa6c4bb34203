// Amazon DynamoDB over the AWS JSON 1.0 protocol, in place of @aws-sdk/client-dynamodb in the Lambda bundles
// (infra/esbuild-plugins.cjs; ./aws-call.mjs signs and sends). The SDK client reads every answer through its
// schema-driven protocol parser and middleware stack; on a cold start its first baseline Query (~27 KB of
// attribute values) cost more CPU than parsing the JSON and unmarshalling it (issue 14), and the client with
// its endpoint rules and schemas was ~130 KB of each bundle. The document client (./lib-dynamodb.mjs, the
// adapters in shared/adapters/dynamodb) marshals exactly as before; this client only moves the
// AttributeValue JSON, as the SDK's does:
// - requests: the command's input as JSON (`X-Amz-Target: DynamoDB_20120810.<Operation>`), binary values
//   (`B`, `BS`) as base64;
// - answers: the JSON, with `B`/`BS` values back to Uint8Array, and `$metadata`;
// - errors: named by the error code (`ConditionalCheckFailedException`, `ProvisionedThroughputExceededException`,
//   …) with `$fault`, `$metadata.httpStatusCode`, the message and the answer's other fields (the adapters tell
//   errors apart by name: shared/adapters/dynamodb/client.ts); network errors and the request timeout
//   (`TimeoutError`) come from the SDK's own HTTP handler, as with the SDK client.
// No retries (the adapters retry: functions/budgets.ts). The CLI and the tests from source use the SDK client.
import { AwsCaller, command, jsonCall } from './aws-call.mjs';

const SERVICE = { prefix: 'dynamodb', signingName: 'dynamodb', env: 'DYNAMODB' };

/** An AttributeValue whose binary members (`B`, `BS`, nested in `L`/`M`) are base64 → Uint8Array. */
function binaryIn(av) {
  if (av === null || typeof av !== 'object') return;
  if (typeof av.B === 'string') av.B = new Uint8Array(Buffer.from(av.B, 'base64'));
  else if (Array.isArray(av.BS)) av.BS = av.BS.map((b) => new Uint8Array(Buffer.from(b, 'base64')));
  else if (Array.isArray(av.L)) for (const v of av.L) binaryIn(v);
  else if (av.M && typeof av.M === 'object') for (const v of Object.values(av.M)) binaryIn(v);
}
const binaryInItem = (item) => {
  if (item && typeof item === 'object') for (const v of Object.values(item)) binaryIn(v);
};
const eachTable = (obj, fn) => {
  if (obj && typeof obj === 'object') for (const v of Object.values(obj)) fn(v);
};

/** The answer's items, keys and attributes: the places an operation of iamwatch's returns AttributeValues. */
function decodeBinary(out) {
  binaryInItem(out.Item);
  binaryInItem(out.Attributes);
  binaryInItem(out.LastEvaluatedKey);
  if (Array.isArray(out.Items)) for (const it of out.Items) binaryInItem(it);
  eachTable(out.Responses, (items) => Array.isArray(items) && items.forEach(binaryInItem));
  eachTable(out.UnprocessedKeys, (t) => Array.isArray(t?.Keys) && t.Keys.forEach(binaryInItem));
  eachTable(
    out.UnprocessedItems,
    (reqs) =>
      Array.isArray(reqs) &&
      reqs.forEach((r) => {
        binaryInItem(r?.PutRequest?.Item);
        binaryInItem(r?.DeleteRequest?.Key);
      }),
  );
  binaryInItem(out.ItemCollectionMetrics?.ItemCollectionKey);
}

export class DynamoDBClient {
  constructor(config = {}) {
    this.config = config;
    this.caller = new AwsCaller(SERVICE, config);
  }

  async send(cmd) {
    const target = `DynamoDB_20120810.${cmd.constructor.operation}`;
    return jsonCall(this.caller, '1.0', target, cmd.input, {
      // Binary attribute values are rare (iamwatch writes none): the walk runs only when the answer has one.
      decode: (text, data) => {
        if (/"BS?":/.test(text)) decodeBinary(data);
      },
    });
  }

  destroy() {
    this.caller.destroy();
  }
}

export const GetItemCommand = command('GetItem');
export const PutItemCommand = command('PutItem');
export const UpdateItemCommand = command('UpdateItem');
export const DeleteItemCommand = command('DeleteItem');
export const QueryCommand = command('Query');
export const ScanCommand = command('Scan');
export const BatchGetItemCommand = command('BatchGetItem');
export const BatchWriteItemCommand = command('BatchWriteItem');
// Table management (shared/adapters/dynamodb/table.ts; the CLI's, never sent by a function).
export const CreateTableCommand = command('CreateTable');
export const DescribeTableCommand = command('DescribeTable');
export const UpdateTimeToLiveCommand = command('UpdateTimeToLive');
