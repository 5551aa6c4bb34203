import { actionMatches, statementApplies, statementMatchesAction } from './actions.js';
import { shown } from './display.js';
import { hasWildcard } from './glob.js';
import { type PolicyDocument, type PolicyStatement, statementLabel } from './types.js';

/** One permission of a policy that lets its holder raise its own privileges. */
export interface EscalationGrant {
  /** The action, or for a combination the actions joined with ` + ` (e.g. `iam:PassRole + ec2:RunInstances`). */
  action: string;
  /** The resource pattern it is granted on (`*`, `arn:aws:iam::*:role/*`, or `* except …` for `NotResource`). */
  resource: string;
  /** Statement label(s): the Sid or `#index`; several joined with `, ` for a combination. */
  statement: string;
  /** Escalation method, named after Rhino Security Labs' catalogue (e.g. `CreateNewPolicyVersion`). */
  method: string;
}

export interface PolicyAnalysis {
  /** Allows every action on every resource (`*`, `*:*`, or `NotAction` that still leaves IAM writes). */
  adminEquivalent: boolean;
  /** Allows every IAM action on every resource (`iam:*` on `*`); also true when `adminEquivalent`. */
  iamAdmin: boolean;
  escalation: EscalationGrant[];
  /** Human sentences explaining the verdicts, in document order. */
  reasons: string[];
}

/**
 * Single actions that, granted on every resource of their kind, let an identity raise its own privileges.
 * Source: Rhino Security Labs, "AWS IAM Privilege Escalation – Methods and Mitigation" (methods 1–19).
 */
const SINGLE_ACTIONS: ReadonlyArray<{ action: string; method: string }> = [
  { action: 'iam:CreatePolicyVersion', method: 'CreateNewPolicyVersion' },
  { action: 'iam:SetDefaultPolicyVersion', method: 'SetExistingDefaultPolicyVersion' },
  { action: 'iam:AttachUserPolicy', method: 'AttachUserPolicy' },
  { action: 'iam:AttachGroupPolicy', method: 'AttachGroupPolicy' },
  { action: 'iam:AttachRolePolicy', method: 'AttachRolePolicy' },
  { action: 'iam:PutUserPolicy', method: 'PutUserPolicy' },
  { action: 'iam:PutGroupPolicy', method: 'PutGroupPolicy' },
  { action: 'iam:PutRolePolicy', method: 'PutRolePolicy' },
  { action: 'iam:CreateAccessKey', method: 'CreateAccessKey' },
  { action: 'iam:CreateLoginProfile', method: 'CreateLoginProfile' },
  { action: 'iam:UpdateLoginProfile', method: 'UpdateLoginProfile' },
  { action: 'iam:UpdateAssumeRolePolicy', method: 'UpdateRolePolicyToAssumeIt' },
  { action: 'iam:AddUserToGroup', method: 'AddUserToGroup' },
  { action: 'iam:PassRole', method: 'PassAnyRole' },
  { action: 'sts:AssumeRole', method: 'AssumeAnyRole' },
  { action: 'glue:UpdateDevEndpoint', method: 'UpdateExistingGlueDevEndpoint' },
];

/**
 * Combinations with `iam:PassRole` on every role: create compute or a stack that runs with a passed role.
 * The service action counts on any resource (creating *a* function is enough); PassRole must be wide.
 * `lambda:UpdateFunctionCode` alone is Rhino's method 17; it is listed here only with PassRole on purpose,
 * because deploy roles commonly hold it and a lone grant would make this rule noisy.
 */
const PASSROLE_COMBOS: ReadonlyArray<{ actions: string[]; method: string }> = [
  { actions: ['ec2:RunInstances'], method: 'CreateEC2WithExistingInstanceProfile' },
  { actions: ['lambda:CreateFunction'], method: 'PassExistingRoleToNewLambda' },
  { actions: ['lambda:UpdateFunctionCode'], method: 'EditExistingLambdaFunctionWithRole' },
  { actions: ['lambda:UpdateFunctionConfiguration'], method: 'PassRoleToExistingLambda' },
  { actions: ['glue:CreateDevEndpoint'], method: 'PassExistingRoleToNewGlueDevEndpoint' },
  { actions: ['cloudformation:CreateStack'], method: 'PassExistingRoleToNewCloudFormation' },
  {
    actions: ['datapipeline:CreatePipeline', 'datapipeline:PutPipelineDefinition'],
    method: 'PassExistingRoleToNewDataPipeline',
  },
];

