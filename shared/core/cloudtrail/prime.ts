/**
 * Makes the record readers' property loads generic before replay's hot loop, so that the optimising compiler
 * does not build code that a later record throws away. Nothing observable: no result, no state but a flag
 * that it ran (and the feedback V8 keeps).
 *
 * Why: JSON.parse gives each set of field names its own hidden class (map). A load site that has seen up to
 * four maps is compiled with a check against those; the first record of a fifth field set (at any level:
 * the record, `userIdentity`, `requestParameters`, `responseElements`, …) fails the check, and the whole
 * optimised function — with everything inlined into it — is discarded and compiled again. CloudTrail corpora
 * bring new field sets late (the bench's shape-1200x250: the fifth top-level set after ~170,000 records), so
 * `normaliseRecord` and `sessionFromEvent` were compiled 4 and 5 times in one replay. A site that has seen more
 * than four maps is megamorphic: compiled as a generic load (a lookup in V8's global cache of map and name),
 * which no new map invalidates. Running each reader over a few small records of different field sets first
 * puts every load site there (and gives every branch's calls feedback), at a cost of one generic load per
 * field read per record.
 */
import { sessionFromEvent } from '../session/record.js';
import { normaliseRecord } from './normalise.js';
import type { RawRecord } from './types.js';

/**
 * Distinct field sets per object level. Five are enough to make a site megamorphic; V8 starts collecting
 * feedback for a function only after its first few calls, so the first variant may go unrecorded.
 */
const VARIANTS = 7;

const ACCOUNT = '000000000000';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/prime`;
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/prime/s`;

/**
 * Small synthetic records that between them take every branch of the readers that reads a raw object: each
 * object of variant `v` (the record and each object in it) starts with its own key `_p<v>`, so each variant's
 * objects have maps of their own. Parsed from JSON, as replay's records are. Exported for the tests.
 */
