import { IamwatchError } from '../errors.js';
import type { ConditionEntry, Effect, PolicyDocument, PolicyStatement, PrincipalSet } from './types.js';

/** Longest document text we try to parse. IAM caps documents far below this (10 240 characters at most). */
const MAX_TEXT_LENGTH = 1_000_000;

/**
 * Parses an IAM policy document as it appears in CloudTrail into a {@link PolicyDocument}.
 *
 * `input` may be an already-parsed object, a raw JSON string (`requestParameters.policyDocument`,
 * `assumeRolePolicyDocument`), or a URL-encoded JSON string (documents in `responseElements`, `%7B%22Version…`).
 * Strings are tried as JSON first, then URL-decoded (also with `+` read as a space) and parsed again.
 *
 * Normalises `Statement` (single object or list), `Action`/`NotAction`, `Resource`/`NotResource` (string or list),
 * `Principal`/`NotPrincipal` (`"*"` or an object of `AWS`/`Service`/`Federated`/`CanonicalUser`, each a string or
 * list), `Condition` and `Sid`. Element names are matched exactly first, then case-insensitively.
 *
 * @returns the document, or null when the input is not a well-formed policy document. Never throws.
 */
export function parsePolicyDocument(input: unknown): PolicyDocument | null {
  try {
    const value = typeof input === 'string' ? parseText(input) : input;
    return normaliseDocument(value);
  } catch {
    // Defensive: normalisation is written not to throw, but a malformed input must never break a rule.
    return null;
  }
}

function parseText(text: string): unknown {
  if (text.length > MAX_TEXT_LENGTH) return undefined;
  const candidates = [text];
  if (text.includes('%') || text.includes('+')) {
    const decoded = tryDecode(text);
    if (decoded !== undefined) candidates.push(decoded);
    const decodedPlus = tryDecode(text.replace(/\+/g, '%20'));
    if (decodedPlus !== undefined && decodedPlus !== decoded) candidates.push(decodedPlus);
  }
  for (const candidate of candidates) {
    const parsed = tryJson(candidate);
    if (parsed === undefined) continue;
    // Some producers JSON-encode the document twice ("\"{\\\"Version\\\"…").
    if (typeof parsed === 'string') {
      const inner = tryJson(parsed);
      if (isRecord(inner)) return inner;
      continue;
    }
    if (isRecord(parsed)) return parsed;
  }
  return undefined;
}

function tryDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own property `name`, matched exactly, else case-insensitively; `undefined` when absent. */
function field(record: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(record, name)) return record[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() === lower) return record[key];
  }
  return undefined;
}

/** Thrown internally to abandon a malformed document; never escapes {@link parsePolicyDocument}. */
class InvalidDocumentError extends IamwatchError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidDocumentError';
  }
}

function normaliseDocument(value: unknown): PolicyDocument | null {
  if (!isRecord(value)) return null;
  try {
    const version = optionalString(field(value, 'Version'));
    const id = optionalString(field(value, 'Id'));
    const rawStatements = field(value, 'Statement');
    let list: unknown[];
    if (Array.isArray(rawStatements)) list = rawStatements;
    else if (isRecord(rawStatements)) list = [rawStatements];
    else return null;
    const statements = list.map((raw, index) => normaliseStatement(raw, index));
    return { version, id, statements };
  } catch (error) {
    if (error instanceof InvalidDocumentError) return null;
    throw error;
  }
}

function optionalString(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new InvalidDocumentError('expected a string');
  return value;
}

function normaliseStatement(raw: unknown, index: number): PolicyStatement {
  if (!isRecord(raw)) throw new InvalidDocumentError('statement is not an object');
  const sidValue = field(raw, 'Sid');
  let sid: string | null = null;
  if (typeof sidValue === 'string') sid = sidValue === '' ? null : sidValue;
  else if (typeof sidValue === 'number') sid = String(sidValue);
  else if (sidValue !== undefined && sidValue !== null) throw new InvalidDocumentError('Sid');

  const [action, notAction] = exclusivePair(raw, 'Action', 'NotAction', stringList);
  const [resource, notResource] = exclusivePair(raw, 'Resource', 'NotResource', stringList);
  const [principal, notPrincipal] = exclusivePair(raw, 'Principal', 'NotPrincipal', principalSet);
  const conditionValue = field(raw, 'Condition');
  const conditions =
    conditionValue === undefined || conditionValue === null ? [] : conditionList(conditionValue);
  return {
    index,
    sid,
    effect: effectOf(field(raw, 'Effect')),
    action,
    notAction,
    resource,
    notResource,
    principal,
    notPrincipal,
    conditions,
  };
}

function effectOf(value: unknown): Effect {
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'allow') return 'Allow';
    if (lower === 'deny') return 'Deny';
  }
  throw new InvalidDocumentError('Effect');
}

function exclusivePair<T>(
  raw: Record<string, unknown>,
  name: string,
  notName: string,
  convert: (value: unknown) => T,
): [T | null, T | null] {
  const positive = field(raw, name);
  const negative = field(raw, notName);
  if (positive !== undefined && negative !== undefined)
    throw new InvalidDocumentError(`${name} and ${notName}`);
  return [
    positive === undefined ? null : convert(positive),
    negative === undefined ? null : convert(negative),
  ];
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return [...value];
  throw new InvalidDocumentError('expected a string or a list of strings');
}

const PRINCIPAL_KEYS = ['aws', 'service', 'federated', 'canonicaluser'] as const;

function principalSet(value: unknown): PrincipalSet {
  const set: PrincipalSet = { any: false, aws: [], service: [], federated: [], canonicalUser: [] };
  if (value === '*') {
    set.any = true;
    return set;
  }
  if (!isRecord(value)) throw new InvalidDocumentError('Principal');
  for (const [key, entry] of Object.entries(value)) {
    const lower = key.toLowerCase();
    if (!(PRINCIPAL_KEYS as readonly string[]).includes(lower))
      throw new InvalidDocumentError(`Principal ${key}`);
    const values = stringList(entry);
    if (lower === 'aws') set.aws.push(...values);
    else if (lower === 'service') set.service.push(...values);
    else if (lower === 'federated') set.federated.push(...values);
    else set.canonicalUser.push(...values);
  }
  return set;
}

function conditionList(value: unknown): ConditionEntry[] {
  if (!isRecord(value)) throw new InvalidDocumentError('Condition');
  const entries: ConditionEntry[] = [];
  for (const [operator, block] of Object.entries(value)) {
    if (!isRecord(block)) throw new InvalidDocumentError(`Condition ${operator}`);
    for (const [key, raw] of Object.entries(block)) {
      entries.push({ operator, key, values: conditionValues(raw) });
    }
  }
  return entries;
}

function conditionValues(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (typeof item === 'string') return item;
    if (typeof item === 'number' || typeof item === 'boolean') return String(item);
    throw new InvalidDocumentError('condition value');
  });
}
