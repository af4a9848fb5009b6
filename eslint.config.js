// Lint rules, including the layer rules of ARCHITECTURE.md: core never imports tui or commands
// (nor the store, except the two files of core/daemon that wire it in); tui never imports the store;
// commands reach the store only through the read-only module for offline history. Inside core,
// boundaries keep the pure core free of I/O and the client free of the daemon's internals.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Flat config replaces a rule's options block by block instead of merging them, so the layer
// rules between top-level folders use `no-restricted-imports` and the boundaries inside core use
// typescript-eslint's copy of it: a file in core gets both. The copy can also allow type-only
// imports, which carry no code.
const layer = (patterns) => ['error', {patterns}];
const boundary = (patterns) => ['error', {patterns}];

const source = ['src/**/*.ts', 'src/**/*.tsx', 'bin/**/*.ts'];
// The composition root's files that open the store and hand it to the engine.
const storeWiring = ['src/core/daemon/compose.ts', 'src/core/daemon/database.ts'];

// The pure core: functions of their arguments, tested as tables and on a manual clock.
const pureCore = [
	...['machine', 'model', 'backoff', 'durations', 'sizes', 'errors', 'ports', 'delays'],
	...['scheduler', 'admission', 'actions', 'dependencies', 'liveness', 'recovery', 'task-event', 'documents'],
];

const noClock = {
	'no-restricted-properties': ['error', {object: 'Date', property: 'now', message: 'time comes from the injected Clock (core/clock.ts).'}],
	'no-restricted-globals': [
		'error',
		{name: 'setTimeout', message: 'timers come from the injected Clock.'},
		{name: 'setInterval', message: 'timers come from the injected Clock.'},
	],
	'no-restricted-syntax': [
		'error',
		{selector: 'ImportDeclaration[source.value=/^(node:)?timers(\\/promises)?$/]', message: 'timers come from the injected Clock.'},
	],
};

