import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {parseKeys} from '../../../src/tui/keys.js';

const names = (chunk: string): string[] => parseKeys(chunk).map(key => key.name);

describe('parseKeys', () => {
	it('names printable keys by themselves, several per read', () => {
		assert.deepEqual(names('jjk'), ['j', 'j', 'k']);
		assert.deepEqual(names('G/?'), ['G', '/', '?']);
		assert.deepEqual(parseKeys('a b'), [
			{name: 'a', text: 'a'},
			{name: 'space', text: ' '},
			{name: 'b', text: 'b'},
		]);
		assert.deepEqual(names('é😀'), ['é', '😀']);
	});

	it('names arrows, paging, home/end in both cursor modes', () => {
		assert.deepEqual(names('\u001B[A\u001B[B\u001B[C\u001B[D'), ['up', 'down', 'right', 'left']);
		assert.deepEqual(names('\u001BOA\u001BOB'), ['up', 'down']);
		assert.deepEqual(names('\u001B[5~\u001B[6~'), ['pageup', 'pagedown']);
		assert.deepEqual(names('\u001B[H\u001B[F\u001B[1~\u001B[4~\u001BOH\u001BOF'), ['home', 'end', 'home', 'end', 'home', 'end']);
	});

	it('tells F-keys apart (xterm, vt and linux console forms), which Ink 6 cannot', () => {
		assert.deepEqual(names('\u001BOP\u001BOQ\u001BOR\u001BOS'), ['f1', 'f2', 'f3', 'f4']);
		assert.deepEqual(names('\u001B[15~\u001B[17~\u001B[20~\u001B[21~\u001B[24~'), ['f5', 'f6', 'f9', 'f10', 'f12']);
		assert.deepEqual(names('\u001B[[A\u001B[[E'), ['f1', 'f5']);
	});

	it('names Enter, Tab, Shift-Tab, Backspace, Delete, Escape and Ctrl chords', () => {
		assert.deepEqual(names('\r\n\t\u001B[Z'), ['enter', 'enter', 'tab', 'shift-tab']);
		assert.deepEqual(names('\u007F\b\u001B[3~'), ['backspace', 'backspace', 'delete']);
		assert.deepEqual(names('\u001B'), ['escape']);
		assert.deepEqual(names('\u0003\u0015\u0004'), ['ctrl-c', 'ctrl-u', 'ctrl-d']);
		assert.deepEqual(names('\u001B[1;5A\u001B[1;2B'), ['ctrl-up', 'shift-down']);
	});

	it('reads Escape followed by a letter as two keys, and drops mouse reports and cut sequences', () => {
		assert.deepEqual(names('\u001Bj'), ['escape', 'j']);
		assert.deepEqual(names('\u001B[<64;10;5Mj'), ['j']);
		assert.deepEqual(names('j\u001B[1;'), ['j']);
		assert.deepEqual(names('\u001B[99~x'), ['x']);
	});

	it('gives text only for keys that type something', () => {
		assert.deepEqual(
			parseKeys('a\r\u001B[A').map(key => key.text),
			['a', '', ''],
		);
	});
});
