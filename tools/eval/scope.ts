/**
 * What the eval holds iamwatch to: which Stratus techniques and Panther rules are in iamwatch's scope
 * (IAM, STS, sign-in, CloudTrail tampering), the rules each in-scope technique must raise, and why a
 * case does not apply when iamwatch deliberately differs. Edited by hand; every entry says why.
 */
import type { Severity } from '../../shared/core/severity.js';

/** Alerts at or above this severity count as "raised" for recall and false positives. */
export const EVAL_MIN_SEVERITY: Severity = 'medium';

/** Event sources iamwatch watches. Records from other services are out of scope (root activity aside). */
export const SCOPE_SOURCES: readonly string[] = [
  'iam.amazonaws.com',
  'sts.amazonaws.com',
  'signin.amazonaws.com',
  'cloudtrail.amazonaws.com',
  'rolesanywhere.amazonaws.com',
  'sso.amazonaws.com',
  'sso-directory.amazonaws.com',
  'sso-oauth.amazonaws.com',
];

export type TechniqueScope = { intended: readonly string[] } | { outOfScope: string };

/**
 * Stratus Red Team technique → the iamwatch rules its detonation must raise (acceptance criteria of the
 * detection-catalogue issue), or why it is out of scope. A technique missing here is reported as
 * "unclassified", never dropped.
 */
export const STRATUS_TECHNIQUES: Readonly<Record<string, TechniqueScope>> = {
  'aws.defense-evasion.cloudtrail-delete': { intended: ['logging-disabled'] },
  'aws.defense-evasion.cloudtrail-event-selectors': { intended: ['logging-disabled'] },
  'aws.defense-evasion.cloudtrail-stop': { intended: ['logging-disabled'] },
  'aws.initial-access.console-login-without-mfa': { intended: ['console-login-without-mfa'] },
  'aws.persistence.iam-backdoor-role': { intended: ['trust-policy-weak'] },
  'aws.persistence.iam-backdoor-user': { intended: ['access-key-created'] },
  'aws.persistence.iam-create-admin-user': { intended: ['privilege-escalation', 'access-key-created'] },
  'aws.persistence.iam-create-backdoor-role': { intended: ['trust-policy-weak'] },
  'aws.persistence.iam-create-user-login-profile': { intended: ['login-profile-modified'] },
  'aws.persistence.rolesanywhere-create-trust-anchor': { intended: ['identity-provider-modified'] },
  'aws.persistence.sts-federation-token': { intended: ['federation-token-issued'] },
  'aws.privilege-escalation.iam-update-user-login-profile': { intended: ['login-profile-modified'] },

  'aws.credential-access.ec2-get-password-data': {
    outOfScope: 'EC2 GetPasswordData (ec2): instance secrets, not an IAM, STS, sign-in or CloudTrail event',
  },
  'aws.credential-access.ec2-steal-instance-credentials': {
    outOfScope:
      'SSM SendCommand reads instance credentials from IMDS; the theft leaves no IAM event and iamwatch has no rule on where a role session is used from',
  },
  'aws.credential-access.secretsmanager-batch-retrieve-secrets': {
    outOfScope: 'Secrets Manager reads (secretsmanager): data access, not identity use or change',
  },
  'aws.credential-access.secretsmanager-retrieve-secrets': {
    outOfScope: 'Secrets Manager reads (secretsmanager): data access, not identity use or change',
  },
  'aws.credential-access.ssm-retrieve-securestring-parameters': {
    outOfScope: 'SSM parameter reads (ssm): data access, not identity use or change',
  },
  'aws.defense-evasion.dns-delete-logs': {
    outOfScope:
      'Route 53 Resolver query logs (route53resolver): logging-disabled covers CloudTrail, iamwatch rules and GuardDuty only',
  },
  'aws.defense-evasion.organizations-leave': {
    outOfScope:
      'Organizations LeaveOrganization (organizations): account governance, not an IAM identity event',
  },
  'aws.defense-evasion.vpc-remove-flow-logs': {
    outOfScope:
      'VPC flow logs (ec2 DeleteFlowLogs): network logging; logging-disabled covers CloudTrail, iamwatch rules and GuardDuty only',
  },
  'aws.discovery.ec2-download-user-data': {
    outOfScope: 'EC2 DescribeInstanceAttribute (ec2): discovery outside IAM',
  },
  'aws.execution.ec2-launch-unusual-instances': { outOfScope: 'EC2 RunInstances (ec2): compute, not IAM' },
  'aws.execution.ec2-user-data': { outOfScope: 'EC2 instance user data (ec2): compute, not IAM' },
  'aws.execution.ssm-send-command': { outOfScope: 'SSM SendCommand (ssm): execution on instances, not IAM' },
  'aws.execution.ssm-start-session': {
    outOfScope: 'SSM StartSession (ssm): execution on instances, not IAM',
  },
  'aws.exfiltration.ec2-security-group-open-port-22-ingress': {
    outOfScope: 'security group ingress (ec2): network exposure, not IAM',
  },
  'aws.exfiltration.ec2-share-ami': { outOfScope: 'AMI sharing (ec2): resource sharing, not IAM' },
  'aws.exfiltration.ec2-share-ebs-snapshot': {
    outOfScope: 'EBS snapshot sharing (ec2): resource sharing, not IAM',
  },
  'aws.exfiltration.rds-share-snapshot': {
    outOfScope: 'RDS snapshot sharing (rds): resource sharing, not IAM',
  },
  'aws.impact.bedrock-invoke-model': {
    outOfScope: 'Bedrock model invocation (bedrock): resource abuse, not IAM',
  },
  'aws.lateral-movement.ec2-instance-connect': {
    outOfScope: 'EC2 Instance Connect SSH key push (ec2-instance-connect): instance access, not IAM',
  },
  'aws.lateral-movement.ec2-serial-console-send-ssh-public-key': {
    outOfScope: 'EC2 serial console SSH key push (ec2, ec2-instance-connect): instance access, not IAM',
  },
  'aws.persistence.lambda-backdoor-function': {
    outOfScope: 'Lambda AddPermission (lambda): a resource policy, not an IAM identity or role trust policy',
  },
  'aws.persistence.lambda-layer-extension': {
    outOfScope: 'Lambda layer on a function (lambda): code persistence, not IAM',
  },
  'aws.persistence.lambda-overwrite-code': {
    outOfScope: 'Lambda UpdateFunctionCode (lambda): code persistence, not IAM',
  },
};

