/**
 * CloudTrail objects in S3: `s3://BUCKET/PREFIX` listed by the CloudTrail key layout (pruned by the
 * account/region/time filter level by level, before any object is read) and fetched with bounded
 * parallelism, in key order, for the same reader as local files.
 */
import { GetObjectCommand, ListObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { CloudTrailReadError } from '../errors.js';
import { dirAdmits, fileAdmits, isEmptyFilter, skipMarker, type TrailFilter } from './layout.js';
import type { ObjectInput } from './read.js';
import { ioReason } from './text.js';
import type { SourceProblem } from './types.js';

/** A bucket and a key prefix (no leading slash; empty for the whole bucket). */
export interface S3Location {
  bucket: string;
  prefix: string;
}

/** One object found by a listing. */
export interface S3ObjectRef {
  key: string;
  size: number;
}

/** Objects up to this size are fetched whole ahead of their turn; larger ones are streamed at their turn. */
export const PREFETCH_OBJECT_BYTES = 16 * 1024 * 1024;
/** Objects fetched ahead of the one being read, unless told otherwise. */
export const DEFAULT_S3_CONCURRENCY = 8;

const DATA_KEY = /\.(json|jsonl|ndjson|gz)$/i;

/**
 * `s3://bucket/prefix` → its parts.
 * @throws CloudTrailReadError when it is not an s3:// URL with a bucket name.
 */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (m === null) throw new CloudTrailReadError(`${url.slice(0, 80)}: not an s3://BUCKET[/PREFIX] URL`);
  return { bucket: m[1] as string, prefix: m[2] ?? '' };
}

/** The S3 URL of an object, as shown in records and problems. */
export function objectUrl(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/**
 * The data objects under `loc` in key order, skipping digest files and, with a filter, every subtree
 * and object of the CloudTrail layout that cannot match. Lists flat (no delimiter: some S3-compatible
 * servers answer delimited listings of deep keys with nothing) and, on meeting a rejected account,
 * region or date directory, continues after it with a new Marker, so one request skips the subtree;
 * a date before `--since` seeks straight to the first day of the range.
 * @throws the S3 client's error when a listing fails (the caller reports it).
 */
export async function* listTrailObjects(
  client: S3Client,
  loc: S3Location,
  filterIn?: TrailFilter,
): AsyncGenerator<S3ObjectRef> {
  const filter = isEmptyFilter(filterIn) ? undefined : filterIn;
  // Segments of the prefix itself are not judged as directories unless complete ("a/b/" → a, b).
  const fixed = loc.prefix.split('/').length - 1;
  // ListObjects (v1, paged by Marker): the same s3:ListBucket permission as v2, and served faithfully
  // by every S3-compatible server (s3rver 3.7 answers v2 with an empty page).
  let marker: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListObjectsCommand({
        Bucket: loc.bucket,
        Prefix: loc.prefix,
        ...(marker ? { Marker: marker } : {}),
      }),
    );
    const contents = page.Contents ?? [];
    let seek: string | undefined;
    for (const o of contents) {
      const key = o.Key;
      if (key === undefined) continue;
      marker = key;
      const segs = key.split('/');
      const name = segs[segs.length - 1] ?? '';
      if (!DATA_KEY.test(name) || name.startsWith('.') || name.includes('_CloudTrail-Digest_')) continue;
      if (segs.slice(0, -1).some((s) => s === 'CloudTrail-Digest' || s.startsWith('.'))) continue;
      if (filter) {
        let rejected = -1;
        for (let j = Math.max(1, fixed); j < segs.length; j++) {
          if (!dirAdmits(segs.slice(0, j), filter)) {
            rejected = j;
            break;
          }
        }
        if (rejected > 0) {
          seek = skipMarker(segs.slice(0, rejected), filter);
          break;
        }
        if (!fileAdmits(segs, filter)) continue;
      }
      yield { key, size: o.Size ?? 0 };
    }
    if (seek !== undefined) {
      marker = seek;
      continue;
    }
    if (!page.IsTruncated || contents.length === 0) return;
  }
}

/** The whole body of an object. */
export async function getObjectBytes(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (r.Body === undefined) return Buffer.alloc(0);
  return Buffer.from(await r.Body.transformToByteArray());
}

/** The body of an object as a stream of buffers. */
export async function getObjectStream(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<AsyncIterable<Buffer>> {
  const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (r.Body === undefined) return (async function* () {})();
  return r.Body as unknown as AsyncIterable<Buffer>;
}

export interface S3ReadOptions {
  filter?: TrailFilter;
  /** Objects fetched ahead (default 8); memory holds at most this many objects of ≤16 MB. */
  concurrency?: number;
  /** Told of each object listed (progress: objects and bytes to go). */
  onListed?: (o: S3ObjectRef) => void;
}

/**
 * The objects under `loc` for `readCloudTrailObjects`, fetched up to `concurrency` ahead, in key
 * order. A failed listing or GET becomes a problem naming the prefix or object; the read goes on.
 */
export async function* s3Objects(
  client: S3Client,
  loc: S3Location,
  opts: S3ReadOptions = {},
): AsyncGenerator<ObjectInput | SourceProblem> {
  const ahead = Math.max(1, Math.floor(opts.concurrency ?? DEFAULT_S3_CONCURRENCY));
  const queue: Array<{ ref: S3ObjectRef; body: Promise<Buffer> | null }> = [];
  const listing = listTrailObjects(client, loc, opts.filter)[Symbol.asyncIterator]();
  let listed = false;
  let listFailure: unknown;
  const fill = async (): Promise<void> => {
    while (!listed && queue.length < ahead) {
      let r: IteratorResult<S3ObjectRef>;
      try {
        r = await listing.next();
      } catch (err) {
        listFailure = err;
        listed = true;
        return;
      }
      if (r.done) {
        listed = true;
        return;
      }
      opts.onListed?.(r.value);
      const small = r.value.size <= PREFETCH_OBJECT_BYTES;
      const body = small ? getObjectBytes(client, loc.bucket, r.value.key) : null;
      // Rejections are handled when the object's turn comes; do not let them go unhandled meanwhile.
      body?.catch(() => {});
      queue.push({ ref: r.value, body });
    }
  };
  try {
    await fill();
    for (let head = queue.shift(); head !== undefined; head = queue.shift()) {
      const { ref, body } = head;
      const path = objectUrl(loc.bucket, ref.key);
      yield {
        path,
        body: () => body ?? getObjectStream(client, loc.bucket, ref.key),
      };
      await fill();
    }
    if (listFailure !== undefined) {
      yield {
        path: objectUrl(loc.bucket, loc.prefix),
        line: null,
        reason: `listing failed: ${ioReason(listFailure)}`,
      };
    }
  } finally {
    await listing.return?.(undefined);
  }
}
