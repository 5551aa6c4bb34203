/**
 * The CloudFormation in infra/ is generated from the rule catalogue. When this test fails, a rule's
 * eventNames changed: regenerate with `npx vitest run test/deploy/generated.test.ts -u` and commit.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  forwarderTemplate,
  GENERATED_NOTICE,
  serverlessRulesFragment,
} from '../../shared/core/eventbridge/cloudformation.js';

const REGENERATE = 'infra/ is stale: run `npx vitest run test/deploy/generated.test.ts -u` and commit the result';

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
