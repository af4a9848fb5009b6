import assert from 'node:assert/strict';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, it} from 'node:test';
import {TmError} from '../../../src/core/errors.js';
import {accessFor} from '../../../src/core/log/file-access.js';
import {LogFile} from '../../../src/core/log/log-file.js';
import {resolveGroup} from '../../../src/core/process/users.js';
import type {LogSpec} from '../../../src/core/model.js';

const plain: LogSpec = {maxSize: 0, backups: 0, timestamps: false};
const fixedNow = (): number => Date.UTC(2026, 10, 23, 10, 0, 0, 0);

let dir = '';
beforeEach(() => {
	dir = mkdtempSync(join(tmpdir(), 'tm-log-file-'));
});
afterEach(() => {
	rmSync(dir, {recursive: true, force: true});
});

function numbered(i: number): string {
	return `line ${String(i).padStart(6, '0')}\n`;
}

/** The files of a rotated log, oldest first, as they are on disk. */
function rotated(path: string, backups: number): string[] {
	const files: string[] = [];
	for (let i = backups; i >= 1; i--) {
		if (existsSync(`${path}.${i}`)) {
			files.push(readFileSync(`${path}.${i}`, 'utf8'));
		}
	}

	files.push(readFileSync(path, 'utf8'));
	return files;
}

function catchTmError(run: () => unknown): TmError {
	try {
		run();
	} catch (error) {
		assert.ok(error instanceof TmError, `not a TmError: ${String(error)}`);
		return error;
	}

	assert.fail('did not throw');
}

