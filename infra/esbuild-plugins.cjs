// esbuild plugins for the Lambda bundles (serverless.yml: custom.esbuild.plugins).
//
// zod 4's `z` namespace re-exports every locale (~250 KB minified) and esbuild cannot drop members of a
// namespace object. iamwatch never calls `z.locales.*`; error messages use the English locale, which
// zod's classic entry imports directly (`config(en())`), not through locales/index.js.
const zodLocalesStub = {
  name: 'iamwatch-zod-locales-stub',
  setup(build) {
    build.onResolve({ filter: /locales[\\/]index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'iamwatch-stub' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'iamwatch-stub' }, () => ({
      contents: 'export {};',
      loader: 'js',
    }));
  },
};

// The AWS SDK is bundled (tree-shaken clients load faster than the runtime's copy: docs/deploy.md
// "Cold start"). Its default credential chain (SSO, STS web identity, INI files, IMDS, the login flow with
// its nested STS/SSO clients and a browser user-agent parser) is ~130 KB of the bundle; a Lambda function
// only ever takes its role's credentials from the environment the runtime sets, so the chain is replaced by
// the environment provider alone. A missing credential fails the call with the SDK's own error.
const envCredentialsOnly = {
  name: 'iamwatch-env-credentials-only',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
      path: 'env-credentials',
      namespace: 'iamwatch-credentials',
    }));
    build.onLoad({ filter: /.*/, namespace: 'iamwatch-credentials' }, () => ({
      contents:
        "import { fromEnv } from '@aws-sdk/credential-provider-env';\n" +
        'export const defaultProvider = (init = {}) => fromEnv(init);\n',
      loader: 'js',
      resolveDir: __dirname,
    }));
  },
};

// `bowser` parses a browser's user agent (the SDK's browser build loads it; Node never does): dropped for
// size. Loading it throws instead.
const unusedSdkModules = {
  name: 'iamwatch-unused-sdk-modules',
  setup(build) {
    build.onResolve({ filter: /^bowser$/ }, (args) => ({
      path: args.path,
      namespace: 'iamwatch-unused',
    }));
    build.onLoad({ filter: /.*/, namespace: 'iamwatch-unused' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not part of the iamwatch Lambda bundles`)});`,
      loader: 'js',
    }));
  },
};

// Each SDK client imports its whole package.json (~2.4 KB minified each) for one field: the version in the
// user agent. Only `version` is kept.
const sdkPackageVersionOnly = {
  name: 'iamwatch-sdk-package-version-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/][^\\/]+[\\/]package\.json$/ }, async (args) => {
      const { version } = JSON.parse(await require('node:fs/promises').readFile(args.path, 'utf8'));
      return { contents: JSON.stringify({ version }), loader: 'json' };
    });
  },
};

// Event streams (Transcribe, Bedrock, S3 Select…) are loaded by the SDK's protocols with a dynamic import
// when an operation has an event-stream member; no operation of DynamoDB, SNS, SQS, EventBridge, S3, SSM
// or Secrets Manager has one. The ~14 KB chunk is replaced by a module that throws if ever loaded.
const noEventStreams = {
  name: 'iamwatch-no-event-streams',
  setup(build) {
    build.onResolve({ filter: /^@smithy\/core\/event-streams$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: args.path, namespace: 'iamwatch-unused' } : undefined,
    );
  },
};

// DynamoDB's endpoint-discovery cache (built with every client, used only when endpoint discovery is on,
// which iamwatch never turns on) takes mnemonist's LRU cache (~7 KB with its helpers). The same bounded
// cache over a Map: get/set/has/peek/clear, least recently used evicted first.
const smallLruCache = {
  name: 'iamwatch-small-lru-cache',
  setup(build) {
    build.onResolve({ filter: /^mnemonist\/lru-cache(\.js)?$/ }, () => ({
      path: 'lru-cache',
      namespace: 'iamwatch-lru',
    }));
    build.onLoad({ filter: /.*/, namespace: 'iamwatch-lru' }, () => ({
      contents: `export default class LRUCache {
  constructor(capacity) { this.capacity = capacity; this.items = new Map(); }
  get(key) {
    if (!this.items.has(key)) return undefined;
    const value = this.items.get(key);
    this.items.delete(key);
    this.items.set(key, value);
    return value;
  }
  peek(key) { return this.items.get(key); }
  has(key) { return this.items.has(key); }
  set(key, value) {
    this.items.delete(key);
    this.items.set(key, value);
    if (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value);
    return this;
  }
  clear() { this.items.clear(); }
  get size() { return this.items.size; }
}
`,
      loader: 'js',
    }));
  },
};

