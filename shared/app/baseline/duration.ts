import { AppError } from '../errors.js';

/** A duration flag that cannot be read (`--for`, `--since`). */
export class DurationError extends AppError {
  constructor(flag: string, value: string) {
    super(`${flag} must be a duration like 30m, 2h or 7d, not "${value}"`);
    this.name = 'DurationError';
  }
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30m`, `2h`, `7d`, `1w`, `1h30m` → milliseconds (> 0). */
export function parseDuration(value: string, flag = 'duration'): number {
  const text = value.trim();
  const re = /(\d+)\s*([smhdw])/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
    consumed = re.lastIndex;
  }
  if (consumed !== text.length || text.length === 0 || total <= 0) throw new DurationError(flag, value);
  return total;
}
