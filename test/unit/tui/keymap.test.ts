import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {compileKeymap, defaultKeymap, helpRows, keyLabel, resolveKey, type Context} from '../../../src/tui/keymap.js';

const keymap = compileKeymap();

describe('keymap', () => {
	it('binds the htop/k9s letters in the table', () => {
		const table: Array<[string, string]> = [
			['j', 'down'],
			['down', 'down'],
			['k', 'up'],
			['up', 'up'],
			['g', 'top'],
			['G', 'bottom'],
			['pagedown', 'pageDown'],
			['pageup', 'pageUp'],
			['/', 'filter'],
			['tab', 'focus'],
			['enter', 'detail'],
			['escape', 'back'],
			['s', 'start'],
			['x', 'stop'],
			['r', 'restart'],
			['K', 'signal'],
			['p', 'pause'],
			['c', 'cancel'],
			['l', 'toggleLogs'],
			['z', 'zoom'],
			['P', 'sortCpu'],
			['M', 'sortMemory'],
			['N', 'sortName'],
			['?', 'help'],
			['q', 'quit'],
			['f10', 'quit'],
			['ctrl-c', 'quit'],
		];
		for (const [key, command] of table) {
			assert.equal(resolveKey(keymap, 'table', key), command, key);
		}
	});

	it('gives the same letter another meaning where the focus is: / and N in the log pane', () => {
		assert.equal(resolveKey(keymap, 'logs', '/'), 'search');
		assert.equal(resolveKey(keymap, 'logs', 'n'), 'next');
		assert.equal(resolveKey(keymap, 'logs', 'N'), 'previous');
		assert.equal(resolveKey(keymap, 'logs', 'f'), 'follow');
		assert.equal(resolveKey(keymap, 'logs', 'w'), 'wrap');
		assert.equal(resolveKey(keymap, 'table', 'f'), null);
		assert.equal(resolveKey(keymap, 'detail', 'enter'), 'back');
	});

	it('answers y/N prompts with y only; everything else there is no', () => {
		assert.equal(resolveKey(keymap, 'confirm', 'y'), 'yes');
		assert.equal(resolveKey(keymap, 'confirm', 'a'), 'all');
		for (const key of ['n', 'N', 'escape', 'enter', 'q']) {
			assert.equal(resolveKey(keymap, 'confirm', key), 'no', key);
		}

		assert.equal(resolveKey(keymap, 'confirm', 'r'), null);
		assert.equal(resolveKey(keymap, 'menu', 'enter'), 'choose');
		assert.equal(resolveKey(keymap, 'menu', 'escape'), 'no');
	});

	it('never puts a destructive action on a Ctrl chord (k9s#87, #1318)', () => {
		const destructive = new Set(['stop', 'restart', 'signal', 'cancel', 'pause']);
		for (const binding of defaultKeymap) {
			if (destructive.has(binding.command)) {
				assert.ok(binding.keys.every(key => !key.startsWith('ctrl-')), binding.command);
			}
		}
	});

	it('lists in help only the keys that work in the focused context', () => {
		const contexts: Context[] = ['table', 'logs', 'detail'];
		for (const context of contexts) {
			const rows = helpRows(keymap, context);
			assert.ok(rows.length > 5, context);
			assert.ok(rows.some(row => row.help.startsWith('quit')), context);
		}

		const logs = helpRows(keymap, 'logs').map(row => row.help);
		assert.ok(logs.includes('search the log'));
		assert.ok(!logs.includes('sort by CPU'));
		const table = helpRows(keymap, 'table').map(row => row.help);
		assert.ok(table.includes('sort by CPU'));
		assert.ok(!table.includes('search the log'));
		// N sorts by name in the table and is not listed as "previous match" there.
		assert.deepEqual(helpRows(keymap, 'table').find(row => row.help === 'sort by name'), {keys: 'N', help: 'sort by name'});
	});

	it('labels keys for people', () => {
		assert.equal(keyLabel('pagedown'), 'PgDn');
		assert.equal(keyLabel('ctrl-u'), '^U');
		assert.equal(keyLabel('f10'), 'F10');
		assert.equal(keyLabel('j'), 'j');
	});

	it('takes another keymap as data', () => {
		const custom = compileKeymap([{keys: ['Q'], command: 'quit', contexts: ['table'], help: 'quit'}]);
		assert.equal(resolveKey(custom, 'table', 'Q'), 'quit');
		assert.equal(resolveKey(custom, 'table', 'q'), null);
	});
});