// Each client registers every modelled error of its service (~60 KB of classes and schemas for four
// clients) so that an error response becomes an instance of its own class. iamwatch tells errors apart by
// `name` (shared/adapters/dynamodb/client.ts, shared/adapters/delivery-retry.ts), never by class, and an
// unregistered error still arrives with its service's name: the protocol throws the service's base
// exception (DynamoDBServiceException, …) with `name` set to the error code, the `$fault` of its HTTP
// status, the message and the response's fields. So only the base exception stays registered.
const baseExceptionsOnly = {
  name: 'iamwatch-base-exceptions-only',
  setup(build) {
    build.onLoad(
      { filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_0\.js$/ },
      async (args) => {
        const source = await require('node:fs/promises').readFile(args.path, 'utf8');
        // The schemas' traits are objects with computed keys (`{ [_xN]: _AWSAIc }`) over the file's string
        // constants; esbuild cannot prove a computed key pure, so it keeps every schema of the service, used
        // or not. Written as the literal keys they are, the unused schemas are tree-shaken.
        const strings = new Map();
        for (const m of source.matchAll(/^const (_\w+) = ("[^"\\]*");$/gm)) strings.set(m[1], m[2]);
        const contents = source
          .replace(/^\w+_registry\.registerError\((\w+)\$, \1\);$/gm, (line, name) =>
            name.endsWith('ServiceException') ? line : '',
          )
          .replace(/\[(_\w+)\]:/g, (key, name) => (strings.has(name) ? `${strings.get(name)}:` : key));
        return { contents, loader: 'js' };
      },
    );
  },
};

// SNS, SQS and EventBridge: the functions publish alerts and park dead letters (Publish, PutEvents,
// SendMessage); the full clients with their Query/JSON protocols and error models are ~45 KB of the
// bundle for three calls. infra/lambda-clients/ signs and sends those calls with the SDK's own signer and
// HTTP handler (already in the bundle for DynamoDB). The CLI and the tests from source keep the SDK clients.
const smallDeliveryClients = {
  name: 'iamwatch-small-delivery-clients',
  setup(build) {
    const dir = require('node:path').join(__dirname, 'lambda-clients');
    build.onResolve({ filter: /^@aws-sdk\/client-(sns|sqs|eventbridge)$/ }, (args) => ({
      path: require('node:path').join(dir, `${args.path.slice('@aws-sdk/client-'.length)}.mjs`),
    }));
    // lib-dynamodb's aggregated client keeps every DynamoDB command alive: the same marshalling over the
    // seven commands the adapters send (infra/lambda-clients/lib-dynamodb.mjs).
    build.onResolve({ filter: /^@aws-sdk\/lib-dynamodb$/ }, () => ({
      path: require('node:path').join(dir, 'lib-dynamodb.mjs'),
    }));
    // DynamoDB itself: the SDK client's protocol parser and middleware stack cost the first event more CPU
    // than the JSON they read, and ~130 KB of bundle (infra/lambda-clients/client-dynamodb.mjs, issue 14).
    build.onResolve({ filter: /^@aws-sdk\/client-dynamodb$/ }, () => ({
      path: require('node:path').join(dir, 'client-dynamodb.mjs'),
    }));
  },
};

// Code of the SDK that never runs in a Lambda function: the pure-JavaScript SHA-256 (used only where
// node:crypto is missing), the instance-metadata region lookup (Lambda always sets AWS_REGION), and the
// rate limiter of the adaptive retry mode (the clients make one attempt; the adapters retry). Each is
// replaced by a module that fails loudly if it is ever used.
const lambdaDeadSdkCode = {
  name: 'iamwatch-lambda-dead-sdk-code',
  setup(build) {
    const replaced = {
      Sha256Js:
        'export class Sha256Js { constructor() { throw new Error("Sha256Js: node:crypto is required"); } }',
      getInstanceMetadataRegion: 'export const getInstanceMetadataRegion = async () => undefined;',
      DefaultRateLimiter:
        'export class DefaultRateLimiter { constructor() { throw new Error("AWS_RETRY_MODE=adaptive is not supported by the iamwatch Lambda bundles"); } }',
    };
    build.onResolve({ filter: /\/(Sha256Js|getInstanceMetadataRegion|DefaultRateLimiter)$/ }, (args) =>
      /[\\/]@smithy[\\/]core[\\/]/.test(args.importer)
        ? { path: args.path.split('/').pop(), namespace: 'iamwatch-dead-sdk-code' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'iamwatch-dead-sdk-code' }, (args) => ({
      contents: replaced[args.path],
      loader: 'js',
    }));
  },
};

module.exports = [
  smallDeliveryClients,
  lambdaDeadSdkCode,
  baseExceptionsOnly,
  zodLocalesStub,
  envCredentialsOnly,
  unusedSdkModules,
  sdkPackageVersionOnly,
  noEventStreams,
  smallLruCache,
];
