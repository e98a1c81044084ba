// `npm run lint`: what the compiler does not catch. Formatting is prettier's (`npm run fmt`), not a lint rule.
import { dirname, relative, resolve } from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The import map (README, "Layout"): every layer, by folder, and the layers it may import. Imports point
 * down: the model at the bottom, the commands and the tests on top. The first folder that matches names
 * a file's layer; a file may always import its own layer.
 */
const LAYERS = [
  ['model', 'lab/', []],
  ['renderers', 'templates/', ['model']],
  ['bindings', '.gen/', []],
  ['stacks', 'stacks/', ['model', 'renderers', 'bindings']],
  ['stand-ins', 'standins/', ['model', 'renderers']],
  ['shared', 'scripts/lib/', ['model', 'renderers']],
  ['hosts', 'scripts/hosts/', ['model', 'renderers', 'shared']],
  ['verify', 'scripts/verify/', ['model', 'renderers', 'shared', 'hosts']],
  ['report', 'scripts/report/', ['model', 'stand-ins', 'verify']],
  ['compare', 'scripts/compare/', ['model', 'renderers', 'stand-ins', 'shared', 'hosts', 'verify', 'report']],
  [
    'target kinds',
    'scripts/targets/',
    ['model', 'renderers', 'stacks', 'stand-ins', 'shared', 'hosts', 'verify', 'report', 'compare'],
  ],
  [
    'commands',
    'scripts/',
    ['model', 'renderers', 'stand-ins', 'shared', 'verify', 'report', 'compare', 'target kinds'],
  ],
  // A fake answers as upstream does: it never imports the production logic it stands in front of.
  ['fakes', 'test/fakes/', ['model', 'renderers', 'stacks', 'shared', 'hosts']],
  ['tests', 'test/', ['*']],
  ['benches', 'bench/', ['*']],
];
const ROOT = import.meta.dirname;
const TESTS = LAYERS.find(([name]) => name === 'tests');
const layerOf = (file) => {
  const rel = relative(ROOT, file).split('\\').join('/');
  return rel.endsWith('.test.ts') ? TESTS : LAYERS.find(([, folder]) => rel.startsWith(folder));
};
const importMap = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const from = layerOf(context.filename);
    const check = (node) => {
      const source = node.source?.value;
      if (!from || typeof source !== 'string' || !source.startsWith('.')) return;
      const to = layerOf(resolve(dirname(context.filename), source));
      if (!to || to === from || from[2].includes('*') || from[2].includes(to[0])) return;
      context.report({
        node: node.source,
        message: `${from[0]} (${from[1]}) may not import ${to[0]} (${to[1]}): imports point down (eslint.config.js LAYERS)`,
      });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default tseslint.config(
  { ignores: ['node_modules/', '.gen/', 'cdktf.out/', '.lab/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      // Expected output is matched as it is printed, indentation included.
      'no-regex-spaces': 'off',
    },
  },
  {
    plugins: { lab: { rules: { 'import-map': importMap } } },
    rules: { 'lab/import-map': 'error' },
  },
  {
    // Tests and stand-ins read documents in upstream's loose shapes (synthesized Terraform JSON, rendered
    // Kubernetes manifests); everywhere else a value has a declared type.
    files: ['test/**', 'standins/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
