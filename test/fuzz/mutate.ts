/**
 * Mutations of real CloudTrail records for property-based robustness tests: delete fields, wrong types,
 * nulls, huge strings, unicode and control characters, Slack mention syntax, nested arrays where strings
 * are expected, and mangled policy documents (raw and URL-encoded).
 */
import fc from 'fast-check';

export type Path = ReadonlyArray<string | number>;

/** One mutation: delete the value at `path`, or set it (creating missing parent objects). */
export type Op = { kind: 'delete'; path: Path } | { kind: 'set'; path: Path; value: unknown; label: string };

const HUGE_ASCII = 'A'.repeat(100 * 1024);
const HUGE_UNICODE = '\u{1F600}\u0301\u202e<!channel>\n'.repeat((100 * 1024) / 16);

/** Fields rules and the normaliser read, mutated even when the record does not have them. */
export const INTERESTING_PATHS: readonly Path[] = [
  ['eventName'],
  ['eventSource'],
  ['eventTime'],
  ['eventID'],
  ['eventType'],
  ['readOnly'],
  ['errorCode'],
  ['errorMessage'],
  ['recipientAccountId'],
  ['awsRegion'],
  ['sourceIPAddress'],
  ['userAgent'],
  ['resources'],
  ['userIdentity'],
  ['userIdentity', 'type'],
  ['userIdentity', 'arn'],
  ['userIdentity', 'accountId'],
  ['userIdentity', 'principalId'],
  ['userIdentity', 'userName'],
  ['userIdentity', 'invokedBy'],
  ['userIdentity', 'identityProvider'],
  ['userIdentity', 'sessionContext'],
  ['userIdentity', 'sessionContext', 'sessionIssuer'],
  ['userIdentity', 'sessionContext', 'sessionIssuer', 'arn'],
  ['userIdentity', 'sessionContext', 'sessionIssuer', 'userName'],
  ['userIdentity', 'sessionContext', 'attributes', 'mfaAuthenticated'],
  ['requestParameters'],
  ['requestParameters', 'userName'],
  ['requestParameters', 'roleName'],
  ['requestParameters', 'roleArn'],
  ['requestParameters', 'roleSessionName'],
  ['requestParameters', 'groupName'],
  ['requestParameters', 'policyArn'],
  ['requestParameters', 'policyName'],
  ['requestParameters', 'policyDocument'],
  ['requestParameters', 'assumeRolePolicyDocument'],
  ['requestParameters', 'policy'],
  ['requestParameters', 'name'],
  ['requestParameters', 'trailName'],
  ['requestParameters', 'eventSelectors'],
  ['requestParameters', 'advancedEventSelectors'],
  ['requestParameters', 'url'],
  ['requestParameters', 'clientIDList'],
  ['requestParameters', 'thumbprintList'],
  ['requestParameters', 'openIDConnectProviderArn'],
  ['requestParameters', 'sAMLProviderArn'],
  ['requestParameters', 'status'],
  ['requestParameters', 'accessKeyId'],
  ['requestParameters', 'serialNumber'],
  ['requestParameters', 'passwordResetRequired'],
  ['requestParameters', 'roleArns'],
  ['requestParameters', 'source'],
  ['requestParameters', 'providerId'],
  ['requestParameters', 'detectorId'],
  ['requestParameters', 'rule'],
  ['requestParameters', 'ids'],
  ['responseElements'],
  ['responseElements', 'ConsoleLogin'],
  ['responseElements', 'accessKey'],
  ['responseElements', 'accessKey', 'userName'],
  ['responseElements', 'accessKey', 'status'],
  ['responseElements', 'credentials'],
  ['responseElements', 'assumedRoleUser', 'arn'],
  ['responseElements', 'subjectFromWebIdentityToken'],
  ['responseElements', 'provider'],
  ['responseElements', 'audience'],
  ['responseElements', 'federatedUser', 'arn'],
  ['responseElements', 'role', 'assumeRolePolicyDocument'],
  ['responseElements', 'policy', 'arn'],
  ['responseElements', 'trustAnchor'],
  ['responseElements', 'trustAnchor', 'trustAnchorArn'],
  ['responseElements', 'profile', 'roleArns'],
  ['additionalEventData'],
  ['additionalEventData', 'MFAUsed'],
  ['additionalEventData', 'LoginTo'],
  ['additionalEventData', 'SamlProviderArn'],
  ['additionalEventData', 'MobileVersion'],
];

