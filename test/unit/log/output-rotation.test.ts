/**
 * tmd.out rotated in place: copy and truncate, the descriptor the daemon writes through stays.
 */
import assert from 'node:assert/strict';
import {closeSync, existsSync, openSync, readFileSync, writeFileSync, writeSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {OutputRotation} from '../../../src/core/log/output-rotation.js';
import {tempDir} from '../../helpers/harness.js';

describe('OutputRotation', () => {
	it('copies the file to .1 (older ones shift, the oldest goes) and truncates it under the same descriptor', () => {
		const dir = tempDir();
		const file = path.join(dir, 'tmd.out');
		writeFileSync(file, '');
		const fd = openSync(file, 'a');
		const rotation = OutputRotation.of(file, fd, {maxSize: 100, backups: 2});
		assert.ok(rotation);
		const write = (text: string): void => {
			writeSync(fd, text);
			assert.equal(rotation.wrote(Buffer.byteLength(text)), null);
		};

		for (let i = 0; i < 10; i++) {
			write(`${String(i).repeat(39)}\n`);
		}

		closeSync(fd);
		// 40 bytes a line, rotated past 100 bytes: 3 lines a file; 2 old files kept.
		assert.equal(readFileSync(file, 'utf8'), `${'9'.repeat(39)}\n`);
		assert.equal(readFileSync(`${file}.1`, 'utf8'), ['6', '7', '8'].map(d => `${d.repeat(39)}\n`).join(''));
		assert.equal(readFileSync(`${file}.2`, 'utf8'), ['3', '4', '5'].map(d => `${d.repeat(39)}\n`).join(''));
		assert.equal(existsSync(`${file}.3`), false);
	});

	it('counts what others wrote to the file, and refuses a descriptor that is not that file', () => {
		const dir = tempDir();
		const file = path.join(dir, 'tmd.out');
		writeFileSync(file, 'x'.repeat(90));
		const other = path.join(dir, 'other');
		writeFileSync(other, '');
		const otherFd = openSync(other, 'a');
		assert.equal(OutputRotation.of(file, otherFd, {maxSize: 100, backups: 1}), null);
		closeSync(otherFd);

		const fd = openSync(file, 'a');
		const rotation = OutputRotation.of(file, fd, {maxSize: 100, backups: 1});
		// A stack trace Node printed: not counted by tm, found once tm's count passes the size.
		writeSync(fd, 'y'.repeat(20));
		writeSync(fd, 'z\n');
		assert.equal(rotation?.wrote(2), null);
		assert.equal(readFileSync(file, 'utf8').length, 112, 'tm counted 92 bytes: no look at the file yet');
		writeSync(fd, 'w'.repeat(9));
		assert.equal(rotation?.wrote(9), null);
		closeSync(fd);
		assert.equal(readFileSync(file, 'utf8'), '');
		assert.equal(readFileSync(`${file}.1`, 'utf8'), `${'x'.repeat(90)}${'y'.repeat(20)}z\n${'w'.repeat(9)}`);
	});
});