describe('LogFile', () => {
	it('appends bytes synchronously and counts them', () => {
		const path = join(dir, 'a', 'b', 'out.log');
		const file = LogFile.open(path, plain, fixedNow);
		file.write(Buffer.from('hello '));
		assert.equal(readFileSync(path, 'utf8'), 'hello ');
		file.write(Buffer.from('world\n'));
		file.write(Buffer.alloc(0));
		assert.equal(readFileSync(path, 'utf8'), 'hello world\n');
		assert.equal(file.bytesWritten, 12);
		assert.equal(file.size, 12);
		file.close();
		file.close();
		assert.equal(file.isOpen, false);
	});

	it('rotation keeps exactly N backups, in order, never splitting a line', () => {
		const path = join(dir, 'rot.log');
		const spec: LogSpec = {maxSize: 1000, backups: 3, timestamps: false};
		const file = LogFile.open(path, spec, fixedNow);
		const lineBytes = numbered(0).length;
		let next = 0;
		// Chunks of 1 to 40 whole lines, so a chunk may carry more than a file holds.
		for (let round = 0; round < 200; round++) {
			const count = 1 + ((round * 7) % 40);
			let chunk = '';
			for (let i = 0; i < count; i++) {
				chunk += numbered(next++);
			}

			file.write(Buffer.from(chunk));
		}

		file.close();
		assert.ok(!existsSync(`${path}.4`));
		for (let i = 1; i <= 3; i++) {
			assert.ok(existsSync(`${path}.${i}`), `${path}.${i}`);
		}

		const files = rotated(path, 3);
		assert.equal(files.length, 4);
		for (const content of files) {
			assert.ok(Buffer.byteLength(content) <= 1000);
			assert.ok(content.endsWith('\n'), 'a file ends inside a line');
			assert.equal(content.length % lineBytes, 0);
		}

		// Backups are full: the next line would not have fitted.
		for (const content of files.slice(0, -1)) {
			assert.ok(Buffer.byteLength(content) + lineBytes > 1000);
		}

		const all = files.join('');
		const count = all.length / lineBytes;
		let expected = '';
		for (let i = next - count; i < next; i++) {
			expected += numbered(i);
		}

		assert.equal(all, expected);
		assert.equal(file.bytesWritten, next * lineBytes);
	});

	it('rotation with chunks cut inside lines keeps every retained byte in order', () => {
		const path = join(dir, 'cut.log');
		const spec: LogSpec = {maxSize: 500, backups: 2, timestamps: false};
		const file = LogFile.open(path, spec, fixedNow);
		let stream = '';
		for (let i = 0; i < 1000; i++) {
			stream += numbered(i);
		}

		const bytes = Buffer.from(stream);
		for (let off = 0, step = 1; off < bytes.length; off += step, step = (step * 13 + 5) % 97) {
			file.write(bytes.subarray(off, off + step));
		}

		file.close();
		const all = rotated(path, 2).join('');
		assert.ok(all.length > 500);
		assert.ok(stream.endsWith(all));
		for (const content of rotated(path, 2)) {
			assert.ok(Buffer.byteLength(content) <= 500);
		}
	});

	it('backups 0 truncates the file in place', () => {
		const path = join(dir, 'trunc.log');
		const file = LogFile.open(path, {maxSize: 100, backups: 0, timestamps: false}, fixedNow);
		for (let i = 0; i < 50; i++) {
			file.write(Buffer.from(numbered(i)));
		}

		file.close();
		assert.ok(!existsSync(`${path}.1`));
		const content = readFileSync(path, 'utf8');
		assert.ok(content.length <= 100 && content.length > 0);
		assert.ok(content.endsWith(numbered(49)));
		assert.equal(content.length % numbered(0).length, 0);
	});

	it('splits a single line larger than maxSize across files', () => {
		const path = join(dir, 'huge.log');
		const file = LogFile.open(path, {maxSize: 10, backups: 5, timestamps: false}, fixedNow);
		file.write(Buffer.from('ab\n'));
		file.write(Buffer.from(`${'x'.repeat(25)}\nyz\n`));
		file.close();
		assert.deepEqual(rotated(path, 5), ['ab\n', 'xxxxxxxxxx', 'xxxxxxxxxx', 'xxxxx\nyz\n']);
	});

	it('a write that lands exactly on maxSize does not rotate', () => {
		const path = join(dir, 'exact.log');
		const file = LogFile.open(path, {maxSize: 6, backups: 1, timestamps: false}, fixedNow);
		file.write(Buffer.from('ab\n'));
		file.write(Buffer.from('cd\n'));
		assert.ok(!existsSync(`${path}.1`));
		file.write(Buffer.from('e'));
		file.close();
		assert.deepEqual(rotated(path, 1), ['ab\ncd\n', 'e']);
	});

	it('continues the size of an existing file', () => {
		const path = join(dir, 'existing.log');
		writeFileSync(path, 'existing\n');
		const file = LogFile.open(path, {maxSize: 20, backups: 1, timestamps: false}, fixedNow);
		assert.equal(file.size, 9);
		assert.equal(file.bytesWritten, 0);
		file.write(Buffer.from('abcdefghij\n'));
		assert.ok(!existsSync(`${path}.1`));
		assert.equal(file.size, 20);
		file.write(Buffer.from('k\n'));
		file.close();
		assert.equal(readFileSync(`${path}.1`, 'utf8'), 'existing\nabcdefghij\n');
		assert.equal(readFileSync(path, 'utf8'), 'k\n');
	});

	it('an existing file already over maxSize rotates on the first write', () => {
		const path = join(dir, 'big.log');
		writeFileSync(path, 'z'.repeat(50));
		const file = LogFile.open(path, {maxSize: 20, backups: 1, timestamps: false}, fixedNow);
		file.write(Buffer.from('new\n'));
		file.close();
		assert.deepEqual(rotated(path, 1), ['z'.repeat(50), 'new\n']);
	});

	it('created at the first write, an existing file is appended to and its size counts (rotation)', () => {
		const fresh = join(dir, 'deferred-fresh.log');
		const quiet = LogFile.open(fresh, {maxSize: 20, backups: 1, timestamps: false}, fixedNow, true);
		quiet.close();
		assert.ok(!existsSync(fresh), 'nothing written, no file');

		const path = join(dir, 'deferred.log');
		writeFileSync(path, 'existing\n');
		const file = LogFile.open(path, {maxSize: 20, backups: 1, timestamps: false}, fixedNow, true);
		file.write(Buffer.from('abcdefghij\n'));
		assert.equal(file.size, 20);
		file.write(Buffer.from('k\n'));
		file.close();
		assert.equal(readFileSync(`${path}.1`, 'utf8'), 'existing\nabcdefghij\n');
		assert.equal(readFileSync(path, 'utf8'), 'k\n');
	});

	it('timestamps prefix every line once, even a line in three chunks', () => {
		const path = join(dir, 'ts.log');
		let t = Date.UTC(2026, 10, 23, 10, 0, 0, 0);
		const file = LogFile.open(path, {maxSize: 0, backups: 0, timestamps: true}, () => t);
		file.write(Buffer.from('fir'));
		t += 1;
		file.write(Buffer.from('st li'));
		t += 1;
		file.write(Buffer.from('ne\nsecond\n\nthi'));
		t += 1;
		file.write(Buffer.from('rd\r\n'));
		file.close();
		assert.equal(
			readFileSync(path, 'utf8'),
			'2026-11-23T10:00:00.000Z first line\n' +
				'2026-11-23T10:00:00.002Z second\n' +
				'2026-11-23T10:00:00.002Z \n' +
				'2026-11-23T10:00:00.002Z third\r\n',
		);
		assert.equal(file.bytesWritten, statSync(path).size);
	});

	it('timestamps survive rotation at line boundaries', () => {
		const path = join(dir, 'tsrot.log');
		const file = LogFile.open(path, {maxSize: 80, backups: 10, timestamps: true}, fixedNow);
		for (let i = 0; i < 20; i++) {
			file.write(Buffer.from(numbered(i).slice(0, 5)));
			file.write(Buffer.from(numbered(i).slice(5)));
		}

		file.close();
		const lines = rotated(path, 10).join('').split('\n').slice(0, -1);
		assert.ok(lines.length > 0);
		for (const line of lines) {
			assert.match(line, /^2026-11-23T10:00:00\.000Z line \d{6}$/);
		}

		assert.ok(lines.at(-1)?.endsWith('000019'));
	});

	it('open failure under a regular file throws E_SPAWN naming the path', () => {
		const blocker = join(dir, 'file');
		writeFileSync(blocker, '');
		const path = join(blocker, 'sub', 'out.log');
		const error = catchTmError(() => LogFile.open(path, plain, fixedNow));
		assert.equal(error.code, 'E_SPAWN');
		assert.ok(error.message.includes(path), error.message);
		assert.match(error.message, /^cannot open log file .*: ENOTDIR: not a directory$/);
	});

	it('open failure on a directory throws E_SPAWN', () => {
		const error = catchTmError(() => LogFile.open(dir, plain, fixedNow));
		assert.equal(error.code, 'E_SPAWN');
		assert.match(error.message, /EISDIR/);
	});

	it('writing after close throws E_STORE', () => {
		const path = join(dir, 'closed.log');
		const file = LogFile.open(path, plain, fixedNow);
		file.close();
		const error = catchTmError(() => {
			file.write(Buffer.from('x\n'));
		});
		assert.equal(error.code, 'E_STORE');
		assert.ok(error.message.includes(path));
	});

	it('a write error throws E_STORE naming the path', {skip: !existsSync('/dev/full')}, () => {
		const file = LogFile.open('/dev/full', plain, fixedNow);
		const error = catchTmError(() => {
			file.write(Buffer.from('x\n'));
		});
		file.close();
		assert.equal(error.code, 'E_STORE');
		assert.equal(error.message, 'cannot write log file /dev/full: ENOSPC: no space left on device');
	});

	it('a failed rotation still writes the chunk, then throws E_STORE', () => {
		const path = join(dir, 'stuck.log');
		mkdirSync(`${path}.1`);
		writeFileSync(join(`${path}.1`, 'keep'), '');
		const file = LogFile.open(path, {maxSize: 4, backups: 1, timestamps: false}, fixedNow);
		file.write(Buffer.from('ab\n'));
		const error = catchTmError(() => {
			file.write(Buffer.from('cd\nef\n'));
		});
		assert.equal(error.code, 'E_STORE');
		assert.ok(error.message.startsWith(`cannot rotate log file ${path}: `), error.message);
		assert.equal(readFileSync(path, 'utf8'), 'ab\ncd\nef\n');
		// It keeps working once the obstacle is gone.
		rmSync(`${path}.1`, {recursive: true});
		file.write(Buffer.from('gh\n'));
		file.close();
		assert.deepEqual(rotated(path, 1), ['ab\ncd\nef\n', 'gh\n']);
	});

	it('rotation recreates a file deleted behind its back', () => {
		const path = join(dir, 'gone.log');
		const file = LogFile.open(path, {maxSize: 6, backups: 2, timestamps: false}, fixedNow);
		file.write(Buffer.from('ab\n'));
		unlinkSync(path);
		file.write(Buffer.from('cd\nef\n'));
		file.close();
		assert.deepEqual(rotated(path, 2), ['ef\n']);
	});

	// How fast is bench/log-write.ts's to say, side by side; here, that 64 MiB arrive whole.
	it('writes 64 MiB of 64 KiB chunks whole', () => {
		const path = join(dir, 'fast.log');
		const file = LogFile.open(path, plain, fixedNow);
		const chunk = Buffer.alloc(64 * 1024, 'abcdefghijklmnopqrstuvwxyz0123456789 log line\n');
		const total = 64 * 1024 * 1024;
		for (let done = 0; done < total; done += chunk.length) {
			file.write(chunk);
		}

		file.close();
		assert.equal(statSync(path).size, total);
	});
});

