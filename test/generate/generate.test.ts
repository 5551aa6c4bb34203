import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseBaseline } from '../../shared/core/baseline/parse.js';
import {
  type GenerateOptions,
  GenerateOptionsError,
  Generation,
  type PlantedScenario,
  parseAttackList,
  SCENARIO_NAMES,
} from '../../tools/generate/index.js';
import { GenerateOutputError, writeGeneration } from '../../tools/generate/writer.js';
import { digestTree, listFiles, readObjects } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'iamwatch-generate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ALL: GenerateOptions = {
  events: 6000,
  seed: 'test-seed',
  start: '2026-03-02T00:00:00Z',
  days: 2,
  attacks: parseAttackList('all'),
  occurrences: 1,
};

async function generateTo(name: string, opts: GenerateOptions): Promise<{ dir: string; gen: Generation }> {
  const dir = join(tmp, name);
  const gen = new Generation(opts);
  await writeGeneration(gen, dir);
  return { dir, gen };
}

const first = generateTo('a', ALL);

describe('determinism', () => {
  it('writes byte-identical files for the same options and seed', async () => {
    // Prepare
    const { dir: a } = await first;
    // Act
    const { dir: b } = await generateTo('b', ALL);
    // Assess
    const da = digestTree(a);
    expect(Object.keys(da).length).toBeGreaterThan(10);
    expect(digestTree(b)).toEqual(da);
  });

  it('writes different records for a different seed', async () => {
    const { dir: a } = await first;
    const { dir: c } = await generateTo('c', { ...ALL, seed: 'other-seed' });
    const idsA = new Set(readObjects(a).flatMap((o) => o.records.map((r) => r.eventID)));
    const idsC = readObjects(c).flatMap((o) => o.records.map((r) => r.eventID));
    expect(idsC.filter((id) => idsA.has(id))).toEqual([]);
    // The organisation does not depend on the seed; only the planted incident window moves.
    const noIncidents = (d: string) => readFileSync(join(d, 'baseline.yaml'), 'utf8').split('incidents:')[0];
    expect(noIncidents(c)).toBe(noIncidents(a));
  });
});

const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const KEY =
  /^AWSLogs\/(\d{12})\/CloudTrail\/([a-z]{2}-[a-z]+-\d)\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{12})_CloudTrail_([a-z]{2}-[a-z]+-\d)_(\d{8})T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$/;