/** How a Panther rule relates to iamwatch. */
export interface PantherScope {
  /** iamwatch rules that answer the same question (informational). */
  counterpart: readonly string[];
  /** Why a Panther positive may raise nothing at >= medium in iamwatch (the case then reads "n/a"). */
  missWhy?: string;
  /** Per test line: overrides of `missWhy` for single cases. */
  lines?: Readonly<Record<number, { missWhy?: string }>>;
}

/**
 * Panther rules about IAM, STS, sign-in and CloudTrail tampering (the in-scope subset of the Panther
 * rule tests). Every other Panther rule is out of scope and listed by service in the eval output.
 */
export const PANTHER_IN_SCOPE: Readonly<Record<string, PantherScope>> = {
  // CloudTrail tampering
  'AWS.CloudTrail.EventSelectorsDisabled': { counterpart: ['logging-disabled'] },
  'AWS.CloudTrail.Stopped': { counterpart: ['logging-disabled'] },
  'AWS.CloudTrail.SecurityConfigurationChange': { counterpart: ['logging-disabled'] },
  'AWS.CloudTrail.VPCE.SensitiveAPICalls': {
    counterpart: ['logging-disabled'],
  },
  // IAM changes
  'AWS.CloudTrail.IAMAnythingChanged': { counterpart: ['policy-modified'] },
  'AWS.IAM.PolicyModified': { counterpart: ['policy-modified'] },
  'AWS.CloudTrail.IAMCompromisedKeyQuarantine': {
    counterpart: ['access-key-exposed', 'policy-modified'],
  },
  'AWS.IAM.AccessKeyCompromised': {
    counterpart: ['access-key-exposed', 'policy-modified'],
  },
  'AWS.IAM.AttachAdminRolePolicy': {
    counterpart: ['privilege-escalation', 'policy-modified'],
  },
  'AWS.IAM.AttachAdminUserPolicy': {
    counterpart: ['privilege-escalation', 'policy-modified'],
  },
  'AWS.IAM.BackdoorRole': {
    counterpart: ['trust-policy-weak', 'trust-policy-modified'],
  },
  'AWS.IAM.CreateRole': {
    counterpart: ['trust-policy-modified'],
  },
  'AWS.IAM.CreateUser': {
    counterpart: ['iam-user-created'],
  },
  'AWS.CloudTrail.IAMEntityCreatedWithoutCloudFormation': {
    counterpart: ['iam-user-created'],
    missWhy:
      'iam-user-created records users a CloudFormation stack creates (invokedBy) at info: IaC owns them',
  },
  'Standard.NewUserAccountCreated': {
    counterpart: ['iam-user-created'],
    missWhy:
      'iam-user-created records users a CloudFormation stack creates (invokedBy) at info: IaC owns them',
  },
  'AWS.IAM.Backdoor.User.Keys': {
    counterpart: ['access-key-created'],
  },
  'AWS.CloudTrail.RootAccessKeyCreated': {
    counterpart: ['access-key-created', 'root-activity'],
  },
  'AWS.CloudTrail.LoginProfileCreatedOrModified': {
    counterpart: ['login-profile-modified'],
  },
  'AWS.User.Login.Profile.Modified': {
    counterpart: ['login-profile-modified'],
  },
  'AWS.Suspicious.SAML.Activity': {
    counterpart: ['identity-provider-modified'],
  },
  'AWS.IAM.CredentialsUpdated': {
    counterpart: ['login-profile-modified', 'mfa-device-modified'],
    missWhy:
      'a person changing their own password (ChangePassword) or creating an unassigned virtual MFA device is routine; iamwatch reports passwords set for another user or by an automation user (login-profile-modified) and devices enabled for another user (mfa-device-modified)',
  },
  'AWS.IAM.Group.Read.Only.Events': {
    counterpart: [],
    missWhy: 'read-only IAM enumeration is not watched: iamwatch reports use and change of identities',
  },
  'AWS.IAMUser.ReconAccessDenied': {
    counterpart: [],
    missWhy: 'access-denied reconnaissance is not watched: iamwatch reports use and change of identities',
  },
  // Sign-in
  'AWS.Console.LoginWithoutMFA': {
    counterpart: ['console-login-without-mfa', 'root-activity'],
  },
  'AWS.Console.RootLogin': { counterpart: ['root-activity', 'console-login-without-mfa'] },
  'AWS.Console.RootLoginFailed': {
    counterpart: ['root-activity'],
  },
  'AWS.Root.Activity': {
    counterpart: ['root-activity'],
  },
  'AWS.CloudTrail.RootPasswordChanged': {
    counterpart: ['root-activity'],
  },
  'AWS.Console.LoginWithoutSAML': {
    counterpart: [],
    missWhy: 'iamwatch does not require SAML sign-in: an IAM user signing in with MFA is accepted',
  },
  'AWS.CloudTrail.PasswordSpraying': {
    counterpart: ['console-login-failures', 'root-activity'],
    missWhy:
      'console-login-failures folds failed sign-ins per source address into one alert with a count, but each failure alone is low: the spraying threshold needs counts across events',
  },
  'AWS.Unsuccessful.MFA.attempt': { counterpart: ['console-login-failures'] },
  'Standard.BruteForceByIP': {
    counterpart: ['console-login-failures'],
    missWhy:
      'brute force needs counts of failures across events (mocked in Panther); console-login-failures folds them per address with a count, each failure alone low',
  },
  'Standard.BruteForceByUser': {
    counterpart: ['console-login-failures'],
    missWhy:
      'brute force needs counts of failures across events (mocked in Panther); console-login-failures folds them per address with a count, each failure alone low',
  },
  'Standard.ImpossibleTravel.Login': {
    counterpart: [],
    missWhy:
      'impossible travel needs geo-IP and sign-in history (mocked in Panther); iamwatch does no geolocation',
  },
  'Standard.SignInFromRogueState': {
    counterpart: [],
    missWhy: 'a sign-in from a listed country needs geo-IP (mocked in Panther); iamwatch does no geolocation',
  },
  'AWS.Console.GetSigninToken.Abuse': {
    counterpart: [],
    missWhy: 'GetSigninToken (console access minted from CLI credentials) is not in the catalogue',
  },
  // STS
  'AWS.CloudTrail.IAMAssumeRoleBlacklistIgnored': {
    counterpart: ['role-unexpected-caller'],
    missWhy:
      "iamwatch has no role blocklist: role-unexpected-caller needs the role's callers in the baseline, and the eval's baseline is empty",
  },
  'AWS.STS.GetSessionToken.Misuse': { counterpart: ['session-token-issued'] },
  'AWS.CloudTrail.UserAccessKeyAuth': {
    counterpart: [],
    missWhy:
      "the use of an access key is not alerted; iamwatch reports the key's creation (access-key-created)",
  },
  'AWS.STS.GetCallerIdentity.TruffleHog': {
    counterpart: [],
    missWhy:
      'iamwatch does not alert on GetCallerIdentity and does not match user agents (attacker-controlled text)',
  },
  'Role.Assumed.by.AWS.Service': {
    counterpart: [],
    missWhy:
      'a Panther SIGNAL (context for correlation, not an alert): a service assuming its role is routine',
  },
  'Role.Assumed.by.User': { counterpart: [] },
  // IAM Identity Center
  'Retrieve.SSO.access.token': {
    counterpart: ['device-code-authorized'],
    missWhy:
      'a Panther SIGNAL: device-code-authorized records device-code tokens at low, since `aws sso login --use-device-code` makes the same record',
  },
  'AWS.Console.Sign-In': {
    counterpart: [],
    missWhy:
      'a Panther SIGNAL (context for correlation, not an alert): an Identity Center portal sign-in is routine',
  },
  'Sign-in.with.AWS.CLI.prompt': {
    counterpart: [],
    missWhy:
      'a Panther SIGNAL (context for correlation, not an alert): listing portal applications is routine',
  },
};

/** Panther rules whose events come from a watched service but which are not about IAM (reason shown). */
export const PANTHER_OUT_OF_SCOPE: Readonly<Record<string, string>> = {
  'AWS.CloudTrail.Created': 'creating a trail adds logging; not tampering',
  'AWS.CloudTrail.EnableRegion': 'enabling a region is account configuration, not IAM',
  'AWS.CloudTrail.UnauthorizedAPICall': 'generic access-denied monitoring across services',
  'AWS.CloudTrail.AttemptToLeaveOrg': 'Organizations: account governance, not an IAM identity event',
};

/** Rules whose alerts on benign-labelled records are by design (the record still counts, marked explained). */
export const BY_DESIGN_ON_BENIGN: Readonly<Record<string, string>> = {
  'root-activity': 'every use of root credentials alerts, legitimate or not (DESIGN: always)',
  'console-login-without-mfa': 'every console sign-in of an IAM user or root without MFA alerts (DESIGN)',
};
