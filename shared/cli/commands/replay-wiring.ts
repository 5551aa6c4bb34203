/**
 * Composition for `replay`: where the baseline comes from (file or store) and where alerts go
 * besides stdout. Kept apart from the command so the command reads as the contract.
 */
import type { Alert } from '../../core/alert/alert.js';
import { buildIndex } from '../../core/baseline/index.js';
import type { Baseline, BaselineIdentity } from '../../core/baseline/types.js';
import type { BaselineView } from '../../core/baseline/view.js';
import type { ObservationSink } from '../../ports.js';
import type { CliContext } from '../context.js';

export interface BaselineSource {
  view: BaselineView;
  observations?: ObservationSink;
  /** Substrings that make a record relevant to the rules that read every event. */
  needles: string[];
  close(): Promise<void>;
}

export interface StoreOpts {
  table?: string;
  endpoint?: string;
  region?: string;
  storeDir?: string;
}

/** Needles for the rules that read every event: root activity and break-glass identities. */
export function needlesFor(identities: readonly BaselineIdentity[]): string[] {
  const names = identities.filter((i) => i.kind === 'break-glass').map((i) => i.arn.slice(i.arn.lastIndexOf('/') + 1));
  return ['"Root"', ...names.filter((n) => n.length > 0)];
}

export async function openBaselineSource(
  from: { kind: 'file'; baseline: Baseline } | { kind: 'store' },
  opts: StoreOpts,
  ctx: CliContext,
): Promise<BaselineSource> {
  if (from.kind === 'file') {
    return {
      view: buildIndex(from.baseline),
      needles: needlesFor(from.baseline.identities),
      close: async () => {},
    };
  }
  void opts;
  void ctx;
  throw new Error('store-backed replay is not wired yet');
}

export interface AlertOutput {
  publish(a: Alert): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  failures(): number;
  describe(): string;
  deadLetterPath: string | null;
}

export async function openSinks(
  opts: { slackWebhook?: string; snsTopic?: string; eventBus?: string },
  _ctx: CliContext,
): Promise<AlertOutput | null> {
  if (!opts.slackWebhook && !opts.snsTopic && !opts.eventBus) return null;
  throw new Error('delivery sinks are not wired yet');
}
