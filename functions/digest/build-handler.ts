/**
 * digest over injected dependencies: build the digest, post one escaped Slack message per team to that
 * team's webhook, and return the whole digest as JSON. A team whose post fails is reported in the result
 * and the log; the other teams still get theirs.
 */
import { postSlackMessage, type SlackPostOptions } from '../../shared/adapters/slack-webhook.js';
import type { WebhookResolver } from '../../shared/adapters/webhook-resolver.js';
import { buildDigest, type Digest, type DigestDeps } from '../../shared/app/digest.js';
import { renderDigestSlack, type SlackMessage } from '../../shared/core/alert/render-slack.js';
import type { Log } from '../../shared/ports.js';

export interface DigestHandlerDeps extends DigestDeps {
  log: Log;
  /** Webhook per team. Absent: the digest is only returned (dry run). */
  resolver?: WebhookResolver;
  /** Override posting (default {@link postSlackMessage} with `slackOptions`). */
  post?: (url: string, message: SlackMessage) => Promise<void>;
  slackOptions?: SlackPostOptions;
}

export interface DigestTeamResult {
  team: string;
  alerts: number;
  overdue: number;
  selfCheck: number;
  posted: boolean;
  error?: string;
}

export interface DigestResult {
  digest: Digest;
  teams: DigestTeamResult[];
  messages: Array<{ team: string; message: SlackMessage }>;
}

export type DigestHandler = (event?: unknown) => Promise<DigestResult>;

export function buildDigestHandler(deps: DigestHandlerDeps): DigestHandler {
  const post =
    deps.post ??
    ((url: string, message: SlackMessage) =>
      postSlackMessage(url, message, { ...deps.slackOptions, sinkName: 'slack-digest' }));
  return async () => {
    const digest = await buildDigest(deps);
    const teams: DigestTeamResult[] = [];
    const messages: DigestResult['messages'] = [];
    for (const d of digest.teams) {
      const message = renderDigestSlack(d);
      messages.push({ team: d.team, message });
      const r: DigestTeamResult = {
        team: d.team,
        alerts: d.rules.reduce((n, l) => n + l.alerts, 0),
        overdue: d.overdue.length,
        selfCheck: d.selfCheck.length,
        posted: false,
      };
      teams.push(r);
      if (!deps.resolver) continue;
      const route = await deps.resolver.resolve(d.team);
      if (!route.ok) {
        r.error = route.reason;
      } else {
        try {
          await post(route.url, message);
          r.posted = true;
        } catch (err) {
          r.error = (err as { reason?: string }).reason ?? String(err).slice(0, 300);
        }
      }
      if (r.error) deps.log.error('digest not posted', { team: d.team, reason: r.error });
    }
    deps.log.info('digest done', { from: digest.from, to: digest.to, teams, errors: digest.errors });
    return { digest, teams, messages };
  };
}