describe('record shapes', () => {
  it('writes exactly the requested number of records, in CloudTrail S3 key layout, time-ordered per object', async () => {
    const { dir, gen } = await first;
    const objects = readObjects(dir);
    const total = objects.reduce((n, o) => n + o.records.length, 0);
    expect(total).toBe(ALL.events);
    expect(gen.stats.records).toBe(ALL.events);
    const sizes: number[] = [];
    for (const o of objects) {
      const m = KEY.exec(o.key);
      expect(m, o.key).not.toBeNull();
      const [, acct, region, y, mo, d, acct2, region2, stamp] = m!;
      expect(acct2).toBe(acct);
      expect(region2).toBe(region);
      expect(stamp).toBe(`${y}${mo}${d}`);
      sizes.push(o.records.length);
      let prev = '';
      for (const r of o.records) {
        expect(r.recipientAccountId).toBe(acct);
        expect(r.awsRegion).toBe(region);
        const t = r.eventTime as string;
        expect(t >= prev, `${o.key}: ${t} after ${prev}`).toBe(true);
        prev = t;
      }
      expect(/^[\x20-\x7e]*$/.test(o.text), `${o.key} is ASCII`).toBe(true);
    }
    // Objects are cut at 100-500 records; only the final flush of each account/region may be smaller.
    const full = sizes.filter((n) => n >= 100 && n <= 500).length;
    expect(full).toBeGreaterThanOrEqual(sizes.length - 12);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(500);
  });

  it('gives every record the CloudTrail top-level fields with the right types', async () => {
    const { dir } = await first;
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const o of readObjects(dir)) {
      for (const r of o.records) {
        const id = String(r.eventID);
        const need: Array<[string, string]> = [
          ['eventVersion', 'string'],
          ['userIdentity', 'object'],
          ['eventTime', 'string'],
          ['eventSource', 'string'],
          ['eventName', 'string'],
          ['awsRegion', 'string'],
          ['sourceIPAddress', 'string'],
          ['userAgent', 'string'],
          ['requestID', 'string'],
          ['eventID', 'string'],
          ['readOnly', 'boolean'],
          ['eventType', 'string'],
          ['managementEvent', 'boolean'],
          ['recipientAccountId', 'string'],
          ['eventCategory', 'string'],
        ];
        for (const [k, type] of need)
          if (typeof r[k] !== type || r[k] === null) problems.push(`${id}: ${k} is not ${type}`);
        if (!('requestParameters' in r) || !('responseElements' in r))
          problems.push(`${id}: request/response missing`);
        if (!ISO_Z.test(String(r.eventTime))) problems.push(`${id}: eventTime ${String(r.eventTime)}`);
        if (!UUID.test(id)) problems.push(`${id}: eventID not UUID-shaped`);
        if (seen.has(id)) problems.push(`${id}: duplicate eventID`);
        seen.add(id);
        if (!/^[a-z0-9-]+\.amazonaws\.com$/.test(String(r.eventSource))) problems.push(`${id}: eventSource`);
        const ui = r.userIdentity as Record<string, unknown>;
        if (typeof ui.type !== 'string') problems.push(`${id}: userIdentity.type`);
        if (ui.type === 'AssumedRole') {
          const sc = ui.sessionContext as { sessionIssuer?: { arn?: string; type?: string } } | undefined;
          if (
            sc?.sessionIssuer?.type !== 'Role' ||
            !/^arn:aws:iam::\d{12}:role\//.test(sc.sessionIssuer.arn ?? '')
          ) {
            problems.push(`${id}: AssumedRole without sessionIssuer`);
          }
          if (!/^ASIA[A-Z2-7]{16}$/.test(String(ui.accessKeyId))) problems.push(`${id}: accessKeyId`);
        }
        if (ui.type === 'AWSService' && r.sourceIPAddress !== ui.invokedBy)
          problems.push(`${id}: service sourceIPAddress`);
        const ip = String(r.sourceIPAddress);
        if (/^\d/.test(ip) && !/^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d{1,3}$/.test(ip))
          problems.push(`${id}: non-documentation IP ${ip}`);
        if (
          r.eventCategory === 'Data' &&
          (r.managementEvent !== false || r.eventSource !== 's3.amazonaws.com')
        )
          problems.push(`${id}: data event`);
      }
    }
    expect(problems.slice(0, 20)).toEqual([]);
  });

  it('writes AssumeRoleWithWebIdentity with the exact shape of the public GitHub Actions record', async () => {
    const { dir } = await first;
    const oidc = readObjects(dir)
      .flatMap((o) => o.records)
      .filter((r) => r.eventName === 'AssumeRoleWithWebIdentity');
    expect(oidc.length).toBeGreaterThan(5);
    const ok = oidc.filter((r) => r.errorCode === undefined);
    const failed = oidc.filter((r) => r.errorCode !== undefined);
    expect(failed.length).toBe(12); // one retry storm
    // Key set of the public record (samples/cloudtrail-public, ccbrown/cloud-snitch), in the same order.
    const publicKeys = [
      'eventVersion',
      'userIdentity',
      'eventTime',
      'eventSource',
      'eventName',
      'awsRegion',
      'sourceIPAddress',
      'userAgent',
      'requestParameters',
      'responseElements',
      'additionalEventData',
      'requestID',
      'eventID',
      'readOnly',
      'resources',
      'eventType',
      'managementEvent',
      'recipientAccountId',
      'eventCategory',
      'tlsDetails',
    ];
    for (const r of ok) {
      expect(Object.keys(r)).toEqual(publicKeys);
      const ui = r.userIdentity as Record<string, string>;
      const resp = r.responseElements as Record<string, unknown>;
      const req = r.requestParameters as Record<string, unknown>;
      expect(Object.keys(ui)).toEqual(['type', 'principalId', 'userName', 'identityProvider']);
      expect(ui.type).toBe('WebIdentityUser');
      expect(ui.principalId).toBe(`${ui.identityProvider}:${String(resp.audience)}:${ui.userName}`);
      expect(ui.identityProvider).toMatch(/^arn:aws:iam::\d{12}:oidc-provider\/[a-z.]+$/);
      expect(resp.subjectFromWebIdentityToken).toBe(ui.userName);
      expect(resp.provider).toBe(ui.identityProvider);
      expect(Object.keys(resp)).toEqual([
        'credentials',
        'subjectFromWebIdentityToken',
        'assumedRoleUser',
        'provider',
        'audience',
      ]);
      expect(Object.keys(req)).toEqual(['roleArn', 'roleSessionName', 'durationSeconds']);
      expect((r.resources as Array<{ ARN: string }>)[0]!.ARN).toBe(req.roleArn);
      expect(r.readOnly).toBe(true);
    }
    const subjects = new Set(ok.map((r) => (r.userIdentity as Record<string, string>).userName));
    expect([...subjects].some((s) => String(s).startsWith('project_path:example-org/'))).toBe(true);
    expect([...subjects].some((s) => String(s).startsWith('organization:example-org:project:'))).toBe(true);
    for (const r of failed) {
      expect(r.responseElements).toBeNull();
      expect(r.errorCode).toBe('AccessDenied');
    }
  });

  it('writes Terraform IAM edits as the terraform-apply role with raw JSON policy documents', () => {
    const gen = new Generation({ ...ALL, events: 30_000, days: 1, attacks: [] });
    const writes = [...gen.objects()]
      .flatMap(
        (o) => (JSON.parse(o.body.toString('latin1')) as { Records: Array<Record<string, unknown>> }).Records,
      )
      .filter((r) => ['PutRolePolicy', 'CreatePolicyVersion'].includes(String(r.eventName)));
    expect(writes.length).toBeGreaterThan(0);
    for (const r of writes) {
      const issuer = (r.userIdentity as { sessionContext: { sessionIssuer: { arn: string } } }).sessionContext
        .sessionIssuer.arn;
      expect(issuer).toMatch(/:role\/terraform-apply$/);
      const doc = (r.requestParameters as { policyDocument: unknown }).policyDocument;
      expect(typeof doc).toBe('string');
      expect(JSON.parse(doc as string).Version).toBe('2012-10-17');
    }
  });
});

