/**
 * The detect function's input schema: Powertools' EventBridge event schema with the CloudTrail record
 * it carries as `detail`. Loaded with the first event (zod and the schema are a chunk of their own),
 * so that a cold start only creates the logger and metrics.
 */
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { z } from 'zod';

/** The CloudTrail record inside the envelope: what routing needs; the normaliser reads the rest. */
export const CloudTrailDetailSchema = z.looseObject({
  eventID: z.string().optional(),
  eventName: z.string().min(1),
  eventSource: z.string().min(1),
});

/**
 * Built once. (Powertools' EventBridgeEnvelope extends the schema on every call and imports every
 * Powertools schema; this imports only the one it uses.)
 */
export const DetectEventSchema = EventBridgeSchema.extend({ detail: CloudTrailDetailSchema });
