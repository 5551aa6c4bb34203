/**
 * The CloudFormation in infra/ is generated from the rule catalogue. When this test fails, a rule's
 * eventNames changed: regenerate with `npm run generate` (it runs this file with `-u`) and commit.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  forwarderTemplate,
  GENERATED_NOTICE,
  serverlessRulesFragment,
} from '../../shared/core/eventbridge/cloudformation.js';
import { deployedPatterns } from '../../shared/core/eventbridge/patterns.js';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation and EMF JSON are untyped; tests read them loosely.
type Json = any;

const REGENERATE = 'infra/ is stale: run `npm run generate` and commit the result';

function render(doc: unknown): string {
  return `${GENERATED_NOTICE}\n${stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

describe('generated infrastructure', () => {
  it('infra/generated/eventbridge-rules.yml matches the catalogue', async () => {
    await expect(render(serverlessRulesFragment()), REGENERATE).toMatchFileSnapshot(
      '../../infra/generated/eventbridge-rules.yml',
    );
  });

  it('infra/regional-forwarder.yml matches the catalogue', async () => {
    await expect(render(forwarderTemplate('regional')), REGENERATE).toMatchFileSnapshot(
      '../../infra/regional-forwarder.yml',
    );
  });

  it('infra/org-member-forwarder.yml matches the catalogue', async () => {
    await expect(render(forwarderTemplate('org-member')), REGENERATE).toMatchFileSnapshot(
      '../../infra/org-member-forwarder.yml',
    );
  });
});

describe('forwarder templates', () => {
  it.each(['regional', 'org-member'] as const)(
    '%s: forwards every deployed rule with a role that may only put events on the iamwatch bus',
    (kind) => {
      const t = forwarderTemplate(kind) as {
        Resources: Record<string, { Type: string; Condition?: string; Properties: Json }>;
      };
      const role = t.Resources.ForwarderRole!;
      const statements = role.Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement);
      expect(statements).toHaveLength(1);
      expect(statements[0].Action).toBe('events:PutEvents');
      expect(JSON.stringify(statements[0].Resource)).toMatch(/event-bus\/\$\{(Home|Central)EventBusName\}/);
      const rules = Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::Events::Rule');
      expect(rules.map(([id]) => id)).toEqual(deployedPatterns().map((r) => `Forward${r.logicalId}`));
      for (const [id, r] of rules) {
        const source = deployedPatterns().find((d) => `Forward${d.logicalId}` === id)!;
        expect(r.Condition).toBe('Forward');
        expect(r.Properties.State).toBe(source.state);
        expect(r.Properties.EventPattern).toEqual(source.pattern);
        expect(r.Properties.Targets[0].RoleArn).toEqual({ 'Fn::GetAtt': ['ForwarderRole', 'Arn'] });
      }
    },
  );
});
