import { describe, expect, it } from 'vitest';
import { createDetector } from '../../shared/app/detect.js';
import { buildIndex } from '../../shared/core/baseline/in-memory-view.js';
import { networkOf } from '../../shared/core/session/network.js';
import type { SessionStore } from '../../shared/ports.js';
import { fixtureBaseline } from '../helpers/rule-fixtures.js';
import { sessionCall } from './records.js';

describe('networkOf', () => {
  it('IPv4 /24 and IPv6 /48 of public addresses', () => {
    expect(networkOf('52.154.133.36')).toBe('52.154.133.0/24');
    expect(networkOf('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    expect(networkOf('2001:0db8:abcd::')).toBe('2001:db8:abcd::/48');
  });

  it('nothing comparable for service host names, AWS Internal, private and malformed addresses', () => {
    for (const v of [
      'cloudformation.amazonaws.com',
      'AWS Internal',
      '10.0.3.17',
      '172.20.1.1',
      '192.168.1.1',
      '100.64.0.1',
      '169.254.169.254',
      'fd00::1',
      '225.178.039.250',
      '999.1.1.1',
      null,
      '',
    ])
      expect(networkOf(v), String(v)).toBeNull();
  });
});

describe('session store trouble in the Lambda path', () => {
  it('fails open: the alert goes out with an unknown origin that says why', async () => {
    const broken: SessionStore = {
      get: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
      put: async () => {},
    };
    const detector = createDetector({
      baseline: async () => buildIndex(fixtureBaseline('lineage.yaml')),
      sessions: broken,
    });
    const r = await detector.evaluate(
      sessionCall('tf-apply', 'ASIAAPPLY00000000002', 'CreateAccessKey', { time: '2026-11-02T10:05:00Z' }),
    );
    const a = r.alerts.find((x) => x.rule === 'access-key-created');
    expect(a).toBeDefined();
    expect(a?.origin?.complete).toBe(false);
    expect(a?.origin?.why).toContain('session store unavailable');
  });
});