/** Where policy documents live (raw JSON in requests, URL-encoded in responses). */
export const POLICY_PATHS: readonly Path[] = [
  ['requestParameters', 'policyDocument'],
  ['requestParameters', 'assumeRolePolicyDocument'],
  ['requestParameters', 'policy'],
  ['responseElements', 'role', 'assumeRolePolicyDocument'],
  ['responseElements', 'policyVersion', 'document'],
];

/** Identities of the fuzz baseline (shared/core/rules/_baselines/org.yaml), so baseline branches run too. */
const BASELINED = [
  'arn:aws:iam::111122223333:role/gha-deploy',
  'arn:aws:iam::111122223333:role/gha-plan',
  'arn:aws:iam::111122223333:role/break-glass',
  'arn:aws:iam::444455556666:role/terraform-apply',
  'arn:aws:iam::111122223333:user/ci-legacy',
  'arn:aws:sts::111122223333:assumed-role/break-glass/x',
  'arn:aws:iam::111122223333:root',
  'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com',
];

const tricky = fc.constantFrom(
  '',
  ' ',
  '<!channel>',
  '<!here|here>',
  '<@U024BE7LH>',
  '<https://evil.example|click>',
  '*bold* _it_ ~s~ `code`',
  '\u0000',
  '\u0007\u001b[31mred\u001b[0m',
  'line\nINFO forged log line',
  '\r\n\r\n',
  '\u202eevil\u202c',
  '\u2028\u2029',
  '\ud800',
  '\udfff\ud800',
  '🎉🔥',
  'e\u0301\u0301\u0301',
  'ＡＢＣ',
  '%',
  '%ZZ',
  '%E0%A4%A',
  '%7B%22Statement%22%3A',
  '{',
  '[]',
  'null',
  '*',
  '**',
  ':',
  ':::',
  'arn:',
  'arn:aws:iam::',
  'arn:aws:iam::*:role/*',
  'repo:*:ref:refs/heads/*',
  'repo:example-org/api:pull_request',
  'system:serviceaccount:*:*',
  'HIDDEN_DUE_TO_SECURITY_REASONS',
  'Root',
  'AssumedRole',
  'WebIdentityUser',
  'AWSService',
  'AwsServiceEvent',
  'YES',
  'No',
  'Success',
  'Failure',
  'Active',
  'Inactive',
  'true',
  'false',
  '0',
  '-1',
  '2026-11-01T12:00:00Z',
  '9999-99-99T99:99:99Z',
  'not a date',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  ...BASELINED,
);

const scalarJunk = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, Number.MAX_SAFE_INTEGER, 1e308, -1e-308),
);

const text = fc.oneof(
  tricky,
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ maxLength: 12 }),
);

/** A replacement value of any shape, labelled for the report. */
export const junkValue: fc.Arbitrary<{ value: unknown; label: string }> = fc.oneof(
  { weight: 3, arbitrary: scalarJunk.map((value) => ({ value, label: `scalar ${JSON.stringify(value)}` })) },
  {
    weight: 4,
    arbitrary: text.map((value) => ({ value, label: `string ${JSON.stringify(value).slice(0, 40)}` })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      { value: HUGE_ASCII, label: 'string 100 KB ascii' },
      { value: HUGE_UNICODE, label: 'string 100 KB unicode/controls' },
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.oneof(text, scalarJunk), { maxLength: 4 })
      .map((value) => ({ value, label: `array ${JSON.stringify(value).slice(0, 40)}` })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      { value: [[['x']]], label: 'nested arrays [[["x"]]]' },
      { value: [[], [[]], [[[null]]]], label: 'nested empty arrays' },
      { value: [{ arn: 5 }, ['a', ['b']]], label: 'array of objects and arrays' },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => ({
      value,
      label: `json ${JSON.stringify(value)?.slice(0, 40)}`,
    })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      { value: {}, label: 'empty object' },
      { value: { arn: null, type: ['Root'], userName: {} }, label: 'object of wrong types' },
      {
        // As JSON.parse builds it: "__proto__" is an own key, not the prototype.
        value: JSON.parse(
          '{"toString":1,"valueOf":"x","__proto__":{"arn":"arn:aws:iam::111122223333:root"}}',
        ),
        label: 'object with toString/valueOf/__proto__ keys',
      },
    ),
  },
);

