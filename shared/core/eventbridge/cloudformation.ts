/**
 * CloudFormation generated from {@link deployedPatterns}: the rules fragment that serverless.yml
 * includes, and the forwarder templates for other regions and Organization member accounts.
 * Written to `infra/` by `npx vitest run test/deploy/generated.test.ts -u` (docs/deploy.md); the
 * same test fails when the checked-in files differ from what the catalogue gives.
 */
import { type DeployedRule, deployedPatterns } from './patterns.js';

type Cfn = Record<string, unknown>;

const HEADER =
  'Generated from the rule catalogue (shared/core/eventbridge). Do not edit: see docs/deploy.md.';

/** First line of every generated file. */
export const GENERATED_NOTICE = `# ${HEADER}`;

/** `Fn::Sub`, written with `%{…}` so the source holds no `${…}` that looks like a JS template. */
const sub = (s: string): Cfn => ({ 'Fn::Sub': s.replaceAll('%{', '${') });

const getAtt = (id: string, attr = 'Arn'): Cfn => ({ 'Fn::GetAtt': [id, attr] });

/**
 * The `resources:` fragment for serverless.yml: one rule per {@link DeployedRule} on the default
 * bus targeting the detect function (with retry policy and a dead-letter queue for events
 * EventBridge could not deliver), its invoke permission, and the DLQ's queue policy.
 * `${self:service}`/`${sls:stage}` are resolved by the framework.
 */
export function serverlessRulesFragment(rules: readonly DeployedRule[] = deployedPatterns()): Cfn {
  const resources: Cfn = {};
  for (const r of rules) {
    resources[r.logicalId] = {
      Type: 'AWS::Events::Rule',
      Condition: FROM_EVENTBRIDGE,
      Properties: {
        Name: `\${self:service}-\${sls:stage}-${r.nameSuffix}`,
        Description: r.description,
        State: r.state,
        EventPattern: r.pattern,
        Targets: [
          {
            Id: 'detect',
            Arn: getAtt('DetectLambdaFunction'),
            RetryPolicy: { MaximumRetryAttempts: 24, MaximumEventAgeInSeconds: 3600 },
            DeadLetterConfig: { Arn: getAtt('DetectTargetDlq') },
          },
        ],
      },
    };
    resources[`${r.logicalId}Permission`] = {
      Type: 'AWS::Lambda::Permission',
      Condition: FROM_EVENTBRIDGE,
      Properties: {
        FunctionName: getAtt('DetectLambdaFunction'),
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: getAtt(r.logicalId),
      },
    };
  }
  resources.DetectTargetDlqPolicy = {
    Type: 'AWS::SQS::QueuePolicy',
    Condition: FROM_EVENTBRIDGE,
    Properties: {
      Queues: [{ Ref: 'DetectTargetDlq' }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'EventBridgeRulesDeadLetter',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: getAtt('DetectTargetDlq'),
            Condition: { ArnEquals: { 'aws:SourceArn': rules.map((r) => getAtt(r.logicalId)) } },
          },
        ],
      },
    },
  };
  return {
    // `ingestMode: s3` reads the Organization trail's objects instead (infra/ingest.yml): the rules are
    // not deployed, so no event is judged (and billed) twice.
    Conditions: {
      [FROM_EVENTBRIDGE]: { 'Fn::Not': [{ 'Fn::Equals': [`\${param:ingestMode}`, 's3'] }] },
    },
    Resources: resources,
  };
}

/** Condition of the generated rules: every ingest mode but `s3`. */
export const FROM_EVENTBRIDGE = 'IngestFromEventBridge';

/**
 * Forwards the events of every deployed rule from this region (or member account) to the
 * iamwatch home bus. `kind: 'regional'` targets the same account's bus in `HomeRegion`;
 * `kind: 'org-member'` targets the central security account's bus (deployed with StackSets).
 * Resources are skipped where the stack would forward a bus to itself.
 */
export function forwarderTemplate(
  kind: 'regional' | 'org-member',
  rules: readonly DeployedRule[] = deployedPatterns(),
): Cfn {
  const regional = kind === 'regional';
  const busArn = regional
    ? sub('arn:%{AWS::Partition}:events:%{HomeRegion}:%{AWS::AccountId}:event-bus/%{HomeEventBusName}')
    : sub(
        'arn:%{AWS::Partition}:events:%{CentralRegion}:%{CentralAccountId}:event-bus/%{CentralEventBusName}',
      );
  const parameters: Cfn = regional
    ? {
        HomeRegion: {
          Type: 'String',
          Default: 'us-east-1',
          Description: 'Region where iamwatch is deployed',
        },
        HomeEventBusName: {
          Type: 'String',
          Default: 'default',
          Description: 'Bus the iamwatch rules listen on',
        },
      }
    : {
        CentralAccountId: {
          Type: 'String',
          AllowedPattern: '^\\d{12}$',
          Description: 'Security account where iamwatch is deployed',
        },
        CentralRegion: {
          Type: 'String',
          Default: 'us-east-1',
          Description: 'Region where iamwatch is deployed',
        },
        CentralEventBusName: {
          Type: 'String',
          Default: 'iamwatch-prod-org-ingest',
          Description:
            "The central account's Organization bus, iamwatch-<stage>-org-ingest (created when iamwatch is deployed with organizationId)",
        },
      };
  const conditions: Cfn = regional
    ? { Forward: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AWS::Region' }, { Ref: 'HomeRegion' }] }] } }
    : {
        Forward: {
          'Fn::Not': [
            {
              'Fn::And': [
                { 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, { Ref: 'CentralAccountId' }] },
                { 'Fn::Equals': [{ Ref: 'AWS::Region' }, { Ref: 'CentralRegion' }] },
              ],
            },
          ],
        },
      };
  const resources: Cfn = {
    // A stack must create at least one resource even where forwarding is skipped.
    Placeholder: { Type: 'AWS::CloudFormation::WaitConditionHandle' },
    ForwarderRole: {
      Type: 'AWS::IAM::Role',
      Condition: 'Forward',
      Properties: {
        Description:
          'iamwatch: lets EventBridge put matching CloudTrail events on the iamwatch bus, and nothing else',
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sts:AssumeRole',
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            },
          ],
        },
        Policies: [
          {
            PolicyName: 'put-events-on-iamwatch-bus',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: busArn }],
            },
          },
        ],
      },
    },
  };
  for (const r of rules) {
    resources[`Forward${r.logicalId}`] = {
      Type: 'AWS::Events::Rule',
      Condition: 'Forward',
      Properties: {
        Description: `Forwards to iamwatch: ${r.description.replace(/^iamwatch: /, '')}`,
        State: r.state,
        EventPattern: r.pattern,
        Targets: [{ Id: 'iamwatch-home-bus', Arn: busArn, RoleArn: getAtt('ForwarderRole') }],
      },
    };
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: regional
      ? 'iamwatch regional forwarder: sends the STS, sign-in, service and root events iamwatch reads from this region to the home region bus. Deploy in every enabled region (StackSet or a loop); a no-op in the home region.'
      : 'iamwatch Organization member forwarder (StackSets, every account and enabled region): sends the CloudTrail events iamwatch reads to the central security account on its dedicated iamwatch-<stage>-org-ingest bus, which admits the Organization with an aws:PrincipalOrgID bus policy (the default bus admits no other account).',
    Parameters: parameters,
    Conditions: conditions,
    Resources: resources,
  };
}
