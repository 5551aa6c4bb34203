import { describe, expect, it } from 'vitest';
import { defaultWorkers } from '../../shared/cli/commands/replay.js';

describe('replay: default worker threads for 8+ files', () => {
  it('leaves the main thread a core: none on 1 core, 1 on 2 cores', () => {
    expect(defaultWorkers(1)).toBe(0);
    expect(defaultWorkers(2)).toBe(1);
  });

  it('is 2 from 3 cores on, however many there are', () => {
    expect(defaultWorkers(3)).toBe(2);
    expect(defaultWorkers(4)).toBe(2);
    expect(defaultWorkers(64)).toBe(2);
  });

  it('is never negative (a platform that reports no core)', () => {
    expect(defaultWorkers(0)).toBe(0);
  });
});