const statement = fc.record(
  {
    Sid: fc.oneof(text, fc.integer()),
    Effect: fc.oneof(fc.constantFrom('Allow', 'Deny', 'allow', 'Maybe'), scalarJunk),
    Action: fc.oneof(
      fc.constantFrom('*', '*:*', 'iam:*', 'iam:Put*', 'iam:PassRole', 'sts:AssumeRole', 's3:GetObject'),
      fc.array(fc.oneof(text, fc.constant('iam:*')), { maxLength: 3 }),
      fc.constant([[['iam:*']]]),
      scalarJunk,
    ),
    NotAction: fc.oneof(text, fc.array(text, { maxLength: 2 })),
    Resource: fc.oneof(fc.constant('*'), text, fc.array(text, { maxLength: 2 }), scalarJunk),
    Principal: fc.oneof(
      fc.constant('*'),
      fc.record(
        {
          AWS: fc.oneof(text, fc.array(fc.oneof(text, scalarJunk), { maxLength: 3 })),
          Service: fc.oneof(text, fc.array(text, { maxLength: 2 })),
          Federated: fc.oneof(
            fc.constantFrom(
              'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com',
              'cognito-identity.amazonaws.com',
            ),
            text,
          ),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue({ maxDepth: 2 }),
    ),
    Condition: fc.oneof(
      fc.dictionary(
        fc.constantFrom('StringEquals', 'StringLike', 'ForAnyValue:StringLike', 'Bool', 'Weird:Op'),
        fc.dictionary(
          fc.constantFrom(
            'token.actions.githubusercontent.com:sub',
            'token.actions.githubusercontent.com:aud',
            'aws:x',
          ),
          fc.oneof(text, fc.array(fc.oneof(text, fc.constant([['repo:*']])), { maxLength: 3 }), scalarJunk),
          { maxKeys: 2 },
        ),
        { maxKeys: 2 },
      ),
      fc.jsonValue({ maxDepth: 2 }),
    ),
  },
  { requiredKeys: [] },
);

const policyObject = fc.oneof(
  fc.record(
    {
      Version: fc.constantFrom('2012-10-17', '2008-10-17', 5),
      Statement: fc.oneof(statement, fc.array(statement, { maxLength: 4 })),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 4 }),
);

const DEEP = `${'['.repeat(3000)}${']'.repeat(3000)}`;
const MANY_STATEMENTS = JSON.stringify({
  Version: '2012-10-17',
  Statement: Array.from({ length: 3000 }, (_, i) => ({
    Effect: 'Allow',
    Action: `iam:Action${i}`,
    Resource: '*',
    Principal: { AWS: `arn:aws:iam::${String(i).padStart(12, '0')}:root` },
  })),
});

/** A mangled policy document: as a string (raw or URL-encoded, once or twice), or not a string at all. */
export const junkPolicy: fc.Arbitrary<{ value: unknown; label: string }> = fc.oneof(
  policyObject.map((p) => ({
    value: JSON.stringify(p),
    label: `raw policy ${JSON.stringify(p)?.slice(0, 60)}`,
  })),
  policyObject.map((p) => ({
    value: encodeURIComponent(JSON.stringify(p) ?? ''),
    label: `url-encoded policy ${JSON.stringify(p)?.slice(0, 60)}`,
  })),
  policyObject.map((p) => ({
    value: encodeURIComponent(encodeURIComponent(JSON.stringify(p) ?? '')),
    label: 'double url-encoded policy',
  })),
  policyObject.map((p) => ({ value: p, label: `policy as an object ${JSON.stringify(p)?.slice(0, 60)}` })),
  policyObject.map((p) => {
    const s = JSON.stringify(p) ?? '';
    return { value: s.slice(0, Math.max(1, Math.floor(s.length / 2))), label: 'truncated policy JSON' };
  }),
  fc.constantFrom(
    { value: DEEP, label: 'policy: 3000 nested arrays' },
    { value: encodeURIComponent(DEEP), label: 'policy: 3000 nested arrays, url-encoded' },
    { value: MANY_STATEMENTS, label: 'policy: 3000 statements' },
    { value: '{"Statement":[null,1,"x",[]]}', label: 'policy: junk statements' },
    {
      value: '{"Statement":{"Effect":"Allow","Action":[[["iam:*"]]],"Resource":{"a":1}}}',
      label: 'policy: nested action arrays',
    },
    { value: '%7B%22Statement%22%3A', label: 'policy: truncated url-encoding' },
    { value: '%E0%A4%A', label: 'policy: invalid percent-encoding' },
    { value: '', label: 'policy: empty string' },
    { value: 'null', label: 'policy: "null"' },
    { value: '"just a string"', label: 'policy: JSON string' },
    { value: 'Principal=*', label: 'policy: not JSON' },
  ),
  junkValue,
);

const set = (path: Path, value: string): Op => ({ kind: 'set', path, value, label: value });

/** Points a record at identities of the fuzz baseline, so baseline-dependent branches run. */
export const adoptIdentity: fc.Arbitrary<Op[]> = fc.constantFrom(
  [
    set(['requestParameters', 'roleArn'], BASELINED[2] as string),
    set(['recipientAccountId'], '111122223333'),
  ],
  [
    set(['requestParameters', 'roleArn'], BASELINED[0] as string),
    set(['recipientAccountId'], '111122223333'),
  ],
  [set(['requestParameters', 'roleName'], 'break-glass'), set(['recipientAccountId'], '111122223333')],
  [set(['requestParameters', 'userName'], 'ci-legacy'), set(['recipientAccountId'], '111122223333')],
  [
    set(['userIdentity', 'type'], 'AssumedRole'),
    set(['userIdentity', 'arn'], 'arn:aws:sts::444455556666:assumed-role/terraform-apply/run-1'),
    set(['userIdentity', 'sessionContext', 'sessionIssuer', 'arn'], BASELINED[3] as string),
  ],
  [
    set(['userIdentity', 'type'], 'AssumedRole'),
    set(['userIdentity', 'arn'], BASELINED[5] as string),
    set(['userIdentity', 'sessionContext', 'sessionIssuer', 'arn'], BASELINED[2] as string),
  ],
  [set(['userIdentity', 'type'], 'IAMUser'), set(['userIdentity', 'arn'], BASELINED[4] as string)],
);

/** Paths of every value in a record (objects and arrays included), depth-first. */
export function pathsOf(v: unknown, prefix: Path = [], out: Path[] = [], depth = 0): Path[] {
  if (depth > 8) return out;
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      const p = [...prefix, i];
      out.push(p);
      pathsOf(x, p, out, depth + 1);
    });
  } else if (typeof v === 'object' && v !== null) {
    for (const k of Object.keys(v)) {
      const p = [...prefix, k];
      out.push(p);
      pathsOf((v as Record<string, unknown>)[k], p, out, depth + 1);
    }
  }
  return out;
}

