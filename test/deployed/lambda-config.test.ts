/**
 * Issue 14: the packaged template's Lambda settings that the bill depends on (bench/lambda.mjs): advanced
 * logging controls that drop the per-invocation platform lines, arm64 everywhere, detect's measured memory
 * size, and the observation buffering delay.
 */
import { describe, expect, it } from 'vitest';
import { readObservationFlushSeconds } from '../../functions/detect/config.js';
import { deployedStack } from './harness.js';

describe('packaged Lambda settings (issue 14)', () => {
  it('logs JSON at the stage log level, with platform lines only at WARN and above', () => {
    const stack = deployedStack();
    for (const fn of Object.values(stack.functions)) {
      expect(fn.logging, fn.name).toEqual({
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO', // the dev stage's params.logLevel (prod: WARN)
        SystemLogLevel: 'WARN',
      });
    }
  });

  it('runs every function on arm64, detect at 256 MB', () => {
    const stack = deployedStack();
    for (const fn of Object.values(stack.functions)) expect(fn.architecture, fn.name).toBe('arm64');
    expect(stack.functions.detect?.memoryMb).toBe(256);
  });

  it('buffers detect observations for a bounded delay', () => {
    const env = deployedStack().functions.detect?.env ?? {};
    const seconds = readObservationFlushSeconds(env);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(300);
  });
});
