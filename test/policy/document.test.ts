import { describe, expect, it } from 'vitest';
import { parsePolicyDocument } from '../../shared/core/policy/document.js';
import { authoredText, recordDocument } from './fixtures.js';

describe('parsePolicyDocument', () => {
  it('parses the raw JSON trust policy of a Stratus CreateRole request', () => {
    // Prepare
    const raw = recordDocument('stratus-create-backdoor-role.request');

    // Act
    const doc = parsePolicyDocument(raw);

    // Assess
    expect(doc).toEqual({
      version: '2012-10-17',
      id: null,
      statements: [
        {
          index: 0,
          sid: null,
          effect: 'Allow',
          action: ['sts:AssumeRole'],
          notAction: null,
          resource: null,
          notResource: null,
          principal: {
            any: false,
            aws: ['arn:aws:iam::193672423079:root'],
            service: [],
            federated: [],
            canonicalUser: [],
          },
          notPrincipal: null,
          conditions: [],
        },
      ],
    });
  });

  it('parses the URL-encoded copy in responseElements to the same document', () => {
    const encoded = recordDocument('stratus-create-backdoor-role.response-urlencoded');
    expect(typeof encoded === 'string' && encoded.startsWith('%7B')).toBe(true);

    expect(parsePolicyDocument(encoded)).toEqual(
      parsePolicyDocument(recordDocument('stratus-create-backdoor-role.request')),
    );
  });

  it('decodes form-style encoding where spaces are +', () => {
    const text = authoredText('github-oidc-pinned');
    const formEncoded = encodeURIComponent(text).replace(/%20/g, '+');

    expect(parsePolicyDocument(formEncoded)).toEqual(parsePolicyDocument(text));
  });

  it('keeps a literal + inside a raw JSON document', () => {
    const doc = parsePolicyDocument(
      '{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a+b/*"}}',
    );
    expect(doc?.statements[0]?.resource).toEqual(['arn:aws:s3:::a+b/*']);
  });

  it('accepts an already parsed object and a single Statement object', () => {
    const raw = recordDocument('panther-sqs-policy.principal-org-and-public');
    const doc = parsePolicyDocument(raw);
    expect(doc?.statements).toHaveLength(2);
    expect(doc?.statements[0]?.principal?.any).toBe(true);
    expect(doc?.statements[0]?.conditions).toEqual([
      { operator: 'StringEquals', key: 'aws:PrincipalOrgID', values: ['o-test123456'] },
    ]);

    const single = parsePolicyDocument({
      Statement: { Effect: 'Deny', NotAction: 'iam:*', NotResource: '*' },
    });
    expect(single?.statements[0]).toMatchObject({ effect: 'Deny', notAction: ['iam:*'], notResource: ['*'] });
  });

  it('normalises Sid, lists, principals of every kind, and stringifies condition values', () => {
    const doc = parsePolicyDocument({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Mixed',
          Effect: 'Allow',
          Principal: {
            AWS: ['123456789012', 'arn:aws:iam::123456789012:role/x'],
            Service: 'ec2.amazonaws.com',
            Federated: 'arn:aws:iam::123456789012:saml-provider/okta',
            CanonicalUser: 'abc123',
          },
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Condition: {
            Bool: { 'aws:MultiFactorAuthPresent': true },
            NumericLessThan: { 'aws:MultiFactorAuthAge': 3600 },
          },
        },
      ],
    });
    const statement = doc?.statements[0];
    expect(statement?.sid).toBe('Mixed');
    expect(statement?.principal).toEqual({
      any: false,
      aws: ['123456789012', 'arn:aws:iam::123456789012:role/x'],
      service: ['ec2.amazonaws.com'],
      federated: ['arn:aws:iam::123456789012:saml-provider/okta'],
      canonicalUser: ['abc123'],
    });
    expect(statement?.conditions).toEqual([
      { operator: 'Bool', key: 'aws:MultiFactorAuthPresent', values: ['true'] },
      { operator: 'NumericLessThan', key: 'aws:MultiFactorAuthAge', values: ['3600'] },
    ]);
  });

  it('reads element names case-insensitively and Effect in any case', () => {
    const doc = parsePolicyDocument('{"statement":[{"effect":"allow","action":"*","resource":"*"}]}');
    expect(doc?.statements[0]).toMatchObject({ effect: 'Allow', action: ['*'], resource: ['*'] });
  });

  it('unwraps a document that was JSON-encoded twice', () => {
    const text = authoredText('eks-irsa');
    expect(parsePolicyDocument(JSON.stringify(text))).toEqual(parsePolicyDocument(text));
  });

  it.each([
    ['a bare statement (Lambda AddPermission)', recordDocument('stratus-lambda-backdoor.resource-statement')],
    ['no Statement', '{"Version":"2012-10-17"}'],
    ['a Statement string', '{"Statement":"Allow"}'],
    ['an unknown Effect', '{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}'],
    ['Action and NotAction together', '{"Statement":[{"Effect":"Allow","Action":"*","NotAction":"iam:*"}]}'],
    ['a numeric action', '{"Statement":[{"Effect":"Allow","Action":[1],"Resource":"*"}]}'],
    [
      'an unknown principal type',
      '{"Statement":[{"Effect":"Allow","Principal":{"Galaxy":"x"},"Action":"*"}]}',
    ],
    [
      'a principal string other than *',
      '{"Statement":[{"Effect":"Allow","Principal":"arn:aws:iam::1:root"}]}',
    ],
    [
      'a nested condition value',
      '{"Statement":[{"Effect":"Allow","Action":"*","Condition":{"StringEquals":{"k":{"a":1}}}}]}',
    ],
    ['a non-object statement', '{"Statement":[42]}'],
    ['a JSON array', '[{"Effect":"Allow"}]'],
    ['text', 'not a policy'],
    ['malformed percent-encoding', '%7B%ZZ'],
    ['the Panther invalid policy string', 'invalid-json-policy'],
    ['null', null],
    ['a number', 42],
    ['undefined', undefined],
  ])('returns null for %s', (_name, input) => {
    expect(parsePolicyDocument(input)).toBeNull();
  });
});
