/**
 * patches/ink+6.8.0.patch (applied by `npm ci`): every Ink frame shares one set of text caches, so
 * a line on screen is tokenized and measured once rather than at every frame, and the set is
 * emptied past its bound so a streaming log cannot grow it without end; the caches of measured and
 * wrapped texts are bounded too (Ink kept every text a log pane ever showed).
 */
import assert from 'node:assert/strict';
import {createRequire} from 'node:module';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {describe, it} from 'node:test';

type Caches = {styledChars: Map<string, unknown>; getStyledChars(line: string): unknown; getStringWidth(text: string): number};
type OutputModule = {default: new (options: {width: number; height: number}) => {caches: Caches; write(x: number, y: number, text: string, options: {transformers: unknown[]}): void; get(): {output: string}}; maxCachedEntries: number};

// Ink's package exports only its entry; the patched file is loaded by path.
const inkEntry = createRequire(import.meta.url).resolve('ink');
const inkFile = (name: string): string => pathToFileURL(path.join(path.dirname(inkEntry), name)).href;
const outputFile = inkFile('output.js');
type TextCache = {maxCachedTexts: number; default: (...args: never[]) => unknown};

describe('Ink output caches (patched)', () => {
	it('one set serves every frame: a line drawn again is not tokenized again', async () => {
		const {default: Output} = (await import(outputFile)) as OutputModule;
		const first = new Output({width: 20, height: 2});
		first.write(0, 0, 'same line', {transformers: []});
		assert.equal(first.get().output.split('\n')[0], 'same line');
		const styled = first.caches.getStyledChars('same line');
		const second = new Output({width: 20, height: 2});
		assert.equal(second.caches, first.caches);
		assert.equal(second.caches.getStyledChars('same line'), styled);
	});

	it('is emptied once it holds more than its bound', async () => {
		const {default: Output, maxCachedEntries} = (await import(outputFile)) as OutputModule;
		assert.equal(typeof maxCachedEntries, 'number');
		const caches = new Output({width: 10, height: 1}).caches;
		for (let i = 0; caches.styledChars.size <= maxCachedEntries; i++) {
			caches.getStyledChars(`line ${i}`);
		}

		assert.equal(new Output({width: 10, height: 1}).caches.styledChars.size, 0);
	});

	it('keeps at most its bound of measured and of wrapped texts', async () => {
		const measure = (await import(inkFile('measure-text.js'))) as TextCache & {measuredTexts: Map<string, unknown>; default: (text: string) => {width: number; height: number}};
		const wrap = (await import(inkFile('wrap-text.js'))) as TextCache & {wrappedTexts: Map<string, string>; default: (text: string, width: number, how: string) => string};
		assert.deepEqual(measure.default('a log line'), {width: 10, height: 1});
		assert.equal(wrap.default('a log line', 5, 'truncate'), 'a lo…');
		for (let i = 0; i <= measure.maxCachedTexts + 10; i++) {
			measure.default(`line ${i}`);
			wrap.default(`line ${i} that is long`, 8, 'truncate');
		}

		assert.ok(measure.measuredTexts.size > 0 && measure.measuredTexts.size <= measure.maxCachedTexts, `${measure.measuredTexts.size} measured texts kept`);
		assert.ok(wrap.wrappedTexts.size > 0 && wrap.wrappedTexts.size <= wrap.maxCachedTexts, `${wrap.wrappedTexts.size} wrapped texts kept`);
	});

	it('a row made of the last frame\'s cells is reused, and a row that changed is drawn anew', async () => {
		const {default: Output} = (await import(outputFile)) as OutputModule;
		const frame = (rows: string[]): string => {
			const output = new Output({width: 12, height: rows.length});
			for (const [y, row] of rows.entries()) {
				output.write(0, y, row, {transformers: []});
			}

			return output.get().output;
		};

		const red = '\u001B[31mred\u001B[39m';
		assert.equal(frame(['same', `${red} row`, 'abc']), `same\n${red} row\nabc`);
		assert.equal(frame(['same', `${red} row`, 'abd']), `same\n${red} row\nabd`);
		assert.equal(frame(['same', 'plain row', 'abd']), 'same\nplain row\nabd');
		assert.equal(frame(['same', 'plain', 'abd']), 'same\nplain\nabd', 'a shorter text in a row: the old tail is gone');
		assert.equal(frame(['', 'plain']), '\nplain');
	});
});