describe('LogFile: who may read it', () => {
	it('creates its file 0600 and the folders it makes 0700, after a rotation too; an existing file keeps its mode', () => {
		const file = join(dir, 'a', 'b', 'task.out.log');
		const log = LogFile.open(file, {maxSize: 10, backups: 1, timestamps: false}, fixedNow);
		log.write(Buffer.from('0123456789\nmore\n'));
		log.close();
		assert.equal(statSync(file).mode & 0o777, 0o600);
		assert.equal(statSync(`${file}.1`).mode & 0o777, 0o600);
		assert.equal(statSync(join(dir, 'a')).mode & 0o777, 0o700);
		assert.equal(statSync(join(dir, 'a', 'b')).mode & 0o777, 0o700);
		const old = join(dir, 'old.log');
		writeFileSync(old, '', {mode: 0o644});
		LogFile.open(old, plain, fixedNow).close();
		assert.equal(statSync(old).mode & 0o777, 0o644);
	});

	it('a job log made at its first write is 0600 too', () => {
		const file = join(dir, 'jobs', 'job.out.log');
		const log = LogFile.open(file, plain, fixedNow, true);
		log.write(Buffer.from('hello\n'));
		log.close();
		assert.equal(statSync(file).mode & 0o777, 0o600);
		assert.equal(statSync(join(dir, 'jobs')).mode & 0o777, 0o700);
	});

	const users = resolveGroup('users');
	const skip = process.getuid?.() !== 0 ? 'giving a file to a group needs root' : users.ok ? false : 'no group "users" in /etc/group';
	it('shared with a group: 0640 and the group\'s, and the folders it makes 0750 and the group\'s', {skip}, () => {
		const gid = users.ok ? users.value : -1;
		const file = join(dir, 'shared', 'web.out.log');
		LogFile.open(file, plain, fixedNow, false, accessFor('users')).close();
		assert.equal(statSync(file).mode & 0o777, 0o640);
		assert.equal(statSync(file).gid, gid);
		assert.equal(statSync(join(dir, 'shared')).mode & 0o777, 0o750);
		assert.equal(statSync(join(dir, 'shared')).gid, gid);
		assert.deepEqual(accessFor('no-such-group-here'), accessFor(null), 'a group that does not exist shares nothing');
	});
});