/** IAM writes that let a holder grant itself anything else: any one left allowed makes `*` admin-equivalent. */
const IAM_SELF_GRANT = [
  'iam:AttachUserPolicy',
  'iam:AttachRolePolicy',
  'iam:AttachGroupPolicy',
  'iam:PutUserPolicy',
  'iam:PutRolePolicy',
  'iam:PutGroupPolicy',
  'iam:CreatePolicyVersion',
];

/**
 * Analyses an identity policy (inline or managed) for admin-equivalent access and privilege-escalation grants.
 *
 * Statements carrying `Principal`/`NotPrincipal` (resource-based or trust statements) are skipped.
 * Conditions are not evaluated: a conditional allow counts (the reasons say so). An unconditional `Deny`
 * covering a grant on the same resources cancels it; a conditional or narrower `Deny` does not (reasons say so).
 * Never throws.
 */
export function analysePolicy(doc: PolicyDocument): PolicyAnalysis {
  const reasons: string[] = [];
  const statements: PolicyStatement[] = [];
  for (const statement of doc.statements) {
    if (statement.principal || statement.notPrincipal) {
      reasons.push(
        `statement ${label(statement)} names a principal: it is a resource or trust statement, not analysed here`,
      );
      continue;
    }
    statements.push(statement);
  }
  const allows = statements.filter((s) => s.effect === 'Allow');
  const denies = statements.filter((s) => s.effect === 'Deny');

  /** Unconditional deny covering `action` on `resource` (literal, `*` = everything), or undefined. */
  const cancelling = (action: string, resource: string): PolicyStatement | undefined =>
    denies.find((d) => d.conditions.length === 0 && statementApplies(d, action, resource));

  let adminEquivalent = false;
  let iamAdmin = false;

  for (const statement of allows) {
    if (!coversAllResources(statement)) continue;
    const where = resourceText(statement);
    const cond = conditionNote(statement);
    if (coversAllActions(statement)) {
      const open = IAM_SELF_GRANT.filter((a) => !cancelling(a, '*'));
      if (open.length > 0) {
        adminEquivalent = true;
        iamAdmin = true;
        reasons.push(`statement ${label(statement)} allows every action on ${where}${cond}`);
      } else {
        reasons.push(
          `statement ${label(statement)} allows every action on ${where}${cond}, but unconditional Deny statements cancel every IAM self-grant`,
        );
      }
      continue;
    }
    if (statement.notAction) {
      const excluded = statement.notAction.length;
      const open = IAM_SELF_GRANT.filter((a) => statementMatchesAction(statement, a) && !cancelling(a, '*'));
      if (open.length > 0) {
        adminEquivalent = true;
        iamAdmin = true;
        reasons.push(
          `statement ${label(statement)} allows every action except ${excluded} NotAction pattern(s) on ${where}${cond}, including ${open[0]}, which can grant the rest`,
        );
      } else {
        reasons.push(
          `statement ${label(statement)} allows every action except ${excluded} NotAction pattern(s) on ${where}${cond}; IAM writes are excluded (power-user access)`,
        );
      }
      continue;
    }
    if (statement.action?.some((p) => actionMatches(p, 'iam:*'))) {
      if (IAM_SELF_GRANT.some((a) => !cancelling(a, '*'))) {
        iamAdmin = true;
        reasons.push(`statement ${label(statement)} allows every IAM action (iam:*) on ${where}${cond}`);
      }
    }
  }

  const escalation: EscalationGrant[] = [];
  const seen = new Set<string>();
  const add = (grant: EscalationGrant): void => {
    const key = `${grant.action}\u0000${grant.resource}\u0000${grant.statement}`;
    if (seen.has(key)) return;
    seen.add(key);
    escalation.push(grant);
  };

  for (const { action, method } of SINGLE_ACTIONS) {
    for (const statement of allows) {
      const wide = wideResourceOf(statement, action);
      if (wide === null) continue;
      const deny = cancelling(action, wide.literal);
      if (deny) {
        reasons.push(
          `statement ${label(deny)} denies ${action} on ${shown(wide.shown)}, cancelling the grant in statement ${label(statement)}`,
        );
        continue;
      }
      add({ action, resource: wide.shown, statement: label(statement), method });
      if (!adminEquivalent && !iamAdmin) {
        reasons.push(
          `statement ${label(statement)} allows ${action} on ${shown(wide.shown)}${conditionNote(statement)} (${method})`,
        );
      }
    }
  }

  for (const combo of PASSROLE_COMBOS) {
    const passRole = firstAllowed(allows, 'iam:PassRole', true, cancelling);
    if (!passRole) continue;
    const parts = combo.actions.map((a) => firstAllowed(allows, a, false, cancelling));
    if (parts.some((p) => p === undefined)) continue;
    const labels = [label(passRole.statement), ...parts.map((p) => label(p!.statement))];
    add({
      action: ['iam:PassRole', ...combo.actions].join(' + '),
      resource: passRole.resource,
      statement: [...new Set(labels)].join(', '),
      method: combo.method,
    });
    if (!adminEquivalent && !iamAdmin) {
      reasons.push(
        `iam:PassRole on ${shown(passRole.resource)} together with ${combo.actions.join(' and ')} lets a holder run code as any passable role (${combo.method})`,
      );
    }
  }

  for (const deny of denies) {
    if (deny.conditions.length > 0) {
      reasons.push(
        `statement ${label(deny)} is a conditional Deny; it was not taken to cancel any grant (conservative)`,
      );
    }
  }

  return { adminEquivalent, iamAdmin: iamAdmin || adminEquivalent, escalation, reasons };
}

