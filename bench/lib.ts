/** What the benchmark measures in-process, bundled by bench/run.mjs (so the bench runs plain node). */

export { readCloudTrail } from '../shared/adapters/cloudtrail-files/read.js';
export { openStore } from '../shared/adapters/dynamodb/open-store.js';
export { MemorySessionStore } from '../shared/adapters/memory-sessions.js';
export { createDetector, DetectionPipeline } from '../shared/app/detect.js';
export { replay } from '../shared/app/replay.js';
export { buildIndex, emptyBaseline } from '../shared/core/baseline/in-memory-view.js';
export { parseBaseline } from '../shared/core/baseline/parse.js';
export { normaliseRecord } from '../shared/core/cloudtrail/normalise.js';
export { matchesPattern } from '../shared/core/eventbridge/match.js';
export {
  deployedPatterns,
  eventBridgeSource,
  SIGN_IN_DETAIL_TYPES,
} from '../shared/core/eventbridge/patterns.js';
export { resolveLineage } from '../shared/core/session/lineage.js';
export { sessionFromEvent } from '../shared/core/session/record.js';
export { readZip } from '../test/deploy/zip.js';
export { seedIdentities } from '../test/store/helpers.js';
