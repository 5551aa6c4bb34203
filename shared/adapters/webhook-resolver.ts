/**
 * Team → Slack incoming-webhook URL, from the baseline's `teams` (synced to the store).
 *
 * Route references: `ssm:/path` (SecureString, via Powertools Parameters with decryption and caching),
 * `secret:name` (Secrets Manager via Powertools Parameters), `env:VAR`, or a literal `https://` URL.
 * An alert whose team has no route uses the default team's route; with neither, {@link resolve} says why,
 * so the caller parks the alert instead of dropping it. Webhook URLs are secrets: never logged, never in
 * a reason.
 */
import type { TeamRoute } from '../core/baseline/types.js';
import { AdapterError } from './errors.js';

/** Where to post, or why there is nowhere. */
export type WebhookResolution =
  | { ok: true; url: string; team: string; viaDefault: boolean }
  | { ok: false; reason: string; retryable: boolean };

export interface WebhookResolver {
  resolve(team: string | null): Promise<WebhookResolution>;
}

/** Fetches one parameter value; `undefined` when it does not exist. */
export type ParameterGetter = (name: string, opts: { maxAgeSeconds: number }) => Promise<string | undefined>;

export interface WebhookResolverOptions {
  /** The synced baseline's routing (BaselineStore.teams()), or a static map for the CLI. */
  teams: () => Promise<{ teams: Record<string, TeamRoute>; defaultTeam?: string }>;
  /** Environment for `env:` references (default: none — pass `process.env` from a composition root). */
  env?: Record<string, string | undefined>;
  /** `ssm:` getter (default: Powertools `getParameter` with `decrypt: true`). */
  getSsmParameter?: ParameterGetter;
  /** `secret:` getter (default: Powertools Secrets Manager provider, loaded on first use). */
  getSecret?: ParameterGetter;
  /** Cache for resolved URLs and the teams map. Default 300 s. */
  maxAgeSeconds?: number;
  /** Route used when neither the team nor the default team has one (e.g. `ssm:/iamwatch/slack/default`). */
  fallbackRoute?: string;
  /**
   * SDK client configuration for the default `ssm:`/`secret:` getters (timeouts: the Lambda passes its
   * connection and request timeouts so a hanging SSM cannot outlast the function). Default: SDK defaults.
   */
  awsClientConfig?: Record<string, unknown>;
  /** Allow `http://` for loopback hosts (local tests and the CLI against a local stand-in). Default false. */
  allowLoopbackHttp?: boolean;
  nowMs?: () => number;
}

/** Raised when a route reference is malformed or names a value that does not exist. */
export class WebhookRouteError extends AdapterError {
  constructor(message: string, opts?: { cause?: unknown }) {
    super('webhook-resolver', message, { retryable: false, cause: opts?.cause, prefix: false });
    this.name = 'WebhookRouteError';
  }
}

function defaultSsm(clientConfig?: Record<string, unknown>): ParameterGetter {
  let provider: Promise<import('@aws-lambda-powertools/parameters/ssm').SSMProvider> | null = null;
  return async (name, { maxAgeSeconds }) => {
    provider ??= import('@aws-lambda-powertools/parameters/ssm').then(
      ({ SSMProvider }) => new SSMProvider(clientConfig ? { clientConfig } : {}),
    );
    const v = await (await provider).get(name, { decrypt: true, maxAge: maxAgeSeconds });
    return typeof v === 'string' ? v : undefined;
  };
}

function defaultSecret(clientConfig?: Record<string, unknown>): ParameterGetter {
  // Loaded on first use (a chunk of its own in the bundles): only `secret:` routes need it.
  let provider: Promise<import('@aws-lambda-powertools/parameters/secrets').SecretsProvider> | null = null;
  return async (name, { maxAgeSeconds }) => {
    provider ??= import('@aws-lambda-powertools/parameters/secrets').then(
      ({ SecretsProvider }) => new SecretsProvider(clientConfig ? { clientConfig } : {}),
    );
    const v = await (await provider).get(name, { maxAge: maxAgeSeconds });
    return typeof v === 'string' ? v : undefined;
  };
}

