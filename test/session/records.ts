/** Hand-made CloudTrail records (real shapes, see test/fixtures/cloudtrail-public) for lineage tests. */
let n = 0;
const ACCOUNT = '111122223333';

export interface Hop {
  time: string;
  ip?: string;
}

/** AssumeRoleWithWebIdentity by a GitHub Actions token. */
export function oidcAssume(role: string, sub: string, key: string, h: Hop): Record<string, unknown> {
  const provider = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
  return {
    eventVersion: '1.08',
    userIdentity: {
      type: 'WebIdentityUser',
      principalId: `${provider}:sts.amazonaws.com:${sub}`,
      userName: sub,
      identityProvider: provider,
    },
    eventTime: h.time,
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRoleWithWebIdentity',
    awsRegion: 'us-east-1',
    sourceIPAddress: h.ip ?? '52.154.133.36',
    userAgent: 'configure-aws-credentials-for-github-actions',
    requestParameters: { roleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`, roleSessionName: 'GitHubActions' },
    responseElements: {
      credentials: { accessKeyId: key, expiration: plusHour(h.time) },
      subjectFromWebIdentityToken: sub,
      assumedRoleUser: { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/GitHubActions` },
      provider,
      audience: 'sts.amazonaws.com',
    },
    eventID: `ev-${++n}`,
    readOnly: true,
    eventType: 'AwsApiCall',
    recipientAccountId: ACCOUNT,
  };
}

/** A session of `fromRole` (key `parentKey`) chains into `role`, getting `key`. */
export function chainAssume(
  fromRole: string,
  parentKey: string,
  role: string,
  key: string,
  h: Hop,
  sessionName = 'GitHubActions',
): Record<string, unknown> {
  return {
    eventVersion: '1.08',
    userIdentity: sessionIdentity(fromRole, parentKey, sessionName),
    eventTime: h.time,
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    awsRegion: 'us-east-1',
    sourceIPAddress: h.ip ?? '52.154.133.36',
    userAgent: 'aws-cli/2.15.0',
    requestParameters: { roleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`, roleSessionName: sessionName },
    responseElements: {
      credentials: { accessKeyId: key, expiration: plusHour(h.time) },
      assumedRoleUser: { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${sessionName}` },
    },
    eventID: `ev-${++n}`,
    readOnly: true,
    eventType: 'AwsApiCall',
    recipientAccountId: ACCOUNT,
  };
}

/** An IAM call made with a session. */
export function sessionCall(
  role: string,
  key: string,
  eventName: string,
  h: Hop,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    eventVersion: '1.08',
    userIdentity: sessionIdentity(role, key, 'GitHubActions'),
    eventTime: h.time,
    eventSource: 'iam.amazonaws.com',
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: h.ip ?? '52.154.133.36',
    userAgent: 'aws-cli/2.15.0',
    requestParameters: { userName: 'backdoor' },
    responseElements: null,
    eventID: `ev-${++n}`,
    readOnly: false,
    eventType: 'AwsApiCall',
    recipientAccountId: ACCOUNT,
    ...extra,
  };
}

function sessionIdentity(role: string, key: string, sessionName: string) {
  return {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLE${role.length}:${sessionName}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${sessionName}`,
    accountId: ACCOUNT,
    accessKeyId: key,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: `AROAEXAMPLE${role.length}`,
        arn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
        accountId: ACCOUNT,
        userName: role,
      },
      attributes: { creationDate: '2026-11-02T10:00:00Z', mfaAuthenticated: 'false' },
    },
  };
}

function plusHour(t: string): string {
  return new Date(Date.parse(t) + 3_600_000).toISOString();
}
