// `npm run lint`: what the compiler does not catch. Formatting is prettier's (`npm run fmt`), not a lint rule.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    // The layers (README, "Layout"): the model and the stacks are loaded and run by the commands, never the
    // other way round.
    files: ['lab/**', 'stacks/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/scripts/**'], message: 'lab/ and stacks/ do not import the commands (scripts/)' }] },
      ],
    },
  },
  {
    // Tests and stand-ins read documents in upstream's loose shapes (synthesized Terraform JSON, rendered
    // Kubernetes manifests); everywhere else a value has a declared type.
    files: ['test/**', 'standins/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