/** Validate a webhook URL: https (or http to a loopback host when allowed), no credentials in it. */
export function isAcceptableWebhookUrl(raw: string, allowLoopbackHttp = false): boolean {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  if (u.protocol === 'https:') return true;
  return (
    allowLoopbackHttp && u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)
  );
}

/** Build a resolver with per-reference caching. */
export function createWebhookResolver(opts: WebhookResolverOptions): WebhookResolver {
  const maxAge = opts.maxAgeSeconds ?? 300;
  const now = opts.nowMs ?? (() => Date.now());
  const ssm = opts.getSsmParameter ?? defaultSsm(opts.awsClientConfig);
  const secret = opts.getSecret ?? defaultSecret(opts.awsClientConfig);
  let teamsCache: { at: number; value: Awaited<ReturnType<WebhookResolverOptions['teams']>> } | null = null;
  const urlCache = new Map<string, { at: number; url: string }>();

  async function teams() {
    if (teamsCache && now() - teamsCache.at < maxAge * 1000) return teamsCache.value;
    const value = await opts.teams();
    teamsCache = { at: now(), value };
    return value;
  }

  async function dereference(ref: string): Promise<string> {
    const cached = urlCache.get(ref);
    if (cached && now() - cached.at < maxAge * 1000) return cached.url;
    let url: string | undefined;
    if (ref.startsWith('ssm:')) url = await ssm(ref.slice(4), { maxAgeSeconds: maxAge });
    else if (ref.startsWith('secret:')) url = await secret(ref.slice(7), { maxAgeSeconds: maxAge });
    else if (ref.startsWith('env:')) url = opts.env?.[ref.slice(4)];
    else url = ref;
    if (url === undefined || url.trim() === '')
      throw new WebhookRouteError(`route ${describeRef(ref)} has no value`);
    if (!isAcceptableWebhookUrl(url, opts.allowLoopbackHttp)) {
      throw new WebhookRouteError(`route ${describeRef(ref)} is not an https URL`);
    }
    urlCache.set(ref, { at: now(), url: url.trim() });
    return url.trim();
  }

  return {
    async resolve(team) {
      let map: Awaited<ReturnType<typeof teams>>;
      try {
        map = await teams();
      } catch (err) {
        return { ok: false, reason: `could not read Slack routes: ${errorText(err)}`, retryable: true };
      }
      const own = team ? map.teams[team]?.slack : undefined;
      const fallback = map.defaultTeam ? map.teams[map.defaultTeam]?.slack : undefined;
      const chosen = own
        ? { ref: own, team: team!, viaDefault: false }
        : fallback
          ? { ref: fallback, team: map.defaultTeam!, viaDefault: true }
          : opts.fallbackRoute
            ? { ref: opts.fallbackRoute, team: map.defaultTeam ?? 'default', viaDefault: true }
            : null;
      if (!chosen)
        return { ok: false, reason: `no Slack route for team ${team ?? '(none)'}`, retryable: false };
      try {
        return {
          ok: true,
          url: await dereference(chosen.ref),
          team: chosen.team,
          viaDefault: chosen.viaDefault,
        };
      } catch (err) {
        // A malformed or empty route will not fix itself; a failed SSM/Secrets call might.
        if (err instanceof WebhookRouteError)
          return {
            ok: false,
            reason: `Slack route for team ${chosen.team}: ${errorText(err)}`,
            retryable: false,
          };
        return {
          ok: false,
          reason: `Slack route for team ${chosen.team} (${describeRef(chosen.ref)}): ${errorText(err)}`,
          retryable: true,
        };
      }
    },
  };
}

/** A reference for messages: kind and name, never a literal URL (it is the secret). */
function describeRef(ref: string): string {
  if (/^(ssm|secret|env):/.test(ref)) return ref.slice(0, 200);
  return '(literal URL)';
}

function errorText(err: unknown): string {
  const m = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return m
    .replace(/https?:\/\/\S+/g, '(url)')
    .replace(/[\u0000-\u001f]/g, ' ')
    .slice(0, 200);
}
