/**
 * Inputs of `replay` (and of `baseline learn`): local paths and `s3://BUCKET/PREFIX` locations, with
 * the `--since/--until/--account/--region` filters that prune the CloudTrail key layout of both.
 * The S3 client is imported lazily: commands that read no S3 do not load it.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import {
  type ReadOptions,
  readCloudTrail,
  readCloudTrailObjects,
  type SourceRecord,
  type TrailFilter,
} from '../../adapters/cloudtrail-files/read.js';
import { type CliContext, CliError, EXIT } from '../context.js';

/** Raw filter options as commander gives them. */
export interface FilterOpts {
  since?: string;
  until?: string;
  account?: string[];
  region?: string[];
}

/** Options for reading S3. */
export interface S3Opts {
  awsRegion?: string;
  s3Endpoint?: string;
  concurrency?: string;
}

const DURATION = /^(\d+)([smhd])$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A `--since`/`--until` value → epoch ms: an ISO-8601 date or date-time (UTC unless it says
 * otherwise) or a duration back from now (`90m`, `36h`, `7d`). A bare date means the start of that
 * day for `--since` and its end for `--until` (both bounds are inclusive).
 * @throws CliError (usage) naming the flag.
 */
export function parseTimeBound(flag: string, v: string, nowMs: number, end: boolean): number {
  const d = DURATION.exec(v);
  if (d) return nowMs - Number(d[1]) * (UNIT_MS[d[2] as string] as number);
  if (DATE_ONLY.test(v)) {
    const t = Date.parse(`${v}T00:00:00Z`);
    if (!Number.isNaN(t)) return end ? t + 86_400_000 - 1 : t;
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(v)) {
    const t = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(v) ? v : `${v}Z`);
    if (!Number.isNaN(t)) return t;
  }
  throw new CliError(
    EXIT.usage,
    `${flag} must be a date (2026-03-01), a date-time (2026-03-01T12:00:00Z) or a duration (7d, 36h), not "${v.slice(0, 40)}"`,
  );
}

/** Collects a repeatable, comma-separable option. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  ];
}

/** Adds the record filters `--since`, `--until`, `--account`, `--region` (see {@link trailFilter}). */
export function withFilterOptions(cmd: Command): Command {
  return cmd
    .option('--since <time>', 'only events at or after TIME (2026-03-01, 2026-03-01T12:00Z, 7d)')
    .option('--until <time>', 'only events at or before TIME (a bare date means its end)')
    .option('--account <id>', 'only this account (repeatable, or comma-separated)', collect)
    .option('--region <region>', 'only this region (repeatable, or comma-separated)', collect);
}

/** The filter the options describe, or undefined when none is set. */
export function trailFilter(opts: FilterOpts, nowMs: number): TrailFilter | undefined {
  const f: TrailFilter = {};
  if (opts.since !== undefined) f.sinceMs = parseTimeBound('--since', opts.since, nowMs, false);
  if (opts.until !== undefined) f.untilMs = parseTimeBound('--until', opts.until, nowMs, true);
  if (f.sinceMs !== undefined && f.untilMs !== undefined && f.sinceMs > f.untilMs)
    throw new CliError(EXIT.usage, '--since is after --until');
  if (opts.account && opts.account.length > 0) {
    for (const a of opts.account)
      if (!/^\d{12}$/.test(a))
        throw new CliError(EXIT.usage, `--account must be a 12-digit account id, not "${a.slice(0, 40)}"`);
    f.accounts = new Set(opts.account);
  }
  if (opts.region && opts.region.length > 0) {
    for (const r of opts.region)
      if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(r))
        throw new CliError(
          EXIT.usage,
          `--region must be an AWS region name (eu-west-1), not "${r.slice(0, 40)}"`,
        );
    f.regions = new Set(opts.region);
  }
  return Object.keys(f).length > 0 ? f : undefined;
}

/** Totals of what the S3 listings found so far (progress). */
export interface ListedTotals {
  objects: number;
  bytes: number;
}