function label(statement: PolicyStatement): string {
  return shown(statementLabel(statement));
}

/** `*`, `*:*`, `**`… : every action of every service. */
function coversAllActions(statement: PolicyStatement): boolean {
  return statement.action?.some((p) => /^\*+(:\*+)?$/.test(p)) ?? false;
}

/** `Resource: "*"` (or an all-wildcard ARN), any `NotResource`, or no resource element at all. */
function coversAllResources(statement: PolicyStatement): boolean {
  if (statement.resource) return statement.resource.some(isAllResources);
  if (statement.notResource) return !statement.notResource.some(isAllResources);
  return true;
}

function isAllResources(pattern: string): boolean {
  return /^(\*+|arn:(\*+|aws[a-z0-9-]*)(:\*+){4})$/i.test(pattern);
}

function resourceText(statement: PolicyStatement): string {
  if (statement.notResource) return `* except ${shown(statement.notResource.join(', '))}`;
  return '*';
}

function conditionNote(statement: PolicyStatement): string {
  if (statement.conditions.length === 0) return '';
  const keys = [...new Set(statement.conditions.map((c) => c.key))];
  return ` (only when its condition on ${shown(keys.join(', '))} holds)`;
}

/**
 * A resource pattern of `statement` that is wide for `action` — every resource of its kind — or null.
 * `literal` is what a Deny must cover to cancel it; `shown` is what a finding displays.
 */
function wideResourceOf(
  statement: PolicyStatement,
  action: string,
): { literal: string; shown: string } | null {
  if (!statementMatchesAction(statement, action)) return null;
  if (statement.resource) {
    const wide = statement.resource.find(isWideResource);
    return wide === undefined ? null : { literal: wide, shown: wide };
  }
  if (statement.notResource) {
    if (statement.notResource.some(isAllResources)) return null;
    return { literal: '*', shown: `* except ${statement.notResource.join(', ')}` };
  }
  return { literal: '*', shown: '*' };
}

/**
 * Every resource of a kind: `*`, an ARN whose service or resource part is a bare wildcard, or whose resource
 * name is a bare wildcard after its type and path (`role/*`, `user/admins/*`). `role/app-*` is not wide.
 */
export function isWideResource(pattern: string): boolean {
  if (!hasWildcard(pattern)) return false;
  if (isAllResources(pattern)) return true;
  const parts = pattern.split(':');
  if (parts.length < 6 || parts[0]?.toLowerCase() !== 'arn') return /^[*?]/.test(pattern);
  const service = parts[2] ?? '';
  if (/^[*?]/.test(service)) return true;
  const resource = parts.slice(5).join(':');
  if (/^[*?]/.test(resource)) return true;
  const name = resource.split(/[/:]/).at(-1) ?? '';
  return /^[*?]+$/.test(name);
}

function firstAllowed(
  allows: PolicyStatement[],
  action: string,
  needWide: boolean,
  cancelling: (action: string, resource: string) => PolicyStatement | undefined,
): { statement: PolicyStatement; resource: string } | undefined {
  for (const statement of allows) {
    if (needWide) {
      const wide = wideResourceOf(statement, action);
      if (wide && !cancelling(action, wide.literal)) return { statement, resource: wide.shown };
    } else if (statementMatchesAction(statement, action)) {
      const resource = statement.resource?.[0] ?? '*';
      if (!cancelling(action, resource)) return { statement, resource };
    }
  }
  return undefined;
}
