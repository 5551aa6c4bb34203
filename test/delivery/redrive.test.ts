/** The redrive use case over in-memory sources, targets and ledger: routing per sink, settling messages. */
import { describe, expect, it } from 'vitest';
import { decodeParked, type ParkedMessage, type RedriveLedger, redrive } from '../../shared/app/redrive.js';
import { MemorySink, makeAlert } from './helpers.js';

class MemoryLedger implements RedriveLedger {
  readonly keys = new Set<string>();
  async has(k: string) {
    return this.keys.has(k);
  }
  async record(k: string) {
    this.keys.add(k);
  }
}

function source(bodies: string[]) {
  const settled: Array<[number, 'ack' | 'release']> = [];
  return {
    settled,
    src: {
      name: 'mem',
      async *messages(): AsyncGenerator<ParkedMessage> {
        for (const [i, body] of bodies.entries())
          yield {
            where: `mem#${i}`,
            body,
            ack: async () => {
              settled.push([i, 'ack']);
            },
            release: async () => {
              settled.push([i, 'release']);
            },
          };
      },
    },
  };
}

const dl = (id: string, sink: string) =>
  JSON.stringify({
    alert: makeAlert({ id }),
    reason: 'x',
    sink,
    attempts: 1,
    failedAt: '2026-03-02T10:00:00Z',
  });

describe('redrive use case', () => {
  it('sends each dead letter to the sink that failed and acknowledges only what was delivered', async () => {
    const sns = new MemorySink('sns');
    const eb = new MemorySink('eventbridge');
    const { src, settled } = source([dl('a', 'sns'), dl('b', 'eventbridge'), dl('c', 'slack')]);
    const report = await redrive({
      sources: [src],
      targets: { sns, eventbridge: eb },
      ledger: new MemoryLedger(),
      dryRun: false,
    });
    expect(sns.published.map((a) => a.id)).toEqual(['a']);
    expect(eb.published.map((a) => a.id)).toEqual(['b']);
    expect(report.counts).toMatchObject({ redriven: 2, 'no-target': 1 });
    expect(settled).toEqual([
      [0, 'ack'],
      [1, 'ack'],
      [2, 'release'],
    ]);
  });

  it('scrubs the reason of a failed re-delivery and gives the message back', async () => {
    const sns = new MemorySink('sns');
    sns.failWith = new Error('denied for https://hooks.slack.com/services/T1/B2/secret');
    const { src, settled } = source([dl('a', 'sns')]);
    const report = await redrive({
      sources: [src],
      targets: { sns },
      ledger: new MemoryLedger(),
      dryRun: false,
    });
    expect(report.results[0]).toMatchObject({ status: 'failed', detail: 'denied for (url)' });
    expect(settled).toEqual([[0, 'release']]);
  });

  it('decodes every parked shape', () => {
    const alert = makeAlert({ id: 'z' });
    expect(decodeParked(JSON.stringify(alert))).toMatchObject([{ kind: 'alert', sink: 'slack' }]);
    expect(
      decodeParked(JSON.stringify({ Type: 'Notification', Message: JSON.stringify(alert) })),
    ).toMatchObject([{ kind: 'alert', sink: 'slack', alert: { id: 'z' } }]);
    expect(
      decodeParked(JSON.stringify({ alert: null, raw: '{', reason: 'bad', sink: 'slack-notify-input' })),
    ).toMatchObject([{ kind: 'other' }]);
    expect(
      decodeParked(JSON.stringify({ 'detail-type': 'AWS API Call via CloudTrail', detail: {} })),
    ).toMatchObject([{ kind: 'other', what: 'an EventBridge event' }]);
    expect(decodeParked('not json')).toMatchObject([{ kind: 'other', what: 'not JSON' }]);
  });
});
