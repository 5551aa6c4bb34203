import { s3BucketName, trailName } from '../../cloudtrail/accessors.js';
import { isObj, path } from '../../cloudtrail/fields.js';
import type { NormalisedEvent } from '../../cloudtrail/types.js';
import { appliesToPairs, defineRule, type RuleContext, type RuleHit } from '../../detection/rule.js';
import { actorLabel, CLOUDTRAIL, quoted } from '../_common.js';

const S3 = 's3.amazonaws.com';
/** A lifecycle rule that expires objects within this many days empties a trail bucket before anyone looks. */
const SHORT_EXPIRY_DAYS = 30;

/** Days after which an enabled lifecycle rule expires objects (the shortest), or null. */
function shortestExpiryDays(e: NormalisedEvent): number | null {
  const raw = path(e.requestParameters, 'LifecycleConfiguration', 'Rule');
  const rules = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
  let min: number | null = null;
  for (const r of rules) {
    if (!isObj(r) || (r.Status !== undefined && r.Status !== 'Enabled')) continue;
    for (const exp of [
      path(r, 'Expiration', 'Days'),
      path(r, 'NoncurrentVersionExpiration', 'NoncurrentDays'),
    ]) {
      const days = typeof exp === 'string' ? Number(exp) : exp;
      if (typeof days === 'number' && Number.isFinite(days) && (min === null || days < min)) min = days;
    }
  }
  return min;
}

function declared(ctx: RuleContext, bucket: string): boolean {
  return (ctx.baseline.trailBuckets() ?? []).includes(bucket);
}

export default defineRule({
  meta: {
    id: 'trail-destination-changed',
    title: 'Trail delivers to an undeclared bucket, or its logs expire within days',
    description:
      'CreateTrail or UpdateTrail pointed a trail at an S3 bucket that the baseline does not declare in ' +
      'trail_buckets (CloudTrail does not show the bucket owner: an undeclared name may be another account’s ' +
      'bucket), or a lifecycle rule on a declared trail bucket (or any bucket named like a CloudTrail bucket) ' +
      `expires logs within ${SHORT_EXPIRY_DAYS} days. Either way the audit record leaves the organisation's hands.`,
    severity: 'high',
    appliesTo: appliesToPairs({ [CLOUDTRAIL]: ['CreateTrail', 'UpdateTrail'], [S3]: ['PutBucketLifecycle'] }),
    attack: ['T1562.008', 'T1537'],
    emulatedBy: ['aws.defense-evasion.cloudtrail-lifecycle-rule'],
    falsePositives: [
      'A new central logging bucket not yet added to trail_buckets.',
      'A deliberate short retention on a test account’s trail bucket.',
    ],
    runbook:
      'iamwatch baseline seen <actor> --since 1d; check the bucket owner (aws s3api get-bucket-acl) and restore the trail destination or lifecycle, then iamwatch replay the archive for the gap.',
    dedupWindowMinutes: 60,
  },
  evaluate(e: NormalisedEvent, ctx: RuleContext): RuleHit | null {
    if (!e.success) return null;
    const bucket = s3BucketName(e);
    if (bucket === null) return null;
    if (e.eventSource === CLOUDTRAIL) {
      if (e.eventName !== 'CreateTrail' && e.eventName !== 'UpdateTrail') return null;
      // Without trail_buckets the baseline says nothing about where trails may write.
      if (ctx.baseline.trailBuckets() === null || declared(ctx, bucket)) return null;
      return {
        severity: 'critical',
        reasons: [
          `${actorLabel(e)} pointed trail ${quoted(trailName(e), '(unnamed)')} at bucket ${quoted(bucket)} (${e.eventName})`,
          `${quoted(bucket)} is not among the ${ctx.baseline.trailBuckets()?.length ?? 0} trail_buckets of the baseline; CloudTrail does not record the bucket's owner, which may be another account`,
        ],
        dedupeKey: `trail-destination-changed|${e.account}|${trailName(e) ?? ''}|${bucket}`,
      };
    }
    if (e.eventSource !== S3 || e.eventName !== 'PutBucketLifecycle') return null;
    const isTrailBucket = declared(ctx, bucket) || /cloudtrail/i.test(bucket);
    if (!isTrailBucket) return null;
    const days = shortestExpiryDays(e);
    if (days === null || days > SHORT_EXPIRY_DAYS) return null;
    return {
      severity: 'high',
      reasons: [
        `${actorLabel(e)} set a lifecycle rule on trail bucket ${quoted(bucket)} that deletes logs after ${days} day${days === 1 ? '' : 's'}`,
        'CloudTrail logs older than that are gone: replays and investigations of the period lose their record',
      ],
      dedupeKey: `trail-destination-changed|${e.account}|${bucket}|lifecycle`,
    };
  },
});
