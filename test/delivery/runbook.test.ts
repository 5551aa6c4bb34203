/** Runbook placeholders filled from event data: one line, one shell argument per value, inert in Slack. */
import { describe, expect, it } from 'vitest';
import { renderSlackMessage } from '../../shared/core/alert/render-slack.js';
import { fillRunbook } from '../../shared/core/alert/runbook.js';
import { makeAlert, textFields } from './helpers.js';

describe('fillRunbook', () => {
  it('fills known placeholders, leaves the others and those without a value', () => {
    expect(
      fillRunbook('iamwatch baseline show <role>; seen <actor>; diff <file>', {
        role: 'arn:aws:iam::111122223333:role/gha-deploy',
        actor: null,
      }),
    ).toBe('iamwatch baseline show arn:aws:iam::111122223333:role/gha-deploy; seen <actor>; diff <file>');
  });

  it('quotes a hostile value as one argument on one line', () => {
    const subject = "repo:evil/x:ref:refs/heads/a'; rm -rf ~ #\n<!channel> `id`";
    const filled = fillRunbook('iamwatch baseline who <subject>', { subject });
    expect(filled).toBe(
      `iamwatch baseline who 'repo:evil/x:ref:refs/heads/a'\\''; rm -rf ~ # <!channel> \`id\`'`,
    );
    expect(filled).not.toMatch(/[\n\r]/);
    const msg = renderSlackMessage(makeAlert({ runbook: filled }));
    for (const t of textFields(msg)) {
      expect(t).not.toContain('<!channel>');
      expect(t).not.toMatch(/(^|[^\u200B])`id`/);
    }
  });
});
