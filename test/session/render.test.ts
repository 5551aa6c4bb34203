import { describe, expect, it } from 'vitest';
import { parseAlertMessage } from '../../functions/slack-notify/alert-schema.js';
import { renderSlackMessage } from '../../shared/core/alert/render-slack.js';
import { renderAlertTable } from '../../shared/core/alert/render-table.js';
import type { AlertOrigin } from '../../shared/core/session/origin.js';
import { makeAlert, textFields } from '../delivery/helpers.js';

const ORIGIN: AlertOrigin = {
  chain: [
    {
      identity: 'arn:aws:iam::111122223333:role/gha-plan',
      via: 'oidc',
      subject: 'repo:fork/api:pull_request',
      provider: 'token.actions.githubusercontent.com',
      at: '2026-11-02T10:02:00Z',
      sourceIp: '52.154.133.36',
      eventId: 'ev-1',
      key: 'ASIAPLAN000000000001',
    },
    {
      identity: 'arn:aws:iam::111122223333:role/tf-apply',
      via: 'caller',
      caller: 'arn:aws:sts::111122223333:assumed-role/gha-plan/GitHubActions',
      at: '2026-11-02T10:04:00Z',
      sourceIp: '52.154.133.36',
      eventId: 'ev-2',
      key: 'ASIAAPPLY00000000002',
    },
  ],
  complete: true,
  why: 'origin: OIDC token repo:fork/api:pull_request from token.actions.githubusercontent.com',
};

describe('origin in alert renderings', () => {
  it('Slack shows one origin line', () => {
    const msg = renderSlackMessage(makeAlert({ origin: ORIGIN }));
    const text = textFields(msg).join('\n');
    expect(text).toContain(
      '*Origin* via tf-apply ← gha-plan ← repo:fork/api:pull\u200B_\u200Brequest (OIDC), 10:02 UTC',
    );
  });

  it('a hostile subject in the origin stays data in Slack: no mention, no link, no new line', () => {
    const hostile: AlertOrigin = {
      ...ORIGIN,
      chain: [
        { ...(ORIGIN.chain[0] as AlertOrigin['chain'][number]), subject: 'x <!channel> <https://evil|y>\nz' },
      ],
    };
    const text = textFields(renderSlackMessage(makeAlert({ origin: hostile }))).join('\n');
    const line = text.split('\n').find((l) => l.startsWith('*Origin*')) ?? '';
    expect(line).not.toContain('<!channel>');
    expect(line).not.toContain('<https');
    expect(line).toContain('&lt;!channel&gt;');
    expect(text).not.toMatch(/\nz \(OIDC\)/);
  });

  it('the table shows the origin under the row', () => {
    const out = renderAlertTable([makeAlert({ origin: ORIGIN })], { width: 200 });
    expect(out).toContain('origin via tf-apply ← gha-plan ← repo:fork/api:pull_request (OIDC), 10:02 UTC');
  });

  it('an alert without origin renders as before (no origin line)', () => {
    expect(renderAlertTable([makeAlert({ origin: null })], { width: 200 })).not.toContain('origin');
  });

  it('slack-notify keeps origin when validating the alert (unknown keys are dropped)', () => {
    const r = parseAlertMessage(JSON.stringify(makeAlert({ origin: ORIGIN })));
    expect(r.ok && r.alert.origin).toEqual(ORIGIN);
    const bad = parseAlertMessage(JSON.stringify({ ...makeAlert(), origin: { chain: [{ via: 'magic' }] } }));
    expect(bad.ok).toBe(false);
  });
});