/** Applies ops to a deep copy of `record` (JSON semantics: the record came from JSON). */
export function applyOps(record: Record<string, unknown>, ops: readonly Op[]): Record<string, unknown> {
  const copy = structuredClone(record);
  for (const op of ops) {
    let node: unknown = copy;
    const p = op.path;
    for (let i = 0; i < p.length - 1; i++) {
      const key = p[i] as string | number;
      const parent = node as Record<string | number, unknown>;
      let next = parent[key];
      if (next === undefined || next === null) {
        if (op.kind === 'delete') break;
        next = {};
        parent[key] = next;
      }
      if (typeof next !== 'object') {
        node = null;
        break;
      }
      node = next;
    }
    if (node === null || typeof node !== 'object') continue;
    const last = p[p.length - 1] as string | number;
    const target = node as Record<string | number, unknown>;
    if (op.kind === 'delete') {
      if (Array.isArray(target) && typeof last === 'number') target.splice(last, 1);
      else delete target[last];
    } else {
      // A fresh copy per use: a shared value set twice could make the record circular, which JSON cannot.
      Object.defineProperty(target, last, {
        value: structuredClone(op.value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return copy;
}

export function describeOps(ops: readonly Op[]): string {
  return ops.map((o) => `${o.path.join('.')} ${o.kind === 'delete' ? 'deleted' : `← ${o.label}`}`).join('; ');
}
