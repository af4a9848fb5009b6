// Lint rules, including the layer rules of ARCHITECTURE.md: core never imports tui or commands
// (nor the store, except its composition root daemon.ts); tui never imports the store; commands
// reach the store only through the read-only module for offline history.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const layer = (patterns) => ['error', {patterns}];

export default tseslint.config(
	{ignores: ['dist/', 'node_modules/', 'coverage/']},
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		languageOptions: {globals: {...globals.node}},
		rules: {
			'@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
			'@typescript-eslint/consistent-type-imports': 'error',
			'no-console': 'error',
		},
	},
	{
		files: ['src/core/**/*.ts'],
		ignores: ['src/core/daemon.ts'],
		rules: {
			'no-restricted-imports': layer([
				{group: ['**/tui/**', '**/commands/**', 'ink', 'react'], message: 'core never imports the UI or the commands.'},
				{group: ['**/store/**', 'better-sqlite3'], message: 'only core/daemon.ts wires the store in.'},
			]),
		},
	},
	{
		files: ['src/core/daemon.ts'],
		rules: {
			'no-restricted-imports': layer([{group: ['**/tui/**', '**/commands/**'], message: 'core never imports the UI or the commands.'}]),
		},
	},
	{
		files: ['src/core/**/*.ts'],
		ignores: ['src/core/clock.ts'],
		rules: {
			'no-restricted-properties': ['error', {object: 'Date', property: 'now', message: 'time comes from the injected Clock (core/clock.ts).'}],
			'no-restricted-globals': ['error', {name: 'setTimeout', message: 'timers come from the injected Clock.'}, {name: 'setInterval', message: 'timers come from the injected Clock.'}],
		},
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
				{group: ['**/store/**', '!**/store/readonly.js', 'better-sqlite3'], message: 'commands reach the store only through store/readonly.ts.'},
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
);
