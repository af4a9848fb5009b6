/**
 * A task's output pipe as the addon reads it (native/pipe-reader.c), on a real FIFO: a writer of a
 * few bytes at a time is read as it writes; after a read of 16 KiB or more that emptied the pipe
 * (a fast writer), the pipe is left to fill for the reader's pause, and what came meanwhile comes
 * in one read; the end and an early stop close the descriptor.
 */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {closeSync, constants, fstatSync, mkdtempSync, openSync, rmSync, writeSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {tmAddon} from '../../src/core/native-addon.js';
import {PipeReader} from '../../src/core/process/pipe-reader.js';
import {waitFor} from '../helpers/wait.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tm-pipe-'));
after(() => rmSync(dir, {recursive: true, force: true}));

let fifos = 0;
/** A FIFO's two ends: the read end non-blocking (opened first, so the write end's open does not wait). */
function fifo(): {readFd: number; writeFd: number} {
	const file = path.join(dir, `p${fifos++}`);
	execFileSync('mkfifo', [file]);
	const readFd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
	return {readFd, writeFd: openSync(file, constants.O_WRONLY)};
}

/** Runs `steps` one per turn of the event loop (each after a poll phase that could read). */
function eachTurn(steps: Array<() => void>): void {
	const [first, ...rest] = steps;
	if (first !== undefined) {
		setImmediate(() => {
			first();
			eachTurn(rest);
		});
	}
}

const isClosed = (fd: number): boolean => {
	try {
		fstatSync(fd);
		return false;
	} catch {
		return true;
	}
};

describe('the pipe reader', {skip: tmAddon() === null ? "tm's addon is not built" : false}, () => {
	it('after a read of 16 KiB or more, leaves the pipe to fill for its pause: what came meanwhile is one read', async () => {
		const {readFd, writeFd} = fifo();
		// A long pause, so the three writes below (one per turn) land inside it on a loaded machine too.
		const reader = new PipeReader(readFd, 500);
		const sizes: number[] = [];
		const ended = new Promise<void>(resolve => {
			reader.read(
				chunk => {
					sizes.push(chunk.length);
					if (sizes.length === 1) {
						eachTurn([
							() => writeSync(writeFd, Buffer.alloc(8192, 'b')),
							() => writeSync(writeFd, Buffer.alloc(8192, 'c')),
							() => writeSync(writeFd, Buffer.alloc(8192, 'd')),
							() => closeSync(writeFd),
						]);
					}
				},
				resolve,
			);
		});
		writeSync(writeFd, Buffer.alloc(20 * 1024, 'a'));
		await ended;
		assert.deepEqual(sizes, [20 * 1024, 3 * 8192]);
		await waitFor(() => isClosed(readFd), closed => closed, {what: `fd ${readFd} closed at the end`, timeout: 5000});
	});

	it('reads a writer of a few bytes at a time as it writes, without a pause', async () => {
		const {readFd, writeFd} = fifo();
		const reader = new PipeReader(readFd, 60_000);
		const chunks: string[] = [];
		const ended = new Promise<void>(resolve => {
			reader.read(chunk => chunks.push(chunk.toString()), resolve);
		});
		const lines = ['one\n', 'two\n', 'three\n'];
		// Each write waits until the one before was read, so two never share a read.
		const writeNext = (): void => {
			const line = lines[chunks.length];
			if (line === undefined) {
				closeSync(writeFd);
				return;
			}

			writeSync(writeFd, line);
			void waitFor(() => chunks.length, count => count > lines.indexOf(line), {what: `${JSON.stringify(line)} read`, timeout: 5000}).then(writeNext);
		};

		writeNext();
		await ended;
		assert.deepEqual(chunks, lines);
	});

	it('stopped during a pause, closes the pipe and reads nothing more', async () => {
		const {readFd, writeFd} = fifo();
		const reader = new PipeReader(readFd, 60_000);
		const sizes: number[] = [];
		let ended = false;
		reader.read(
			chunk => sizes.push(chunk.length),
			() => (ended = true),
		);
		writeSync(writeFd, Buffer.alloc(20 * 1024, 'a'));
		await waitFor(() => sizes.length, count => count === 1, {what: 'the first read', timeout: 5000});
		writeSync(writeFd, Buffer.alloc(100, 'b'));
		reader.destroy();
		await waitFor(() => isClosed(readFd), closed => closed, {what: `fd ${readFd} closed by destroy`, timeout: 5000});
		closeSync(writeFd);
		assert.deepEqual(sizes, [20 * 1024]);
		assert.equal(ended, false, 'a destroyed reader does not call onClose');
	});
});