/**
 * An S3 client for the operator's credentials: region from `--aws-region`, else the usual chain;
 * `--s3-endpoint` (a local S3 server) uses path-style addressing.
 */
export async function openS3(opts: S3Opts, ctx: CliContext): Promise<S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  const region = opts.awsRegion ?? ctx.env.AWS_REGION ?? ctx.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const id = ctx.env.AWS_ACCESS_KEY_ID;
  const secret = ctx.env.AWS_SECRET_ACCESS_KEY;
  return new S3Client({
    region,
    ...(opts.s3Endpoint ? { endpoint: opts.s3Endpoint, forcePathStyle: true } : {}),
    ...(id && secret
      ? {
          credentials: {
            accessKeyId: id,
            secretAccessKey: secret,
            ...(ctx.env.AWS_SESSION_TOKEN ? { sessionToken: ctx.env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
  });
}

/**
 * Records of `inputs` in order: runs of local paths through `readCloudTrail`, each `s3://` location
 * listed by the key layout and read through `readCloudTrailObjects` (the same reader).
 */
export async function* readInputs(
  inputs: readonly string[],
  read: ReadOptions,
  s3: { opts: S3Opts; ctx: CliContext; listed: ListedTotals },
): AsyncGenerator<SourceRecord[]> {
  let client: S3Client | undefined;
  let local: string[] = [];
  try {
    for (const input of inputs) {
      if (!input.startsWith('s3://')) {
        local.push(input);
        continue;
      }
      if (local.length > 0) yield* readCloudTrail(local, read);
      local = [];
      const mod = await import('../../adapters/cloudtrail-files/s3.js');
      client ??= await openS3(s3.opts, s3.ctx);
      const loc = mod.parseS3Url(input);
      const concurrency = s3.opts.concurrency === undefined ? undefined : Number(s3.opts.concurrency);
      yield* readCloudTrailObjects(
        mod.s3Objects(client, loc, {
          ...(read.filter ? { filter: read.filter } : {}),
          ...(concurrency !== undefined ? { concurrency } : {}),
          onListed: (o) => {
            s3.listed.objects += 1;
            s3.listed.bytes += o.size;
          },
        }),
        read,
      );
    }
    if (local.length > 0) yield* readCloudTrail(local, read);
  } finally {
    client?.destroy();
  }
}

/**
 * `s3://` inputs checked for form (usage error, exit 2) before anything is read.
 * @throws CliError (usage)
 */
export async function checkS3Inputs(inputs: readonly string[], opts: S3Opts): Promise<void> {
  if (opts.concurrency !== undefined) {
    const n = Number(opts.concurrency);
    if (!Number.isInteger(n) || n < 1 || n > 256)
      throw new CliError(EXIT.usage, '--concurrency must be a whole number from 1 to 256');
  }
  const s3 = inputs.filter((i) => i.startsWith('s3://'));
  if (s3.length === 0) return;
  const { parseS3Url } = await import('../../adapters/cloudtrail-files/s3.js');
  for (const i of s3) {
    try {
      parseS3Url(i);
    } catch (err) {
      throw new CliError(EXIT.usage, (err as Error).message, { cause: err });
    }
  }
}

/**
 * The command-line paths as inputs: `s3://` locations (and `-` for stdin, where `stdin` allows it) as
 * given, local paths made absolute against the working directory.
 * @throws CliError (usage) for a local path that does not exist.
 */
export async function resolveInputs(
  paths: readonly string[],
  ctx: CliContext,
  opts: { stdin: boolean },
): Promise<string[]> {
  const inputs: string[] = [];
  for (const p of paths) {
    if ((opts.stdin && p === '-') || p.startsWith('s3://')) {
      inputs.push(p);
      continue;
    }
    const abs = path.resolve(ctx.cwd, p);
    try {
      await stat(abs);
    } catch {
      throw new CliError(EXIT.usage, `${p}: no such file or directory`);
    }
    inputs.push(abs);
  }
  return inputs;
}
