// The DynamoDB document client, in place of @aws-sdk/lib-dynamodb in the Lambda bundles
// (infra/esbuild-plugins.cjs). lib-dynamodb's aggregated client keeps every DynamoDB command and its
// schema alive (~18 KB of each bundle); this one has only the commands iamwatch sends
// (shared/adapters/dynamodb/client.ts) and marshals exactly as lib-dynamodb 3.x does: the same key
// paths per command (`inputKeyNodes`/`outputKeyNodes`), the same walk (processObj and friends, from
// lib-dynamodb's commands/utils.js, Apache-2.0, Amazon.com, Inc.), the same options
// (`convertTopLevelContainer`, `convertWithoutMapWrapper` default true) over @aws-sdk/util-dynamodb.
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand as QueryItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

const SELF = null;
const ALL_VALUES = {};
const ALL_MEMBERS = [];
const NEXT_LEVEL = '*';

const processObj = (obj, processFunc, keyNodes) => {
  if (obj !== undefined) {
    if (keyNodes == null) return processFunc(obj);
    const keys = Object.keys(keyNodes);
    const goToNextLevel = keys.length === 1 && keys[0] === NEXT_LEVEL;
    const someChildren = keys.length >= 1 && !goToNextLevel;
    const allChildren = keys.length === 0;
    if (someChildren) return processKeysInObj(obj, processFunc, keyNodes);
    if (allChildren) return processAllKeysInObj(obj, processFunc, SELF);
    if (goToNextLevel)
      return Object.entries(obj ?? {}).reduce(
        (acc, [k, v]) => {
          if (typeof v !== 'function') acc[k] = processObj(v, processFunc, keyNodes[NEXT_LEVEL]);
          return acc;
        },
        Array.isArray(obj) ? [] : {},
      );
  }
  return undefined;
};

const processKeysInObj = (obj, processFunc, keyNodes) => {
  let accumulator;
  if (Array.isArray(obj)) accumulator = obj.filter((item) => typeof item !== 'function');
  else {
    accumulator = {};
    for (const [k, v] of Object.entries(obj)) if (typeof v !== 'function') accumulator[k] = v;
  }
  for (const [nodeKey, nodes] of Object.entries(keyNodes)) {
    if (typeof obj[nodeKey] === 'function') continue;
    const processedValue = processObj(obj[nodeKey], processFunc, nodes);
    if (processedValue !== undefined && typeof processedValue !== 'function')
      accumulator[nodeKey] = processedValue;
  }
  return accumulator;
};

const processAllKeysInObj = (obj, processFunc, keyNodes) => {
  if (Array.isArray(obj))
    return obj
      .filter((item) => typeof item !== 'function')
      .map((item) => processObj(item, processFunc, keyNodes));
  return Object.entries(obj).reduce((acc, [key, value]) => {
    if (typeof value === 'function') return acc;
    const processedValue = processObj(value, processFunc, keyNodes);
    if (processedValue !== undefined && typeof processedValue !== 'function') acc[key] = processedValue;
    return acc;
  }, {});
};

const EXPECTED = { [NEXT_LEVEL]: { Value: SELF, AttributeValueList: ALL_MEMBERS } };
const WRITE_OUTPUT = { Attributes: ALL_VALUES, ItemCollectionMetrics: { ItemCollectionKey: ALL_VALUES } };

/** A document command: its input, the client command it becomes, the key paths to (un)marshal. */
const documentCommand = (ClientCommand, inputKeyNodes, outputKeyNodes) =>
  class {
    static ClientCommand = ClientCommand;
    static inputKeyNodes = inputKeyNodes;
    static outputKeyNodes = outputKeyNodes;
    constructor(input) {
      this.input = input;
    }
  };

export const GetCommand = documentCommand(GetItemCommand, { Key: ALL_VALUES }, { Item: ALL_VALUES });
export const PutCommand = documentCommand(
  PutItemCommand,
  { Item: ALL_VALUES, Expected: EXPECTED, ExpressionAttributeValues: ALL_VALUES },
  WRITE_OUTPUT,
);
export const UpdateCommand = documentCommand(
  UpdateItemCommand,
  {
    Key: ALL_VALUES,
    AttributeUpdates: { [NEXT_LEVEL]: { Value: SELF } },
    Expected: EXPECTED,
    ExpressionAttributeValues: ALL_VALUES,
  },
  WRITE_OUTPUT,
);
export const DeleteCommand = documentCommand(
  DeleteItemCommand,
  { Key: ALL_VALUES, Expected: EXPECTED, ExpressionAttributeValues: ALL_VALUES },
  WRITE_OUTPUT,
);
export const QueryCommand = documentCommand(
  QueryItemsCommand,
  {
    KeyConditions: { [NEXT_LEVEL]: { AttributeValueList: ALL_MEMBERS } },
    QueryFilter: { [NEXT_LEVEL]: { AttributeValueList: ALL_MEMBERS } },
    ExclusiveStartKey: ALL_VALUES,
    ExpressionAttributeValues: ALL_VALUES,
  },
  { Items: { [NEXT_LEVEL]: ALL_VALUES }, LastEvaluatedKey: ALL_VALUES },
);
export const BatchGetCommand = documentCommand(
  BatchGetItemCommand,
  { RequestItems: { [NEXT_LEVEL]: { Keys: { [NEXT_LEVEL]: ALL_VALUES } } } },
  {
    Responses: { [NEXT_LEVEL]: { [NEXT_LEVEL]: ALL_VALUES } },
    UnprocessedKeys: { [NEXT_LEVEL]: { Keys: { [NEXT_LEVEL]: ALL_VALUES } } },
  },
);
const WRITE_REQUESTS = {
  [NEXT_LEVEL]: { [NEXT_LEVEL]: { PutRequest: { Item: ALL_VALUES }, DeleteRequest: { Key: ALL_VALUES } } },
};
export const BatchWriteCommand = documentCommand(
  BatchWriteItemCommand,
  { RequestItems: WRITE_REQUESTS },
  {
    UnprocessedItems: WRITE_REQUESTS,
    ItemCollectionMetrics: { [NEXT_LEVEL]: { [NEXT_LEVEL]: { ItemCollectionKey: ALL_VALUES } } },
  },
);

export class DynamoDBDocumentClient {
  static from(client, translateConfig) {
    return new DynamoDBDocumentClient(client, translateConfig);
  }

  constructor(client, translateConfig = {}) {
    this.client = client;
    this.config = client.config;
    this.marshallOptions = { ...translateConfig.marshallOptions };
    this.marshallOptions.convertTopLevelContainer ??= true;
    this.unmarshallOptions = { ...translateConfig.unmarshallOptions };
    this.unmarshallOptions.convertWithoutMapWrapper ??= true;
  }

  async send(command) {
    const { ClientCommand, inputKeyNodes, outputKeyNodes } = command.constructor;
    const input = processKeysInObj(command.input, (v) => marshall(v, this.marshallOptions), inputKeyNodes);
    const output = await this.client.send(new ClientCommand(input));
    return processKeysInObj(output, (v) => unmarshall(v, this.unmarshallOptions), outputKeyNodes);
  }

  destroy() {
    this.client.destroy();
  }
}
