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

module.exports = [zodLocalesStub, envCredentialsOnly, unusedSdkModules];
