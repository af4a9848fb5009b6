/**
 * `tm heartbeat/progress/ready/checkpoint`: the lines they send, their checks, and the notify fd
 * inside a task (a real FIFO standing in for the daemon's pipe).
 */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {closeSync, constants, openSync, readSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {checkpointLine, progressLine, runNotify, writeNotifyFd} from '../../../src/commands/notify.js';
import type {Deps} from '../../../src/commands/deps.js';
import {TmError} from '../../../src/core/errors.js';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';

const opened: number[] = [];
after(() => opened.forEach(fd => closeSync(fd)));

/** A FIFO opened read-write: what is written to it can be read back from the same fd. */
function fifo(): number {
	const file = path.join(tempDir(), 'notify');
	execFileSync('mkfifo', [file]);
	const fd = openSync(file, constants.O_RDWR);
	opened.push(fd);
	return fd;
}

function readBack(fd: number): string {
	const buffer = Buffer.alloc(256 * 1024);
	return buffer.subarray(0, readSync(fd, buffer)).toString();
}

function usageError(work: () => unknown, pattern: RegExp): void {
	assert.throws(work, (error: unknown) => error instanceof TmError && error.code === 'E_USAGE' && pattern.test(error.message));
}

function deps(env: Record<string, string>): {deps: Deps; out: () => string; err: () => string} {
	let out = '';
	let err = '';
	return {
		deps: {io: {out: t => (out += t), err: t => (err += t), isTTY: false}, env, cwd: '/', onSignal: () => () => {}, self: {command: 'tm', args: []}},
		out: () => out,
		err: () => err,
	};
}

describe('notify lines', () => {
	it('progress takes 0 to 100 and one line of text', () => {
		assert.equal(progressLine('42', ['copying', '3/7']), 'PROGRESS=42 copying 3/7');
		assert.equal(progressLine('0', []), 'PROGRESS=0');
		assert.equal(progressLine('100', []), 'PROGRESS=100');
		assert.equal(progressLine('12.5', ['half', 'way']), 'PROGRESS=12.5 half way');
		usageError(() => progressLine('101', []), /percent from 0 to 100, got "101"/);
		usageError(() => progressLine('-1', []), /got "-1"/);
		usageError(() => progressLine('abc', []), /got "abc"/);
		usageError(() => progressLine('1e2', []), /got "1e2"/);
		usageError(() => progressLine('5', ['two\nlines']), /the progress text cannot contain a line break: each notify message is one line/);
	});

	it('a checkpoint is one line of at most 64 KiB', () => {
		assert.equal(checkpointLine('{"offset":42}'), 'CHECKPOINT={"offset":42}');
		assert.equal(checkpointLine('x'.repeat(65_536)).length, 11 + 65_536);
		usageError(() => checkpointLine('x'.repeat(65_537)), /checkpoint data is 65537 bytes; at most 65536 \(64 KiB\)/);
		usageError(() => checkpointLine('a\r\nb'), /checkpoint data cannot contain a line break.*base64 -w0/);
	});
});

describe('the notify fd inside a task', () => {
	it('writes each message as one line to TM_NOTIFY_FD', async () => {
		const fd = fifo();
		const env = {TM_NOTIFY_FD: String(fd), TM_TASK_ID: 'j-1'};
		for (const argv of [['heartbeat'], ['ready'], ['progress', '42', 'copying', '3/7'], ['checkpoint', 'offset=7']]) {
			const result = await tm(argv, {env});
			assert.equal(result.code, 0, result.err);
			assert.equal(result.out, '');
		}

		assert.equal(readBack(fd), 'WATCHDOG=1\nREADY=1\nPROGRESS=42 copying 3/7\nCHECKPOINT=offset=7\n');
		const json = await tm(['heartbeat', '--json'], {env});
		assert.deepEqual(JSON.parse(json.out), {ok: true, via: 'fd', task: 'j-1'});
		assert.equal(readBack(fd), 'WATCHDOG=1\n');
	});

	it('reads the checkpoint from stdin for -, dropping one trailing line break', async () => {
		const fd = fifo();
		const {deps: d} = deps({TM_NOTIFY_FD: String(fd)});
		const stdin = (text: string) => ({readStdin: () => Promise.resolve(Buffer.from(text))});
		assert.equal(await runNotify('checkpoint', ['-'], {}, d, stdin('state-7\n')), 0);
		assert.equal(readBack(fd), 'CHECKPOINT=state-7\n');
		const big = deps({TM_NOTIFY_FD: String(fd)});
		assert.equal(await runNotify('checkpoint', ['-'], {}, big.deps, stdin(`${'x'.repeat(70_000)}\n`)), 2);
		assert.match(big.err(), /checkpoint data is 70000 bytes/);
		const two = deps({TM_NOTIFY_FD: String(fd)});
		assert.equal(await runNotify('checkpoint', ['-'], {}, two.deps, stdin('a\nb\n')), 2);
		assert.match(two.err(), /line break/);
	});

	it('writes a 60 KB line whole', () => {
		const fd = fifo();
		const line = `CHECKPOINT=${'y'.repeat(60_000)}\n`;
		assert.equal(writeNotifyFd(fd, line), true);
		assert.equal(readBack(fd), line);
	});

	it('does not write to an fd that is not a pipe, and needs --task outside a task', async () => {
		const file = path.join(tempDir(), 'plain');
		writeFileSync(file, '');
		const fd = openSync(file, 'w');
		opened.push(fd);
		assert.equal(writeNotifyFd(fd, 'WATCHDOG=1\n'), false);
		assert.equal(writeNotifyFd(9999, 'WATCHDOG=1\n'), false);

		// Not usable: the socket, for the task's own id (no daemon here: exit 3).
		const fallback = await tm(['heartbeat', '--home', '/nonexistent-tm-home'], {env: {TM_NOTIFY_FD: String(fd), TM_TASK_ID: 'j-1'}});
		assert.equal(fallback.code, 3, fallback.err);

		const outside = await tm(['progress', '5', '--home', '/nonexistent-tm-home'], {env: {}});
		assert.equal(outside.code, 2);
		assert.match(outside.err, /tm progress: not inside a task \(TM_NOTIFY_FD is not set\); name the task: tm progress --task ID/);
		const bad = await tm(['progress', '150', '--task', 'x', '--home', '/nonexistent-tm-home'], {env: {}});
		assert.equal(bad.code, 2);
		assert.match(bad.err, /percent from 0 to 100/);
	});
});
