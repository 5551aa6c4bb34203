// Runs inside the child process the harness starts for one Lambda container: imports the bundle's
// handler module and invokes the exported handler once per event, in order, like a warm container.
// argv: <handler module file> <export name> <events JSON file> <result JSON file> <timeout ms>
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [file, exportName, eventsFile, resultFile, timeoutMs] = process.argv.slice(2);
const events = JSON.parse(readFileSync(eventsFile, 'utf8'));
const results = [];
const save = () => writeFileSync(resultFile, JSON.stringify(results));
let mod;
try {
  mod = await import(pathToFileURL(file).href);
} catch (err) {
  results.push({
    ok: false,
    init: true,
    error: { name: err?.name, message: String(err?.message ?? err) },
    ms: 0,
  });
  save();
  process.exit(0);
}
for (const [i, event] of events.entries()) {
  const started = Date.now();
  const deadline = started + Number(timeoutMs);
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    awsRequestId: `req-${i + 1}`,
    invokedFunctionArn: `arn:aws:lambda:us-east-1:111122223333:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    callbackWaitsForEmptyEventLoop: true,
  };
  try {
    const result = await mod[exportName](event, context);
    results.push({ ok: true, result, ms: Date.now() - started });
  } catch (err) {
    results.push({
      ok: false,
      error: { name: err?.name, message: String(err?.message ?? err).slice(0, 2000) },
      ms: Date.now() - started,
    });
  }
  save();
}
save();
process.exit(0);
