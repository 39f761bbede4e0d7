// Two rules of the house. Floors: a module imports only from its own floor and the floors below it
// (src/ → activities/ → workflows/ → app/ → stack/, bench/ → test/); docs/architecture.md draws them.
// Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O libraries,
// and nothing from the modules that do I/O. Activities are imported as types only.
import tseslint from 'typescript-eslint';

/** The folders above each floor: importing from any of them points up. */
const above = {
  src: ['activities', 'workflows', 'app', 'stack', 'bench', 'test'],
  activities: ['workflows', 'app', 'stack', 'bench', 'test'],
  workflows: ['app', 'stack', 'bench', 'test'],
  app: ['stack', 'bench', 'test'],
  stack: ['bench', 'test'],
  bench: ['test'],
};
const upward = (floor) => ({
  group: above[floor].flatMap((f) => [`**/${f}`, `**/${f}/**`]),
  message: `Floors: ${floor}/ must not import from ${above[floor].join('/, ')}/ (docs/architecture.md). Move the shared piece down.`,
});
const floorRule = (floor, extra = { paths: [], patterns: [] }) => ({
  files: [`${floor}/**/*.ts`],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths: extra.paths,
        patterns: [upward(floor), ...extra.patterns],
      },
    ],
  },
});

const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'worker_threads',
  'zlib',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.stack/**', 'lib/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  ...['src', 'activities', 'app', 'stack', 'bench'].map((floor) => floorRule(floor)),
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'Workflow code must be deterministic: no Node built-ins.',
            })),
            ...nodeBuiltins.map((name) => ({
              name: `node:${name}`,
              message: 'Workflow code must be deterministic: no Node built-ins.',
            })),
            { name: 'kafkajs', message: 'Kafka I/O belongs in activities/.', allowTypeImports: true },
            { name: '@alicloud/pop-core', message: 'Cloud I/O belongs in activities/.', allowTypeImports: true },
            { name: '@temporalio/client', message: 'Workflows use @temporalio/workflow only.' },
            { name: '@temporalio/worker', message: 'Workflows use @temporalio/workflow only.' },
          ],
          patterns: [
            upward('workflows'),
            {
              // The plan store and the failover/failback services read and write the clusters (src/plan's other files are pure).
              group: [
                '**/src/cloud/**',
                '**/src/kafka/**',
                '**/src/connectors/**',
                '**/src/plan/store',
                '**/src/failover/**',
                '**/src/failback/**',
                '**/activities/**',
                '**/stack/**',
              ],
              message: 'Only types may be imported from I/O modules into workflows (use `import type`).',
              allowTypeImports: true,
            },
          ],
        },
      ],
      // One list of failure types (src/errors.ts FAILURE_TYPES): workflows raise them through stepFailure(type, message).
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='ApplicationFailure'][callee.property.name='nonRetryable']",
          message:
            'Use stepFailure(type, message) from workflows/runner: its type must be one of FAILURE_TYPES (src/errors.ts).',
        },
      ],
    },
  },
  {
    files: ['workflows/runner/failures.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