describe('planted scenarios', () => {
  it('lists every planted scenario with eventIds present in the output', async () => {
    const { dir, gen } = await first;
    const file = JSON.parse(readFileSync(join(dir, 'scenarios.json'), 'utf8')) as {
      scenarios: PlantedScenario[];
    };
    expect(file.scenarios.map((s) => s.scenario).sort()).toEqual([...SCENARIO_NAMES].sort());
    expect(file.scenarios).toEqual(JSON.parse(JSON.stringify(gen.scenarios)));
    const byId = new Map(
      readObjects(dir).flatMap((o) => o.records.map((r) => [String(r.eventID), r] as const)),
    );
    for (const s of file.scenarios) {
      for (const id of s.eventIds) expect(byId.has(id), `${s.scenario} ${id}`).toBe(true);
      expect(s.alerting.length).toBeGreaterThan(0);
      for (const a of s.alerting) {
        expect(s.eventIds).toContain(a.eventId);
        expect(byId.get(a.eventId)!.eventName).toBe(a.eventName);
        expect(a.rules.length).toBeGreaterThan(0);
      }
    }
    const pr = file.scenarios.find((s) => s.scenario === 'oidc-pr-to-deploy')!;
    const rec = byId.get(pr.alerting[0]!.eventId)!;
    expect((rec.userIdentity as { userName: string }).userName).toBe('repo:example-org/api:pull_request');
  });

  it('plants each scenario `occurrences` times at seeded positions', () => {
    const g1 = new Generation({
      ...ALL,
      events: 20_000,
      occurrences: 3,
      attacks: ['stop-logging', 'federation-token'],
    });
    const g2 = new Generation({
      ...ALL,
      events: 20_000,
      occurrences: 3,
      attacks: ['stop-logging', 'federation-token'],
      seed: 'x',
    });
    expect(g1.plants.length).toBe(6);
    expect(g1.plants.map((p) => p.t)).not.toEqual(g2.plants.map((p) => p.t));
  });

  it('rejects unknown scenarios and too few events for the planted ones', () => {
    expect(() => parseAttackList('oidc-pr-to-deploy,nope')).toThrow(GenerateOptionsError);
    expect(parseAttackList('none')).toEqual([]);
    expect(() => new Generation({ ...ALL, events: 500 })).toThrow(/too small/);
    expect(() => new Generation({ ...ALL, start: 'yesterday' })).toThrow(/--start/);
  });
});

