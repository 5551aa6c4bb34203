// One signed AWS API call over the SDK's own HTTP handler and SigV4 signer, for the small clients of the
// Lambda bundles (./sns.mjs, ./sqs.mjs, ./eventbridge.mjs; infra/esbuild-plugins.cjs puts them in place of
// @aws-sdk/client-sns, -sqs and -eventbridge). Each function calls one or two operations of these
// services; the full clients (~45 KB with their protocols) cost more bundle and first-alert time than
// the calls themselves. The CLI and the tests from source use the real SDK clients.
//
// Kept from the SDK: region from the config or AWS_REGION; credentials from the config or the
// environment (the Lambda role); endpoint from the config, AWS_ENDPOINT_URL_<SERVICE> or AWS_ENDPOINT_URL,
// else the service's regional endpoint (AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT set to true
// without an endpoint are refused, not ignored); the request handler options (connection and request timeouts,
// throwOnRequestTimeout); errors named by the service's error code with `$fault` and
// `$metadata.httpStatusCode`. No retries (the adapters retry: functions/budgets.ts).
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/transport';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';

/** DNS suffix of the partition a region belongs to. */
function dnsSuffix(region) {
  if (region.startsWith('cn-')) return 'amazonaws.com.cn';
  if (region.startsWith('us-isob-')) return 'sc2s.sgov.gov';
  if (region.startsWith('us-isof-')) return 'csp.hci.ic.gov';
  if (region.startsWith('us-iso-')) return 'c2s.ic.gov';
  if (region.startsWith('eu-isoe-')) return 'cloud.adc-e.uk';
  return 'amazonaws.com';
}

/**
 * A client for one service: `service` names its endpoint prefix (`sns`), signing name (`sns`) and
 * endpoint variable suffix (`SNS`, as in AWS_ENDPOINT_URL_SNS).
 */
export class AwsCaller {
  constructor(service, config = {}) {
    this.service = service;
    this.config = config;
    this.handler = NodeHttpHandler.create(config.requestHandler);
    this.signer = null;
  }

  get region() {
    const region = this.config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!region) throw new Error('Region is missing');
    return region;
  }

  get endpoint() {
    const configured =
      (typeof this.config.endpoint === 'string' ? this.config.endpoint : undefined) ??
      process.env[`AWS_ENDPOINT_URL_${this.service.env}`] ??
      process.env.AWS_ENDPOINT_URL;
    if (configured === undefined) {
      // The SDK clients would pick a FIPS or dual-stack endpoint here; these clients know only the regional
      // one, and refuse rather than quietly send elsewhere than the environment asks.
      for (const v of ['AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT'])
        if (process.env[v]?.trim().toLowerCase() === 'true')
          throw new Error(
            `${v}=true is not supported by the iamwatch Lambda clients: set AWS_ENDPOINT_URL_${this.service.env} to the endpoint to use`,
          );
    }
    return new URL(configured ?? `https://${this.service.prefix}.${this.region}.${dnsSuffix(this.region)}`);
  }

  /** POSTs `body` with `headers`; resolves with the status, lower-cased headers and the body text. */
  async post(headers, body) {
    const url = this.endpoint;
    this.signer ??= new SignatureV4({
      service: this.service.signingName,
      region: this.region,
      credentials: this.config.credentials ?? fromEnv(),
      sha256: Sha256,
      uriEscapePath: true,
    });
    const request = new HttpRequest({
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      method: 'POST',
      path: url.pathname || '/',
      headers: { ...headers, host: url.host, 'content-length': String(Buffer.byteLength(body)) },
      body,
    });
    const signed = await this.signer.sign(request);
    const { response } = await this.handler.handle(signed);
    const chunks = [];
    for await (const chunk of response.body) chunks.push(chunk);
    return {
      status: response.statusCode,
      headers: Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v])),
      text: Buffer.concat(chunks).toString('utf8'),
    };
  }

  destroy() {
    this.handler.destroy();
  }
}

/** Response metadata as the SDK reports it. */
export function metadata(res) {
  return {
    httpStatusCode: res.status,
    requestId: res.headers['x-amzn-requestid'] ?? res.headers['x-amz-request-id'],
    attempts: 1,
    totalRetryDelay: 0,
  };
}

/** An error response as the SDK throws it: named by the error code, with `$fault` and `$metadata`. */
export function serviceError(res, code, message, fields = {}) {
  const err = new Error(message || 'UnknownError');
  Object.assign(err, fields, {
    name: code || 'Unknown',
    $fault: res.status >= 500 ? 'server' : 'client',
    $metadata: metadata(res),
  });
  return err;
}

/** The error code of a JSON protocol error (header, then body), as the SDK reads it. */
export function jsonErrorCode(res, data) {
  let code = res.headers['x-amzn-errortype'] ?? data?.code ?? data?.__type;
  if (typeof code !== 'string') return undefined;
  if (code.includes(',')) code = code.split(',')[0];
  if (code.includes(':')) code = code.split(':')[0];
  if (code.includes('#')) code = code.split('#')[1];
  return code;
}

/** JSON for the AWS JSON protocols: timestamps as epoch seconds, bytes as base64. */
export function awsJson(value) {
  return JSON.stringify(value, function (key, v) {
    const raw = this[key];
    if (raw instanceof Date) return raw.getTime() / 1000;
    if (raw instanceof Uint8Array) return Buffer.from(raw).toString('base64');
    return v;
  });
}

/**
 * One AWS JSON protocol call (`X-Amz-Target: {prefix}.{operation}`); the parsed answer or a thrown error.
 * `opts.decode(text, data)` may rewrite a successful answer in place (DynamoDB's binary values).
 */
export async function jsonCall(caller, version, target, input, opts = {}) {
  const res = await caller.post(
    { 'content-type': `application/x-amz-json-${version}`, 'x-amz-target': target },
    awsJson(input),
  );
  let data = {};
  try {
    data = res.text ? JSON.parse(res.text) : {};
  } catch {
    if (res.status < 300) throw serviceError(res, 'SerializationException', 'response is not JSON');
  }
  if (res.status >= 300) {
    const { __type: _type, message, Message, ...fields } = data ?? {};
    throw serviceError(res, jsonErrorCode(res, data), message ?? Message, fields);
  }
  opts.decode?.(res.text, data);
  return { ...data, $metadata: metadata(res) };
}

/** A command as the SDK's: its input, sent by the client it is given to. */
export function command(operation) {
  return class {
    static operation = operation;
    constructor(input) {
      this.input = input;
    }
  };
}
