import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, it} from 'node:test';
import {TaskLog} from '../../../src/core/log/task-log.js';
import type {LogSpec} from '../../../src/core/model.js';

let dir = '';
beforeEach(() => {
	dir = mkdtempSync(join(tmpdir(), 'tm-log-child-'));
});
afterEach(() => {
	rmSync(dir, {recursive: true, force: true});
});

/**
 * A child that prints `count` numbered lines to stdout and (unless told `quiet`) to stderr, and
 * ends both without a newline.
 */
const childScript = `
const count = Number(process.argv[1]);
const quiet = process.argv[2] === 'quiet';
let out = '';
let err = '';
for (let i = 0; i < count; i++) {
	out += 'out ' + i + ' größe €😀\\n';
	err += 'err ' + i + '\\r\\n';
}
process.stdout.write(out + 'out tail ✓');
if (!quiet) process.stderr.write(err + 'err tail');
`;

function expected(count: number): {out: string; err: string} {
	let out = '';
	let err = '';
	for (let i = 0; i < count; i++) {
		out += `out ${i} größe €😀\n`;
		err += `err ${i}\r\n`;
	}

	return {out: `${out}out tail ✓`, err: `${err}err tail`};
}

/** Runs the child into `log` and resolves once its pipes closed and the log was flushed. */
async function runChild(log: TaskLog, count: number, quiet = false): Promise<number | null> {
	const args = ['-e', childScript, String(count), quiet ? 'quiet' : 'loud'];
	const child = spawn(process.execPath, args, {stdio: ['ignore', 'pipe', 'pipe']});
	child.stdout.on('data', (chunk: Buffer) => {
		log.stdout(chunk);
	});
	child.stderr.on('data', (chunk: Buffer) => {
		log.stderr(chunk);
	});
	return new Promise((resolve, reject) => {
		child.on('error', reject);
		child.on('close', (code) => {
			log.flush();
			resolve(code);
		});
	});
}

describe('TaskLog with a real child process', () => {
	it('gets every byte on file and every line in the ring', async () => {
		const spec: LogSpec = {maxSize: 0, backups: 0, timestamps: false};
		const log = new TaskLog({
			stdoutPath: join(dir, 'logs', 'out.log'),
			stderrPath: join(dir, 'logs', 'err.log'),
			spec,
			ringSize: 100_000,
			now: () => 0,
		});
		log.open();
		const count = 20_000;
		const code = await runChild(log, count);
		log.close();
		assert.equal(code, 0);
		const want = expected(count);
		assert.equal(readFileSync(join(dir, 'logs', 'out.log'), 'utf8'), want.out);
		assert.equal(readFileSync(join(dir, 'logs', 'err.log'), 'utf8'), want.err);
		const outLines = log.tail(100_000, 'stdout').map((line) => line.text);
		const errLines = log.tail(100_000, 'stderr').map((line) => line.text);
		assert.deepEqual(outLines, want.out.split('\n'));
		assert.deepEqual(errLines, want.err.split('\r\n'));
	});

	it('rotates with timestamps while a child writes, losing nothing retained', async () => {
		const path = join(dir, 'both.log');
		const spec: LogSpec = {maxSize: 64 * 1024, backups: 5, timestamps: true};
		const log = new TaskLog({stdoutPath: path, stderrPath: path, spec, now: () => 0});
		log.open();
		const count = 20_000;
		assert.equal(await runChild(log, count, true), 0);
		log.close();
		assert.ok(existsSync(`${path}.1`));
		assert.ok(existsSync(`${path}.5`));
		assert.ok(!existsSync(`${path}.6`));
		const files: string[] = [];
		for (let i = 5; i >= 1; i--) {
			if (existsSync(`${path}.${i}`)) {
				files.push(readFileSync(`${path}.${i}`, 'utf8'));
			}
		}

		files.push(readFileSync(path, 'utf8'));
		for (const content of files) {
			assert.ok(Buffer.byteLength(content) <= spec.maxSize, `file of ${Buffer.byteLength(content)}`);
		}

		const stamp = '1970-01-01T00:00:00.000Z ';
		const lines = files.join('').split('\n');
		const unstamped = lines.map((line, i) => {
			if (i > 0) {
				assert.ok(line.startsWith(stamp), `line ${i} has no timestamp: ${line}`);
			}

			return line.startsWith(stamp) ? line.slice(stamp.length) : line;
		});
		const retained = unstamped.join('\n');
		const all = expected(count).out;
		assert.ok(retained.length > 100_000 && retained.length < all.length, `retained ${retained.length} of ${all.length}`);
		assert.ok(all.endsWith(retained), `not a suffix: ${retained.slice(0, 80)}`);
		assert.equal(log.tail(1)[0]?.text, 'out tail ✓');
	});
});
