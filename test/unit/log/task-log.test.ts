import assert from 'node:assert/strict';
import {existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, unlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, it} from 'node:test';
import {ManualClock} from '../../../src/core/clock.js';
import {TmError} from '../../../src/core/errors.js';
import {IdleFiles} from '../../../src/core/log/idle-files.js';
import type {LogLine} from '../../../src/core/log/line-ring.js';
import {TaskLog, type TaskLogOptions} from '../../../src/core/log/task-log.js';
import type {LogSpec} from '../../../src/core/model.js';

const plain: LogSpec = {maxSize: 0, backups: 0, timestamps: false};

let dir = '';
let clock = 0;
beforeEach(() => {
	dir = mkdtempSync(join(tmpdir(), 'tm-task-log-'));
	clock = 1_000;
});
afterEach(() => {
	rmSync(dir, {recursive: true, force: true});
});

function make(options: Partial<TaskLogOptions> = {}): TaskLog {
	return new TaskLog({
		stdoutPath: join(dir, 'out.log'),
		stderrPath: join(dir, 'err.log'),
		spec: plain,
		now: () => clock,
		...options,
	});
}

const texts = (lines: LogLine[]): string[] => lines.map((line) => line.text);

describe('TaskLog', () => {
	it('writes each stream to its file and rings complete lines', () => {
		const log = make();
		log.open();
		assert.equal(log.isOpen, true);
		log.stdout(Buffer.from('one\ntw'));
		clock = 2_000;
		log.stderr(Buffer.from('oops\n'));
		log.stdout(Buffer.from('o\n'));
		assert.equal(readFileSync(join(dir, 'out.log'), 'utf8'), 'one\ntwo\n');
		assert.equal(readFileSync(join(dir, 'err.log'), 'utf8'), 'oops\n');
		assert.deepEqual(log.tail(10), [
			{seq: 1, at: 1_000, stream: 'stdout', text: 'one'},
			{seq: 2, at: 2_000, stream: 'stderr', text: 'oops'},
			{seq: 3, at: 2_000, stream: 'stdout', text: 'two'},
		]);
		assert.deepEqual(texts(log.tail(10, 'stdout')), ['one', 'two']);
		assert.deepEqual(texts(log.tail(1, 'stderr')), ['oops']);
		assert.deepEqual(texts(log.since(1)), ['oops', 'two']);
		assert.equal(log.lastSeq, 3);
		log.close();
		assert.equal(log.isOpen, false);
	});

	it('shares one file when stdout and stderr have the same path', () => {
		const path = join(dir, 'both.log');
		const log = make({stdoutPath: path, stderrPath: join(dir, '.', 'both.log'), spec: {...plain, timestamps: true}});
		log.open();
		log.stdout(Buffer.from('out 1\n'));
		log.stderr(Buffer.from('err 1\n'));
		log.stdout(Buffer.from('out 2\n'));
		log.close();
		log.open();
		log.stderr(Buffer.from('err 2\n'));
		log.close();
		assert.equal(
			readFileSync(path, 'utf8'),
			['out 1', 'err 1', 'out 2', 'err 2'].map((text) => `1970-01-01T00:00:01.000Z ${text}\n`).join(''),
		);
		assert.deepEqual(
			log.tail(10).map((line) => `${line.stream}:${line.text}`),
			['stdout:out 1', 'stderr:err 1', 'stdout:out 2', 'stderr:err 2'],
		);
	});

	it('flush completes a partial last line in the ring; its bytes are already on file', () => {
		const log = make();
		log.open();
		const seen: string[] = [];
		log.onLine((line) => seen.push(`${line.stream}:${line.text}`));
		log.stdout(Buffer.from('first\nlast wi'));
		log.stdout(Buffer.from('thout newline'));
		log.stderr(Buffer.from('err partial\r'));
		assert.equal(readFileSync(join(dir, 'out.log'), 'utf8'), 'first\nlast without newline');
		assert.deepEqual(seen, ['stdout:first']);
		clock = 5_000;
		log.flush();
		assert.deepEqual(seen, ['stdout:first', 'stdout:last without newline', 'stderr:err partial']);
		assert.equal(log.tail(1)[0]?.at, 5_000);
		log.flush();
		assert.equal(log.tail(10).length, 3);
		log.close();
		assert.equal(readFileSync(join(dir, 'out.log'), 'utf8'), 'first\nlast without newline');
	});

	it('close flushes partial lines', () => {
		const log = make();
		log.open();
		log.stdout(Buffer.from('dangling'));
		log.close();
		assert.deepEqual(texts(log.tail(5)), ['dangling']);
	});

	it('keeps the ring across runs', () => {
		const log = make({ringSize: 3});
		log.open();
		log.stdout(Buffer.from('run1 a\nrun1 b\n'));
		log.close();
		log.open();
		log.stdout(Buffer.from('run2 a\n'));
		assert.deepEqual(texts(log.tail(10)), ['run1 a', 'run1 b', 'run2 a']);
		log.stdout(Buffer.from('run2 b\n'));
		assert.deepEqual(texts(log.tail(10)), ['run1 b', 'run2 a', 'run2 b']);
		log.close();
		assert.equal(readFileSync(join(dir, 'out.log'), 'utf8'), 'run1 a\nrun1 b\nrun2 a\nrun2 b\n');
	});

	it('reopen writes to a new file when the old one was moved or deleted', () => {
		const log = make();
		log.open();
		log.stdout(Buffer.from('before\n'));
		log.stderr(Buffer.from('e before\n'));
		renameSync(join(dir, 'out.log'), join(dir, 'moved.log'));
		unlinkSync(join(dir, 'err.log'));
		log.reopen();
		log.stdout(Buffer.from('after\n'));
		log.stderr(Buffer.from('e after\n'));
		log.close();
		assert.equal(readFileSync(join(dir, 'moved.log'), 'utf8'), 'before\n');
		assert.equal(readFileSync(join(dir, 'out.log'), 'utf8'), 'after\n');
		assert.equal(readFileSync(join(dir, 'err.log'), 'utf8'), 'e after\n');
		assert.equal(log.tail(10).length, 4);
	});

	it('onLine returns an unsubscribe; a throwing listener does not stop the others', () => {
		const log = make();
		log.open();
		const a: string[] = [];
		const b: string[] = [];
		const offA = log.onLine((line) => a.push(line.text));
		log.onLine((line) => {
			if (line.text === 'bad') {
				throw new Error('listener broke');
			}
		});
		log.onLine((line) => b.push(line.text));
		assert.throws(() => {
			log.stdout(Buffer.from('x\nbad\ny\n'));
		}, /listener broke/);
		assert.deepEqual(a, ['x', 'bad', 'y']);
		assert.deepEqual(b, ['x', 'bad', 'y']);
		assert.deepEqual(texts(log.tail(10)), ['x', 'bad', 'y']);
		offA();
		offA();
		log.stdout(Buffer.from('z\n'));
		assert.deepEqual(a, ['x', 'bad', 'y']);
		assert.deepEqual(b, ['x', 'bad', 'y', 'z']);
		log.close();
		assert.equal(readFileSync(join(dir, 'out.log'), 'utf8'), 'x\nbad\ny\nz\n');
	});

	it('output while not open is counted, still rings its lines, and is said in the file once open', () => {
		const log = make();
		log.stdout(Buffer.from('lost?\n'));
		assert.deepEqual(texts(log.tail(1)), ['lost?']);
		assert.equal(log.losses().stdout?.bytes, 6);
		log.open();
		clock = 2_000;
		log.stdout(Buffer.from('kept\n'));
		log.close();
		assert.equal(
			readFileSync(join(dir, 'out.log'), 'utf8'),
			'tm: 6 bytes of output lost between 1970-01-01T00:00:01.000Z and 1970-01-01T00:00:01.000Z: the task log was not open\nkept\n',
		);
		assert.equal(log.losses().stdout, null);
	});

	it('with createOnFirstWrite, creates a file at its first byte, keeps an existing one, and still refuses a bad folder at open', () => {
		const log = make({createOnFirstWrite: true});
		log.open();
		assert.equal(log.isOpen, true);
		assert.equal(existsSync(join(dir, 'out.log')), false);
		assert.equal(existsSync(join(dir, 'err.log')), false);
		log.stderr(Buffer.from('oops\n'));
		assert.equal(existsSync(join(dir, 'out.log')), false);
		assert.equal(readFileSync(join(dir, 'err.log'), 'utf8'), 'oops\n');
		log.close();
		assert.equal(existsSync(join(dir, 'out.log')), false);

		writeFileSync(join(dir, 'out.log'), 'before\n');
		log.open();
		log.stdout(Buffer.from('after\n'));
		log.close();
		assert.equal(readFileSync(join(dir, 'out.log'), 'utf8'), 'before\nafter\n');

		const blocker = join(dir, 'blocker');
		writeFileSync(blocker, '');
		const bad = make({createOnFirstWrite: true, stdoutPath: join(blocker, 'out.log')});
		assert.throws(
			() => {
				bad.open();
			},
			(error: unknown) => error instanceof TmError && error.code === 'E_SPAWN' && error.message.includes(blocker),
		);
	});

	it('with createOnFirstWrite, makes a folder that went away again at the first write', () => {
		const sub = join(dir, 'sub');
		const log = make({createOnFirstWrite: true, stdoutPath: join(sub, 'out.log'), stderrPath: join(sub, 'err.log')});
		log.open();
		rmSync(sub, {recursive: true, force: true});
		log.stdout(Buffer.from('kept\n'));
		log.close();
		assert.equal(readFileSync(join(sub, 'out.log'), 'utf8'), 'kept\n');
	});

	it('bytes a file cannot take are counted, never thrown; the watch hears of it; once it can, one line says how many and when', () => {
		const sub = join(dir, 'blocked');
		const heard: string[] = [];
		const watch = {
			failed: (file: string, error: unknown) => heard.push(`failed ${file}: ${(error as Error).message}`),
			wrote: (file: string) => heard.push(`wrote ${file}`),
			closed: (file: string) => heard.push(`closed ${file}`),
		};
		const out = join(sub, 'out.log');
		const log = make({createOnFirstWrite: true, stdoutPath: out, stderrPath: out, watch});
		log.open();
		rmSync(sub, {recursive: true, force: true});
		writeFileSync(sub, 'a file where the folder was');
		log.stdout(Buffer.from('lost file, kept line\n'));
		clock = 3_500;
		log.stderr(Buffer.from('and a partial'));
		assert.deepEqual(texts(log.tail(10)), ['lost file, kept line']);
		assert.equal(log.losses().stdout?.bytes, 34);
		assert.equal(heard.length, 2);
		assert.match(heard[0] ?? '', new RegExp(`^failed ${out}: cannot write log file ${out}: `));
		rmSync(sub);
		clock = 4_000;
		log.stdout(Buffer.from(' line\n'));
		assert.deepEqual(heard.slice(2), [`wrote ${out}`]);
		assert.equal(log.losses().stdout, null);
		log.close();
		const text = readFileSync(out, 'utf8');
		assert.match(text, /^tm: 34 bytes of output lost between 1970-01-01T00:00:01\.000Z and 1970-01-01T00:00:03\.500Z: cannot write log file .*blocked\/out\.log: E\w+: .*\n line\n$/);
	});

	it('a file that can never be written (/dev/full) fails open with E_SPAWN naming it', {skip: !existsSync('/dev/full')}, () => {
		for (const createOnFirstWrite of [false, true]) {
			const log = make({stdoutPath: '/dev/full', createOnFirstWrite});
			assert.throws(
				() => {
					log.open();
				},
				(error: unknown) => error instanceof TmError && error.code === 'E_SPAWN' && error.message === 'cannot write log file /dev/full: ENOSPC: no space left on device',
			);
			assert.equal(log.isOpen, false);
		}
	});

	it('with no one listening, keeps the last lines of a big chunk and counts the others; a listener gets every line', () => {
		const log = make({ringSize: 10});
		log.open();
		log.stdout(Buffer.from(Array.from({length: 5000}, (_, i) => `n${i}\n`).join('')));
		assert.equal(log.lastSeq, 5000);
		assert.deepEqual(texts(log.tail(20)), Array.from({length: 10}, (_, i) => `n${4990 + i}`));
		assert.deepEqual(log.since(4995).map(line => line.seq), [4996, 4997, 4998, 4999, 5000]);
		const heard: string[] = [];
		log.onLine(line => heard.push(line.text));
		log.stdout(Buffer.from(Array.from({length: 50}, (_, i) => `m${i}\n`).join('')));
		assert.equal(heard.length, 50);
		assert.equal(log.lastSeq, 5050);
		log.close();
		assert.equal(readFileSync(join(dir, 'out.log'), 'utf8').split('\n').length, 5051);
	});

	it('open failure of stderr closes stdout and throws E_SPAWN', () => {
		const blocker = join(dir, 'blocker');
		writeFileSync(blocker, '');
		const log = make({stderrPath: join(blocker, 'err.log')});
		assert.throws(
			() => {
				log.open();
			},
			(error: unknown) => error instanceof TmError && error.code === 'E_SPAWN' && error.message.includes(blocker),
		);
		assert.equal(log.isOpen, false);
		assert.ok(existsSync(join(dir, 'out.log')));
	});

	it('rotates through the spec', () => {
		const log = make({spec: {maxSize: 10, backups: 1, timestamps: false}});
		log.open();
		log.stdout(Buffer.from('12345\n'));
		log.stdout(Buffer.from('67890\n'));
		log.close();
		assert.equal(readFileSync(join(dir, 'out.log.1'), 'utf8'), '12345\n');
		assert.equal(readFileSync(join(dir, 'out.log'), 'utf8'), '67890\n');
	});

	it('cuts a huge line in the ring but not in the file', () => {
		const log = make();
		log.open();
		const chunk = Buffer.alloc(64 * 1024, 'q');
		for (let i = 0; i < 4; i++) {
			log.stdout(chunk);
		}

		log.stdout(Buffer.from('\nshort\n'));
		log.close();
		const [huge, short] = log.tail(2);
		assert.ok(huge?.text.endsWith('…'));
		assert.ok(Buffer.byteLength(huge?.text ?? '') <= 16 * 1024);
		assert.equal(short?.text, 'short');
		assert.equal(readFileSync(join(dir, 'out.log')).length, 4 * 64 * 1024 + 7);
	});

	it('handles characters split across chunks on both streams independently', () => {
		const log = make();
		log.open();
		const out = Buffer.from('größe €\n');
		const err = Buffer.from('日本\n');
		for (let i = 0; i < Math.max(out.length, err.length); i++) {
			if (i < out.length) {
				log.stdout(out.subarray(i, i + 1));
			}

			if (i < err.length) {
				log.stderr(err.subarray(i, i + 1));
			}
		}

		log.close();
		assert.deepEqual(texts(log.tail(2, 'stdout')), ['größe €']);
		assert.deepEqual(texts(log.tail(2, 'stderr')), ['日本']);
	});
});

