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

module.exports = [zodLocalesStub];
