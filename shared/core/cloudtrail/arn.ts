/** ARN helpers for IAM and STS identities. */

export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  account: string;
  /** e.g. `role/path/name`, `user/name`, `assumed-role/name/session`, `root`, `oidc-provider/host`. */
  resource: string;
}

export function parseArn(arn: string | null | undefined): ParsedArn | null {
  if (!arn?.startsWith('arn:')) return null;
  const parts = arn.split(':');
  if (parts.length < 6) return null;
  const [, partition, service, region, account] = parts;
  return {
    partition: partition ?? '',
    service: service ?? '',
    region: region ?? '',
    account: account ?? '',
    resource: parts.slice(5).join(':'),
  };
}

/** `arn:aws:sts::A:assumed-role/R/S` → `arn:aws:iam::A:role/R` (the path is not in the session ARN). */
export function roleArnFromSession(sessionArn: string | null | undefined): string | null {
  const p = parseArn(sessionArn);
  if (p?.service !== 'sts' || !p.resource.startsWith('assumed-role/')) return null;
  const name = p.resource.split('/')[1];
  if (!name) return null;
  return `arn:${p.partition}:iam::${p.account}:role/${name}`;
}

export function iamArn(
  partition: string,
  account: string,
  type: 'role' | 'user' | 'group',
  name: string,
): string {
  return `arn:${partition}:iam::${account}:${type}/${name}`;
}

/** Host part of an OIDC provider ARN or URL: `…:oidc-provider/token.actions.githubusercontent.com` → host. */
export function providerHost(providerArnOrUrl: string | null | undefined): string | null {
  if (!providerArnOrUrl) return null;
  let s = providerArnOrUrl;
  const i = s.indexOf('oidc-provider/');
  if (i >= 0) s = s.slice(i + 'oidc-provider/'.length);
  s = s.replace(/^https?:\/\//, '');
  return s.length > 0 ? s : null;
}

export function partitionOf(arn: string | null | undefined): string {
  return parseArn(arn)?.partition || 'aws';
}

/** Last path segment of an IAM resource: `role/path/name` → `name`. */
export function resourceName(arn: string | null | undefined): string | null {
  const p = parseArn(arn);
  if (!p) return null;
  const segs = p.resource.split('/');
  return segs[segs.length - 1] || null;
}