/** How many of this process's descriptors are open on `file`. */
function descriptorsOn(file: string): number {
	return readdirSync('/proc/self/fd').filter(fd => {
		try {
			return readlinkSync(`/proc/self/fd/${fd}`) === file;
		} catch {
			return false;
		}
	}).length;
}

describe('TaskLog with idle files (issue 22)', () => {
	it('holds no descriptor until output comes, and lets go of it after a quiet while; nothing written is lost', () => {
		const manual = new ManualClock(1_000);
		const idle = new IdleFiles(manual, 5000);
		const log = make({idle, now: () => manual.now()});
		const out = join(dir, 'out.log');
		const err = join(dir, 'err.log');
		log.open();
		assert.ok(existsSync(out) && existsSync(err), 'created and checked at open');
		assert.equal(descriptorsOn(out) + descriptorsOn(err), 0);
		log.stdout(Buffer.from('one\n'));
		assert.equal(descriptorsOn(out), 1);
		assert.equal(descriptorsOn(err), 0, 'the quiet stream stays closed');
		assert.equal(idle.size, 1);
		manual.advance(3000);
		log.stdout(Buffer.from('two\n'));
		manual.advance(3000);
		assert.equal(descriptorsOn(out), 1, 'written 3 s ago: still open');
		manual.advance(5000);
		assert.equal(descriptorsOn(out), 0);
		assert.equal(idle.size, 0);
		log.stdout(Buffer.from('three\n'));
		log.stderr(Buffer.from('oops\n'));
		assert.equal(readFileSync(out, 'utf8'), 'one\ntwo\nthree\n');
		assert.equal(readFileSync(err, 'utf8'), 'oops\n');
		assert.deepEqual(texts(log.tail(10)), ['one', 'two', 'three', 'oops']);
		log.close();
		assert.equal(idle.size, 0);
		assert.equal(descriptorsOn(out) + descriptorsOn(err), 0);
	});

	it('a file moved away while resting is made again at the next output', () => {
		const manual = new ManualClock(1_000);
		const log = make({idle: new IdleFiles(manual, 5000), now: () => manual.now()});
		log.open();
		log.stdout(Buffer.from('before\n'));
		manual.advance(10_000);
		renameSync(join(dir, 'out.log'), join(dir, 'out.log.1'));
		log.stdout(Buffer.from('after\n'));
		assert.equal(readFileSync(join(dir, 'out.log'), 'utf8'), 'after\n');
		assert.equal(readFileSync(join(dir, 'out.log.1'), 'utf8'), 'before\n');
		log.close();
	});
});
