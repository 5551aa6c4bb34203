/**
 * The record split's WebAssembly depth scan (shared/adapters/cloudtrail-files/scan/) against its JS
 * reference: the same elements, the same eventName spans, the same undecided (-1) and null answers on
 * every input. Also: the checked-in module is scan.wat assembled, and the switch between the two scans.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedModule, GENERATED } from '../../scripts/scan-wasm.mjs';
import { elementSpansOfBytes } from '../../shared/adapters/cloudtrail-files/scan/reference.js';
import {
  compileScan,
  pickSpanScan,
  type WasmApi,
  wasmElementSpans,
  wasmScanAvailable,
} from '../../shared/adapters/cloudtrail-files/scan/wasm.js';
import { body, both, plain, prng } from '../helpers/scan-cases.js';

const RECORDS_HEAD = '{"Records":[';

describe('scan.wat', () => {
  it('is what scan-wasm.generated.ts holds, assembled (run `npm run generate` after editing it)', async () => {
    expect(readFileSync(GENERATED, 'utf8')).toBe(await expectedModule());
  });
});

describe('the scan switch', () => {
  it('takes the WebAssembly scan where it runs, the reference otherwise', () => {
    expect(wasmScanAvailable()).toBe(true);
    expect(pickSpanScan()).toBe(wasmElementSpans);
    expect(pickSpanScan(true)).toBe(wasmElementSpans);
    expect(pickSpanScan(false)).toBe(elementSpansOfBytes);
  });

  it('finds no module without WebAssembly or when it will not compile', () => {
    expect(compileScan(undefined)).toBeNull();
    const refusing = {
      Module: class {
        constructor() {
          throw new Error('CompileError: SIMD unsupported');
        }
      },
      Instance: class {},
    } as unknown as WasmApi;
    expect(compileScan(refusing)).toBeNull();
    expect(compileScan((globalThis as { WebAssembly?: WasmApi }).WebAssembly)).not.toBeNull();
  });
});

/** Both scans agree on the body `s`; the reference's answer, for further checks. */
function agree(s: string): ReturnType<typeof plain> {
  const b = Buffer.from(s, 'utf8');
  const { js, wasm } = both(b);
  expect(wasm, s).toEqual(js);
  // The same body inside a larger buffer, as the split passes it.
  const framed = Buffer.from(`${RECORDS_HEAD}${s}]}`, 'utf8');
  const inFrame = both(framed, RECORDS_HEAD.length, framed.length - 2);
  expect(inFrame.wasm, s).toEqual(inFrame.js);
  return plain(elementSpansOfBytes(b, 0, b.length));
}

const REC = '"eventSource":"iam.amazonaws.com","eventName":"CreateUser"';