export default tseslint.config(
	{ignores: ['dist/', 'node_modules/', 'coverage/']},
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		ignores: ['src/core/web/page/**'],
		languageOptions: {globals: {...globals.node}},
	},
	{
		rules: {
			'@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
			'@typescript-eslint/consistent-type-imports': 'error',
			'no-console': 'error',
		},
	},
	{
		// Type-aware rules on the shipped code only: tests and benchmarks would double the time
		// to build the program for little gain.
		files: source,
		languageOptions: {parserOptions: {project: './tsconfig.build.json', tsconfigRootDir: import.meta.dirname}},
		rules: {
			// Elsewhere a `default` decides for the rest (a key that does nothing in this mode).
			'@typescript-eslint/switch-exhaustiveness-check': ['error', {considerDefaultExhaustiveForUnions: true}],
			'@typescript-eslint/no-floating-promises': 'error',
		},
	},
	{
		// In the pure core a `default` does not count: a new state, event or cause must be
		// decided in every switch over it, not fall silently into "nothing happens".
		files: pureCore.map(name => `src/core/${name}.ts`),
		rules: {'@typescript-eslint/switch-exhaustiveness-check': ['error', {considerDefaultExhaustiveForUnions: false}]},
	},
	{
		// Files count every line, as `wc -l` and the size figures of the notes do. Functions
		// count code only: a blank line between steps or a comment saying why never pushes one
		// over.
		files: source,
		rules: {
			'max-lines': ['error', {max: 400}],
			'max-lines-per-function': ['error', {max: 80, skipBlankLines: true, skipComments: true}],
		},
	},
	{
		// `transition` is the whole state × event table in one pure function: split across
		// files or helpers, a reader could no longer see every answer to an event in one place,
		// and the table test that covers it reads it that way.
		files: ['src/core/machine.ts'],
		rules: {'max-lines': 'off', 'max-lines-per-function': 'off'},
	},
	{
		files: ['src/core/**/*.ts'],
		ignores: storeWiring,
		rules: {
			'no-restricted-imports': layer([
				{group: ['**/tui/**', '**/commands/**', 'ink', 'react'], message: 'core never imports the UI or the commands.'},
				{group: ['**/store/**', 'better-sqlite3'], message: 'only core/daemon/compose.ts and database.ts wire the store in.'},
			]),
		},
	},
	{
		files: storeWiring,
		rules: {
			'no-restricted-imports': layer([{group: ['**/tui/**', '**/commands/**'], message: 'core never imports the UI or the commands.'}]),
		},
	},
	{
		files: pureCore.map(name => `src/core/${name}.ts`),
		rules: {
			'@typescript-eslint/no-restricted-imports': boundary([
				{
					regex: `^(?!\\./(${pureCore.join('|')})\\.js$)`,
					allowTypeImports: true,
					message: 'the pure core imports only the pure core (types from anywhere): no I/O, no timers, no daemon.',
				},
			]),
		},
	},
	{
		files: ['src/core/client/**/*.ts'],
		rules: {
			'@typescript-eslint/no-restricted-imports': boundary([
				{
					group: ['**/engine.js', '**/supervisor.js', '**/control/**', '**/store/**', 'better-sqlite3', '**/web/**', '**/daemon/**'],
					message: 'clients link core/client: it speaks the protocol and never imports the daemon\'s insides.',
				},
			]),
		},
	},
	{
		files: ['src/core/ipc/**/*.ts'],
		rules: {
			'@typescript-eslint/no-restricted-imports': boundary([
				{
					group: ['**/engine.js', '**/supervisor.js', '**/control/**', '**/daemon/**'],
					message: 'the protocol knows methods and frames, not who answers them.',
				},
			]),
		},
	},
	{
		files: ['src/core/**/*.ts'],
		ignores: ['src/core/clock.ts'],
		rules: noClock,
	},
	{
		// The dashboard waits on an injected clock too, so its tests wait for facts, not ticks.
		// `new Date(iso)` to format a time is fine; reading the time is not.
		files: ['src/tui/**/*.ts', 'src/tui/**/*.tsx'],
		ignores: ['src/tui/clock.ts'],
		rules: noClock,
	},
	{
		files: ['src/tui/**/*.ts', 'src/tui/**/*.tsx'],
		rules: {
			'no-restricted-imports': layer([
				{group: ['**/store/**', 'better-sqlite3'], message: 'the dashboard is a socket client; it never opens the store.'},
				{group: ['**/commands/**', '**/core/process/**'], message: 'the dashboard talks to the daemon through the client only.'},
			]),
		},
	},
	{
		files: ['src/commands/**/*.ts'],
		rules: {
			'no-restricted-imports': layer([
				{
					group: ['**/store/**', '!**/store/readonly.js', '!**/store/recover.js', 'better-sqlite3'],
					message: 'commands reach the store only through store/readonly.ts (and `tm db recover` through store/recover.ts).',
				},
				{group: ['**/tui/**', '!**/tui/run-dashboard.js'], message: 'commands start the dashboard only through tui/run-dashboard.ts.'},
				{group: ['**/core/process/**', '**/core/supervisor.js'], message: 'commands never spawn tasks; they ask the daemon.'},
			]),
		},
	},
	{
		files: ['src/store/**/*.ts'],
		rules: {
			'no-restricted-imports': layer([{group: ['**/tui/**', '**/commands/**'], message: 'the store knows nothing of the UI or the commands.'}]),
		},
	},
	{
		// The web page's scripts run in the browser, loaded by a plain <script> tag; tsc checks
		// them against the wire types (src/core/web/page/tsconfig.json).
		files: ['src/core/web/page/**/*.js'],
		languageOptions: {sourceType: 'script', globals: {...globals.browser}},
	},
	{
		files: ['test/unit/**/*.{ts,tsx,js,mjs,cjs}', 'test/integration/**/*.{ts,tsx,js,mjs,cjs}'],
		ignores: ['**/*.test.ts', '**/*.test.tsx'],
		rules: {'no-restricted-syntax': ['error', {selector: 'Program', message: 'test helpers live in test/helpers/; only tests live here.'}]},
	},
);