describe('baseline.yaml', () => {
  it('parses with the baseline parser without errors and uses only contract keys', async () => {
    const { dir } = await first;
    const text = readFileSync(join(dir, 'baseline.yaml'), 'utf8');
    const { baseline, issues } = parseBaseline(text, 'baseline.yaml');
    expect(issues.filter((i) => i.level === 'error')).toEqual([]);
    expect(baseline).not.toBeNull();
    const doc = parseYaml(text) as Record<string, unknown>;
    expect(Object.keys(doc).sort()).toEqual([
      'accounts',
      'defaults',
      'identities',
      'incidents',
      'suppressions',
      'teams',
      'version',
    ]);
    const idKeys = new Set([
      'arn',
      'kind',
      'owner',
      'purpose',
      'environment',
      'team',
      'review_after',
      'oidc',
      'callers',
    ]);
    const oidcKeys = new Set(['provider', 'audience', 'subjects', 'workflows', 'allow_pull_requests']);
    const ids = doc.identities as Array<Record<string, unknown>>;
    for (const id of ids) {
      for (const k of Object.keys(id)) expect(idKeys.has(k), k).toBe(true);
      for (const k of ['owner', 'purpose', 'kind', 'environment', 'team', 'review_after'])
        expect(id[k], `${id.arn} ${k}`).toBeTruthy();
      expect(String(id.review_after) > '2026-03-04').toBe(true);
      for (const o of (id.oidc as Array<Record<string, unknown>> | undefined) ?? []) {
        for (const k of Object.keys(o)) expect(oidcKeys.has(k), k).toBe(true);
      }
    }
    expect(ids.some((i) => i.kind === 'break-glass' && String(i.arn).endsWith(':role/break-glass'))).toBe(
      true,
    );
    expect(ids.some((i) => i.kind === 'iac' && String(i.arn).endsWith(':role/terraform-apply'))).toBe(true);
    for (const t of Object.values(doc.teams as Record<string, { slack: string }>))
      expect(t.slack).toMatch(/^env:/);
    expect((doc.suppressions as unknown[]).length).toBeGreaterThan(0);
    expect((doc.incidents as unknown[]).length).toBe(1); // break-glass-in-incident planted once
  });
});

describe('writer', () => {
  it('refuses a non-empty output without --force, and replaces only its own output with it', async () => {
    const { dir } = await first;
    const small: GenerateOptions = { ...ALL, events: 300, attacks: [] };
    await expect(writeGeneration(new Generation(small), dir)).rejects.toThrow(GenerateOutputError);
    await writeGeneration(new Generation(small), dir, { force: true });
    expect(readObjects(dir).reduce((n, o) => n + o.records.length, 0)).toBe(300);
    expect(listFiles(join(dir, 'cloudtrail'))).toContain('.iamwatch-generated');
  });
});