export function primingRecords(): RawRecord[] {
  const out: RawRecord[] = [];
  for (let v = 0; v < VARIANTS; v++) {
    const k = `_p${v}`;
    // Short strings and long ones by turns: JSON.parse interns a short value and not a long one, and a
    // comparison compiled for one kind is thrown away at the other; real records bring both.
    const w = v % 2 === 0 ? 'prime' : `prime-value-${v}-long-enough`;
    const o = (fields: Record<string, unknown>): Record<string, unknown> => ({ [k]: 0, ...fields });
    const key = `ASIAPRIME00000000${v}00`;
    const webKey = `ASIAPRIMEWEB0000${v}00`;
    const issued = (issuedKey = key) =>
      o({
        credentials: o({ accessKeyId: issuedKey, expiration: 'Jan 1, 2026, 1:00:00 AM' }),
        assumedRoleUser: o({ arn: SESSION }),
        provider: `arn:aws:iam::${ACCOUNT}:oidc-provider/${w}`,
        audience: w,
        subjectFromWebIdentityToken: w,
        subject: w,
        issuer: w,
      });
    const ui = (type: string, extra: Record<string, unknown> = {}) =>
      o({
        type,
        arn: SESSION,
        principalId: `AROAPRIME:${w}`,
        accountId: ACCOUNT,
        accessKeyId:
          type === 'IAMUser' || type === 'Root' ? `AKIAPRIMEUSER00${v}000` : `ASIAPRIMECALLER0${v}000`,
        sessionContext: o({
          sessionIssuer: o({ arn: ROLE, userName: w }),
          attributes: o({ mfaAuthenticated: 'false' }),
          sourceIdentity: w,
        }),
        ...extra,
      });
    const rec = (
      eventName: string,
      eventSource: string,
      userIdentity: Record<string, unknown>,
      requestParameters: Record<string, unknown>,
      responseElements: Record<string, unknown> | null,
      extra: Record<string, unknown> = {},
    ): RawRecord =>
      o({
        eventTime: '2026-01-01T00:00:00Z',
        eventSource,
        eventName,
        userIdentity,
        requestParameters,
        responseElements,
        eventID: `prime-${v}-${out.length}`,
        recipientAccountId: ACCOUNT,
        ...extra,
      });
    const sts = 'sts.amazonaws.com';
    const iam = 'iam.amazonaws.com';
    out.push(
      rec('AssumeRole', sts, ui('AssumedRole'), o({ roleArn: ROLE, roleSessionName: w }), issued()),
      rec(
        'AssumeRole',
        sts,
        ui('IAMUser', { userName: w }),
        o({ roleSessionName: w, tags: [o({ key: 'k', value: 'v' })], transitiveTagKeys: ['k'] }),
        o({}),
        { resources: [o({ type: 'AWS::IAM::Role', ARN: ROLE })] },
      ),
      rec(
        'AssumeRoleWithWebIdentity',
        sts,
        ui('WebIdentityUser', { userName: w, identityProvider: w }),
        o({ roleArn: ROLE, roleSessionName: w, providerId: w }),
        issued(webKey),
      ),
      rec('AssumeRoleWithSAML', sts, ui('SAMLUser'), o({ roleArn: ROLE, principalArn: w }), issued()),
      // Without a provider (a session whose provider is null).
      rec(
        'AssumeRoleWithSAML',
        sts,
        ui('SAMLUser'),
        o({ roleArn: ROLE }),
        o({ credentials: o({ accessKeyId: key }) }),
      ),
      rec('AssumeRole', sts, ui('AWSService', { invokedBy: w }), o({ roleArn: ROLE }), null),
      rec('GetSessionToken', sts, ui('IAMUser'), o({}), issued()),
      rec(
        'GetFederationToken',
        sts,
        ui('FederatedUser'),
        o({ name: w }),
        o({
          credentials: o({ accessKeyId: key }),
          federatedUser: o({ arn: `arn:aws:sts::${ACCOUNT}:federated-user/p` }),
        }),
      ),
      rec('AssumeRoot', sts, ui('Root'), o({ targetPrincipal: ACCOUNT }), issued()),
      rec('CreateAccessKey', iam, ui('IAMUser'), o({}), o({ accessKey: o({ userName: w }) })),
      rec('DeleteAccessKey', iam, ui('IAMUser'), o({}), o({ ConsoleLogin: 'Success' })),
      rec(
        'CreatePolicy',
        iam,
        ui('IAMUser'),
        o({}),
        o({ policy: o({ arn: `arn:aws:iam::${ACCOUNT}:policy/p` }) }),
      ),
      rec('CreateOpenIDConnectProvider', iam, ui('IAMUser'), o({ url: `https://${w}` }), o({})),
      rec('CreateUser', iam, ui('IAMUser'), o({ userName: w }), o({})),
      // A call made with the key the first record issued: a session with a parent key, for the lineage walk.
      rec('ListRoles', iam, ui('AssumedRole', { accessKeyId: key }), o({}), null),
      // … with the key of a first hop (OIDC), and with a key not in the state.
      rec('ListUsers', iam, ui('AssumedRole', { accessKeyId: webKey }), o({}), null),
      rec('ListGroups', iam, ui('AssumedRole'), o({}), null),
      rec('CreateRole', iam, ui('IAMUser'), o({ roleName: w }), o({})),
      rec('AddUserToGroup', iam, ui('IAMUser'), o({ groupName: w }), o({})),
      rec(
        'AttachRolePolicy',
        iam,
        ui('IAMUser'),
        o({ policyArn: `arn:aws:iam::${ACCOUNT}:policy/p` }),
        o({}),
      ),
      rec('TagOpenIDConnectProvider', iam, ui('IAMUser'), o({ openIDConnectProviderArn: w }), o({})),
      rec('StopLogging', 'cloudtrail.amazonaws.com', ui('IAMUser'), o({ name: w }), o({})),
    );
  }
  // Through JSON, so that the values are strings of the kinds JSON.parse makes (a long one is not internalised
  // as a literal is; comparisons compiled for one kind are thrown away at the other).
  return out.map((r) => JSON.parse(JSON.stringify(r)) as RawRecord);
}

let primed = false;

/**
 * Runs {@link normaliseRecord} and {@link sessionFromEvent} over {@link primingRecords}, once per process
 * (later calls do nothing). For a long run over many records (replay); a handful of records is not worth it.
 */
export function primeRecordReaders(): void {
  if (primed) return;
  primed = true;
  for (const raw of primingRecords()) {
    const n = normaliseRecord(raw);
    if (n.ok) sessionFromEvent(n.event);
  }
}
