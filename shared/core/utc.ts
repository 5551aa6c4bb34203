/**
 * `Date.UTC` for the readers that parse a time per record (CloudTrail `eventTime`, credential expirations).
 * `Date.UTC` is a call into the runtime (about 100 ns); records come in about time order, so the start of
 * the last month asked for is kept and the rest is arithmetic — exact, because `Date.UTC` is linear in the
 * day, hour, minute and second (out-of-range values carry over the same way).
 */

let lastMonth = Number.NaN;
let lastMonthMs = 0;

/**
 * The same milliseconds as `Date.UTC(year, month, day, hour, minute, second)` for whole numbers, `month` from
 * 0 to 11 (as for `Date.UTC`) and a year of at most four digits (a two-digit year is 19xx there too).
 */
export function utcMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): number {
  const ym = year * 12 + month;
  if (ym !== lastMonth) {
    lastMonthMs = Date.UTC(year, month, 1);
    lastMonth = ym;
  }
  return lastMonthMs + (day - 1) * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000;
}
