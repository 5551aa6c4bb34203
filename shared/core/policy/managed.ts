/** Risk of an AWS managed policy, judged from its published default version. */
import { awsManagedPolicyName } from '../arn.js';
export interface ManagedPolicyRisk {
  level: 'admin' | 'iam-admin' | 'power-user' | 'escalation';
  /** Policy name with its path, e.g. `AdministratorAccess` or `job-function/…`. */
  name: string;
}

/**
 * AWS managed policies whose attachment grants admin-equivalent access or an escalation path on its own.
 * Kept short on purpose: only policies whose documents clearly justify the level. Keys are the path+name
 * after `policy/`, lower-cased.
 */
const RISKY: ReadonlyMap<string, ManagedPolicyRisk> = new Map<string, ManagedPolicyRisk>(
  (
    [
      // `"Action": "*", "Resource": "*"`.
      ['AdministratorAccess', 'admin'],
      // `iam:*` on `*` (plus Organizations and Access Analyzer reads): can attach AdministratorAccess to anyone.
      ['IAMFullAccess', 'iam-admin'],
      // `NotAction: [iam:*, organizations:*, account:*]` on `*`: everything but IAM (no self-grant through IAM).
      ['PowerUserAccess', 'power-user'],
      // `lambda:*` and `iam:PassRole` on `*` (for lambda.amazonaws.com): create or rewrite a function that runs
      // as any role Lambda may assume (Rhino methods 15–17).
      ['AWSLambda_FullAccess', 'escalation'],
    ] as const
  ).map(([name, level]) => [name.toLowerCase(), { level, name }]),
);

/**
 * Risk level of a well-known AWS managed policy, or null for any other policy (including customer policies
 * that merely reuse a managed policy's name: their risk is in their document).
 *
 * Accepts every partition (`aws`, `aws-us-gov`, `aws-cn`, …) and paths (`arn:aws:iam::aws:policy/job-function/…`);
 * the path is part of the identity, so `policy/job-function/AdministratorAccess` does not match `AdministratorAccess`.
 */
export function managedPolicyRisk(policyArn: string): ManagedPolicyRisk | null {
  if (typeof policyArn !== 'string') return null;
  const pathAndName = awsManagedPolicyName(policyArn.trim());
  if (!pathAndName) return null;
  const risk = RISKY.get(pathAndName.toLowerCase());
  return risk ? { ...risk } : null;
}
