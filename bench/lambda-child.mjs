// One Lambda container for bench/lambda.mjs: a fresh node process that imports the packaged handler and
// invokes it like the runtime does.
// argv: <mode> <handler module> <events JSON file> <result JSON file>
//   empty: does nothing (the reference: node starting and exiting); records its CPU time.
//   cold:  imports the handler and invokes it once with the first event, then exits (cold start to first event).
//   bill:  invokes it once per event, in order (one warm container). The clock (Date.now) follows each
//          event's EventBridge `time`, so cache periods and buffering delays run in event time; per
//          invocation it records CPU and wall milliseconds.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [mode, file, eventsFile, resultFile] = process.argv.slice(2);
/** CPU milliseconds (user + system) this process used so far, node's own start included. */
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
if (mode === 'empty') {
  writeFileSync(resultFile, JSON.stringify({ cpuMs: cpuMs() }));
  process.exit(0);
}
const t0 = performance.now();
const mod = await import(pathToFileURL(file).href);
const importMs = performance.now() - t0;
const events = JSON.parse(readFileSync(eventsFile, 'utf8'));
const context = (i) => ({
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: '$LATEST',
  awsRequestId: `8f507cfc-0000-4697-b07a-${String(i).padStart(12, '0')}`,
  invokedFunctionArn: `arn:aws:lambda:us-east-1:111122223333:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  getRemainingTimeInMillis: () => 60_000,
  callbackWaitsForEmptyEventLoop: true,
});
if (mode === 'cold') {
  const t1 = performance.now();
  const r = await mod.handler(events[0], context(0));
  const invokeMs = performance.now() - t1;
  writeFileSync(resultFile, JSON.stringify({ importMs, invokeMs, bootMs: t0, cpuMs: cpuMs(), summary: r }));
  process.exit(0);
}
const realNow = Date.now.bind(Date);
let offset = 0;
Date.now = () => realNow() + offset;
// IAMWATCH_BENCH_TIME_SCALE=k: the gaps between events shrink k-fold (a k-times busier organisation).
const scale = Number(process.env.IAMWATCH_BENCH_TIME_SCALE ?? '1') || 1;
let first = Number.NaN;
const results = [];
for (const [i, event] of events.entries()) {
  let at = Date.parse(event.time ?? (event.Records ? JSON.parse(event.Records.at(-1).body).time : ''));
  // Event time never runs backwards: an invocation starts at its event's time or later.
  if (Number.isNaN(first)) first = at;
  if (Number.isFinite(at)) at = first + (at - first) / scale;
  if (Number.isFinite(at)) offset = (i === 0 ? at : Math.max(realNow() + offset, at)) - realNow();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let ok = true;
  try {
    const out = await mod.handler(event, context(i));
    if (process.env.IAMWATCH_BENCH_DEBUG)
      process.stderr.write(`${new Date(Date.now()).toISOString()} ${event.time} ${JSON.stringify(out)}\n`);
  } catch (err) {
    ok = false;
    if (process.env.IAMWATCH_BENCH_DEBUG) process.stderr.write(`${err?.stack ?? err}\n`);
  }
  const c = process.cpuUsage(c0);
  results.push([
    Math.round((c.user + c.system) / 10) / 100,
    Math.round((performance.now() - t0) * 100) / 100,
    ok ? 1 : 0,
  ]);
}
writeFileSync(resultFile, JSON.stringify({ results, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
process.exit(0);
