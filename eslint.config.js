// @ts-check
import tseslint from 'typescript-eslint';

const noProcess = {
  'no-restricted-globals': [
    'error',
    { name: 'process', message: 'Only bin/ and src/platform/ touch the process.' },
    { name: 'console', message: 'Write through the CliContext (stdout/stderr), never console.' },
  ],
  'no-restricted-imports': [
    'error',
    {
      paths: [
        { name: 'node:process', message: 'Only bin/ and src/platform/ touch the process.' },
        { name: 'process', message: 'Only bin/ and src/platform/ touch the process.' },
      ],
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'bin/**',
      'eslint.config.js',
      'test/support/bin/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        // The build script is plain JavaScript outside the TypeScript project.
        projectService: { allowDefaultProject: ['scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use an `as const` object, not enum.' },
        { selector: 'TSModuleDeclaration[kind="namespace"]', message: 'No namespaces.' },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/platform/**', 'src/cli/**'],
    rules: {
      ...noProcess,
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...noProcess['no-restricted-imports'][1].paths,
            { name: 'commander', message: 'The core never imports commander.' },
            { name: 'ora', message: 'Spinners belong to src/cli.' },
            { name: 'cli-table3', message: 'Tables belong to src/cli.' },
          ],
          patterns: [
            { group: ['**/cli/**', '../cli', './cli'], message: 'The core never imports src/cli.' },
            { group: ['**/commands/**'], message: 'The core never imports commands/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: {
      ...noProcess,
      'no-restricted-imports': [
        'error',
        {
          paths: noProcess['no-restricted-imports'][1].paths,
          patterns: [{ group: ['**/commands/**'], message: 'src/cli never imports commands/.' }],
        },
      ],
    },
  },
  { files: ['commands/**/*.ts'], rules: noProcess },
);
