/**
 * What bench/lambda.mjs needs in-process (bundled by it, so the bench runs plain node): the packaged
 * template reader and the role-checking AWS proxy of the deployed harness, dynalite, the table, the
 * baseline store, and the EventBridge patterns that select the detect function's events.
 */

export { DynamoDBClient } from '@aws-sdk/client-dynamodb';
export { createStoreHandle } from '../shared/adapters/dynamodb/open-store.js';
export { ensureTable } from '../shared/adapters/dynamodb/table.js';
export { startEmbeddedStore } from '../shared/adapters/embedded-store.js';
export { parseBaseline } from '../shared/core/baseline/parse.js';
export { matchesPattern } from '../shared/core/eventbridge/match.js';
export {
  deployedPatterns,
  eventBridgeSource,
  SIGN_IN_DETAIL_TYPES,
} from '../shared/core/eventbridge/patterns.js';
export { envelope } from '../test/deploy/envelope.js';
export { readZip } from '../test/deploy/zip.js';
export { startAwsProxy } from '../test/deployed/aws-proxy.js';
export { loadStack } from '../test/deployed/template.js';
