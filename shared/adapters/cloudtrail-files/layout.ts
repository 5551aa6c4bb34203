/**
 * The CloudTrail S3 key layout, `AWSLogs/[o-ORG/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/FILE`, and the
 * `--since/--until/--account/--region` filters that prune it. One set of tests serves local directory
 * walks (path segments) and S3 listings (key segments), so that both skip the same objects unread.
 *
 * Pruning is conservative: a directory or object is skipped only when nothing in it can match. Day
 * directories and file names hold the DELIVERY time; an event is delivered after it happened (usually
 * within 15 minutes), so the lower bound is exact and the upper bound keeps {@link LATE_DELIVERY_MS}
 * of slack. Records are filtered on their own eventTime, account and region too ({@link recordPasses}).
 */

/** Filters on the key layout and on each record. All bounds inclusive; absent = no bound. */
export interface TrailFilter {
  /** Earliest eventTime, epoch ms. */
  sinceMs?: number;
  /** Latest eventTime, epoch ms. */
  untilMs?: number;
  /** 12-digit account ids (the key's ACCOUNT, the record's recipientAccountId). */
  accounts?: ReadonlySet<string>;
  /** Regions (the key's REGION, the record's awsRegion). */
  regions?: ReadonlySet<string>;
}

/** How long after an event its object may still be delivered and be found by the key pruning. */
export const LATE_DELIVERY_MS = 24 * 60 * 60 * 1000;

const ACCOUNT = /^\d{12}$/;
const ORG = /^o-[a-z0-9]{10,32}$/;
const YEAR = /^\d{4}$/;
const TWO = /^\d{2}$/;
/** `ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_…` */
const FILE_NAME = /^(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_/;
const MINUTE = 60 * 1000;

/** True when no filter is set (walks and listings then skip the checks entirely). */
export function isEmptyFilter(f: TrailFilter | undefined): boolean {
  return (
    f === undefined ||
    (f.sinceMs === undefined &&
      f.untilMs === undefined &&
      f.accounts === undefined &&
      f.regions === undefined)
  );
}

/** Whether delivery times in [fromMs, toMs) can hold an event the filter admits. */
function timeOverlaps(f: TrailFilter, fromMs: number, toMs: number): boolean {
  if (f.sinceMs !== undefined && toMs <= f.sinceMs) return false;
  if (f.untilMs !== undefined && fromMs > f.untilMs + LATE_DELIVERY_MS) return false;
  return true;
}

/**
 * Whether a directory (or S3 common prefix), given as its path segments, may hold objects the
 * filter admits. Segments before the last `AWSLogs` are ignored; a path that does not follow the
 * layout is admitted (its files are still judged by name and their records by content).
 */
export function dirAdmits(segments: readonly string[], f: TrailFilter): boolean {
  const at = segments.lastIndexOf('AWSLogs');
  if (at < 0) return true;
  let i = at + 1;
  if (i < segments.length && ORG.test(segments[i] as string)) i++;
  const account = segments[i];
  if (account === undefined) return true;
  if (!ACCOUNT.test(account)) return true;
  if (f.accounts && !f.accounts.has(account)) return false;
  const kind = segments[i + 1];
  if (kind === undefined) return true;
  // CloudTrail-Digest, CloudTrail-Insight and others hold no management events.
  if (kind !== 'CloudTrail') return false;
  const region = segments[i + 2];
  if (region === undefined) return true;
  if (f.regions && !f.regions.has(region)) return false;
  const y = segments[i + 3];
  if (y === undefined || !YEAR.test(y)) return true;
  const year = Number(y);
  const m = segments[i + 4];
  if (m === undefined || !TWO.test(m)) return timeOverlaps(f, Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1));
  const month = Number(m) - 1;
  const d = segments[i + 5];
  if (d === undefined || !TWO.test(d))
    return timeOverlaps(f, Date.UTC(year, month, 1), Date.UTC(year, month + 1, 1));
  const day = Number(d);
  return timeOverlaps(f, Date.UTC(year, month, day), Date.UTC(year, month, day + 1));
}

/**
 * Whether an object or file may hold records the filter admits: its directories by
 * {@link dirAdmits}, its name when it is a CloudTrail log file name (account, region, delivery time).
 */
export function fileAdmits(segments: readonly string[], f: TrailFilter): boolean {
  const name = segments[segments.length - 1] ?? '';
  if (name.includes('_CloudTrail-Digest_')) return false;
  if (!dirAdmits(segments.slice(0, -1), f)) return false;
  const m = FILE_NAME.exec(name);
  if (m === null) return true;
  if (f.accounts && !f.accounts.has(m[1] as string)) return false;
  if (f.regions && !f.regions.has(m[2] as string)) return false;
  const delivered = Date.UTC(Number(m[3]), Number(m[4]) - 1, Number(m[5]), Number(m[6]), Number(m[7]));
  // Every event in the object happened before it was delivered (the stamp is to the minute).
  if (f.sinceMs !== undefined && delivered + MINUTE <= f.sinceMs) return false;
  if (f.untilMs !== undefined && delivered > f.untilMs + LATE_DELIVERY_MS) return false;
  return true;
}

/**
 * Whether a record passes the filter on its own `eventTime`, `recipientAccountId` and `awsRegion`.
 * A record without a field a filter reads fails that filter (it cannot be shown to be in range).
 */
export function recordPasses(raw: Record<string, unknown>, f: TrailFilter): boolean {
  if (f.accounts) {
    const a = raw.recipientAccountId;
    if (typeof a !== 'string' || !f.accounts.has(a)) return false;
  }
  if (f.regions) {
    const r = raw.awsRegion;
    if (typeof r !== 'string' || !f.regions.has(r)) return false;
  }
  if (f.sinceMs !== undefined || f.untilMs !== undefined) {
    const t = typeof raw.eventTime === 'string' ? Date.parse(raw.eventTime) : Number.NaN;
    if (Number.isNaN(t)) return false;
    if (f.sinceMs !== undefined && t < f.sinceMs) return false;
    if (f.untilMs !== undefined && t > f.untilMs) return false;
  }
  return true;
}

/**
 * For a directory of the layout that {@link dirAdmits} rejects, given as its segments: the key to
 * continue a flat, key-ordered listing after, so that one request skips the whole subtree. A date
 * directory before `--since` skips to the first day of the range within the same region.
 */
export function skipMarker(segments: readonly string[], f: TrailFilter): string {
  const at = segments.lastIndexOf('AWSLogs');
  const base = `${segments.join('/')}/\uffff`;
  if (at < 0 || f.sinceMs === undefined) return base;
  let i = at + 1;
  if (i < segments.length && ORG.test(segments[i] as string)) i++;
  // segments[i] account, [i+1] CloudTrail, [i+2] region, [i+3..] date parts
  const dateParts = segments.length - (i + 3);
  if (dateParts < 1 || dateParts > 3) return base;
  const parts = segments.slice(i + 3);
  if (!parts.every((p) => /^\d+$/.test(p))) return base;
  const from = Date.UTC(
    Number(parts[0]),
    dateParts > 1 ? Number(parts[1]) - 1 : 0,
    dateParts > 2 ? Number(parts[2]) : 1,
  );
  if (from >= f.sinceMs) return base;
  // Before --since: jump to the first day of the range (a later day sorts after it).
  const d = new Date(f.sinceMs);
  const day = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`;
  const region = segments.slice(0, i + 3).join('/');
  return `${region}/${day}`;
}