describe('WebAssembly scan = reference', () => {
  it.each([
    ['empty', '', { starts: [], ends: [], nameFrom: [], nameTo: [] }],
    ['whitespace and commas only', ' ,\t,\n\r', { starts: [], ends: [], nameFrom: [], nameTo: [] }],
    ['one decided record', `{${REC}}`, { starts: [0], ends: [60], nameFrom: [48], nameTo: [58] }],
    ['objects with no comma', '{}{}', { starts: [0, 2], ends: [2, 4], nameFrom: [-1, -1], nameTo: [-1, -1] }],
  ])('%s', (_, s, want) => {
    expect(agree(s)).toEqual(want);
  });

  it.each([
    ['a number element', `{${REC}},1`],
    ['a string element', `{${REC}},"s"`],
    ['an array element', `[{${REC}}]`],
    ['junk at depth 0', `{${REC}} x {}`],
    ['a closing bracket too many', `{${REC}}}`],
    ['a closing bracket too many, then an opening one', `{${REC}}]{`],
    ['an unclosed object', `{${REC}},{"a":{}`],
    ['an unterminated string', `{${REC}},{"a":"b}`],
    ['a string ending in an escaped quote', `{"a":"b\\"}`],
    ['a bracket inside a depth-0 string', '"{",{}'],
  ])('null: %s', (_, s) => {
    expect(agree(s)).toBeNull();
  });

  it.each([
    ['eventName twice', `{${REC},"eventName":"GetRole"}`],
    ['eventSource missing', '{"eventName":"CreateUser"}'],
    ['eventName a number', '{"eventSource":"s","eventName":12}'],
    ['eventName an object', '{"eventSource":"s","eventName":{"eventName":"x"}}'],
    ['eventName an array', '{"eventSource":"s","eventName":["x"]}'],
    ['eventName null', '{"eventSource":"s","eventName":null}'],
    ['eventSource true', '{"eventSource":true,"eventName":"x"}'],
    ['eventName only nested', '{"eventSource":"s","x":{"eventName":"A"}}'],
    ['an escaped key', '{"eventSource":"s","event\\u004eame":"A"}'],
    ['a key with an escaped quote', '{"eventSource":"s","eventName\\"":"A"}'],
    ['eventName as a value', '{"a":"eventName","eventSource":"s"}'],
    ['eventName after a value with no colon', '{"a":"eventName":"A","eventSource":"s"}'],
    ['eventName key then a comma', '{"eventName":,"x":"A","eventSource":"s"}'],
    ['eventName key, comma, colon', '{"eventName",:"A","eventSource":"s"}'],
    ['eventName key then two strings', '{"eventName" "A" "B","eventSource":"s"}'],
    ['eventName key after a key with no colon', '{"x" "eventName":"A","eventSource":"s"}'],
    ['eventName key after a literal', '{"a",1"eventName":"A","eventSource":"s"}'],
    ['eventName key then the end', '{"eventSource":"s","eventName":}'],
    ['a second eventName key then the end', '{"eventSource":"s","eventName":"A","eventName":}'],
    ['eventName key, colon, colon', '{"eventSource":"s","eventName"::"A"}'],
    ['eventName with no colon', '{"eventSource":"s","eventName""A"}'],
    ['eventName key after a nested object, no comma', '{"a":{}"eventName":"A","eventSource":"s"}'],
    ['eventSource value eventName', '{"eventSource":"eventName","eventName":"x"}'],
    ['eventName value eventSource', '{"eventName":"eventSource","eventSource":"x"}'],
    ['a literal after the key', '{"eventSource":"s","eventName":xyz}'],
  ])('odd shapes: %s', (_, s) => {
    agree(s);
  });

  it.each([
    ['whitespace between every token', `{ "eventSource" :\t"s" ,\n"eventName"\r: "A" }`],
    ['escapes in the name', '{"eventSource":"s","eventName":"Cre\\"ate\\\\"}'],
    ['brackets and quotes inside strings', '{"a":"{[\\"]}","eventSource":"s","eventName":"]}{["}'],
    ['non-ASCII text', '{"é":"日本😀","eventSource":"s","eventName":"Créer"}'],
    ['a backslash outside a string', '{"a":\\"x","eventSource":"s","eventName":"A"}'],
    ['a backslash at depth 0', '\\{"eventSource":"s","eventName":"A"}'],
    ['a backslash inside a nested literal', '{"a":[1\\],"eventSource":"s","eventName":"A"}'],
  ])('%s', (_, s) => {
    agree(s);
  });

  it('with backslash runs ending at every alignment across 16- and 64-byte blocks', () => {
    let decided = 0;
    for (let pad = 0; pad < 140; pad++) {
      for (let run = 0; run <= 6; run++) {
        // An odd run escapes the quote after it; an even one ends the string there.
        const inner = `${'y'.repeat(pad)}${'\\'.repeat(run)}${run % 2 === 1 ? '"' : ''}`;
        // Alone (no backslash after the run), and followed by another run.
        for (const s of [
          `{"p":"${inner}",${REC}}`,
          `{"p":"${inner}",${REC}},{"q":"${'\\'.repeat(2 * run)}",${REC}}`,
        ]) {
          const got = agree(s);
          if (got?.nameFrom.every((x) => x >= 0)) decided++;
        }
      }
    }
    expect(decided).toBe(140 * 7 * 2);
  });

  it('on seeded generated bodies, mutated or not', () => {
    const seen = { null: 0, undecided: 0, decided: 0 };
    for (let seed = 1; seed <= 400; seed++) {
      const r = prng(seed);
      const b = body(r, Math.floor(r() * 12), r() < 0.5 ? 0 : 0.3, 0.5);
      const { js, wasm } = both(b);
      expect(wasm, `seed ${seed}`).toEqual(js);
      const e = js as ReturnType<typeof plain>;
      if (e === null) seen.null++;
      else for (const x of e.nameFrom) seen[x < 0 ? 'undecided' : 'decided']++;
    }
    expect(seen.null).toBeGreaterThan(50);
    expect(seen.undecided).toBeGreaterThan(50);
    expect(seen.decided).toBeGreaterThan(50);
  });

  it('on many small elements (its output outgrows the first memory)', () => {
    const s = Buffer.from(Array.from({ length: 30_000 }, (_, i) => `{"i":${i}}`).join(','));
    const { js, wasm } = both(s);
    expect(wasm).toEqual(js);
    expect((js as { starts: number[] }).starts).toHaveLength(30_000);
  });
});

/** Every .json under a directory. */
function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...jsonFiles(p));
    else if (e.endsWith('.json') || e.endsWith('.jsonl')) out.push(p);
  }
  return out.sort();
}

describe('WebAssembly scan = reference on the real fixtures', () => {
  it('test/fixtures/cloudtrail-public and test/datasets, compact and indented', () => {
    const files = [...jsonFiles('test/fixtures/cloudtrail-public'), ...jsonFiles('test/datasets')];
    expect(files.length).toBeGreaterThan(50);
    let decided = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      // The file as it is, and its records re-serialised as an array body two ways.
      agree(text);
      let records: unknown[] = [];
      try {
        const v = JSON.parse(text) as unknown;
        records = Array.isArray(v) ? v : ((v as { Records?: unknown[] }).Records ?? [v]);
      } catch {
        records = text
          .split('\n')
          .filter((l) => l.trim() !== '')
          .flatMap((l) => {
            try {
              return [JSON.parse(l) as unknown];
            } catch {
              return [];
            }
          });
      }
      for (const s of [
        records.map((x) => JSON.stringify(x)).join(','),
        records.map((x) => JSON.stringify(x, null, 2)).join(',\n'),
      ]) {
        const e = agree(s);
        decided += e?.nameFrom.filter((x) => x >= 0).length ?? 0;
      }
    }
    expect(decided).toBeGreaterThan(100);
  });
});
