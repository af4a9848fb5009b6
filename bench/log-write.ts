/**
 * Micro benchmark: 200 MB of short log lines through TaskLog, with and without timestamps.
 * Run with `npx tsx bench/log-write.ts [megabytes]`.
 */

import {mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {LineSplitter} from '../src/core/log/line-splitter.js';
import {LogFile} from '../src/core/log/log-file.js';
import {TaskLog} from '../src/core/log/task-log.js';
import type {LogSpec} from '../src/core/model.js';

const megabytes = Number(process.argv[2] ?? 200);
const total = megabytes * 1024 * 1024;
const chunkSize = 64 * 1024;

/** 64 KiB of ~80-byte lines, cut mid-line at the end like a real pipe read. */
function makeChunk(): Buffer {
	let text = '';
	for (let i = 0; text.length < chunkSize; i++) {
		text += `2026-11-23 worker[${i % 97}] processed request ${i} in ${i % 13} ms status=ok ✓\n`;
	}

	return Buffer.from(text).subarray(0, chunkSize);
}

const chunk = makeChunk();
const dir = mkdtempSync(join(tmpdir(), 'tm-bench-log-'));

function report(name: string, bytes: number, ms: number, extra = ''): void {
	const mbps = bytes / 1024 / 1024 / (ms / 1000);
	process.stdout.write(`${name.padEnd(44)} ${mbps.toFixed(0).padStart(6)} MB/s  (${(ms / 1000).toFixed(2)} s)${extra}\n`);
}

function benchTaskLog(name: string, spec: LogSpec): void {
	const path = join(dir, `${name.replaceAll(/\W+/g, '-')}.log`);
	const log = new TaskLog({stdoutPath: path, stderrPath: path, spec, now: () => Date.now()});
	log.open();
	let lines = 0;
	const off = log.onLine(() => {
		lines++;
	});
	const start = performance.now();
	for (let done = 0; done < total; done += chunk.length) {
		log.stdout(chunk);
	}

	log.close();
	const ms = performance.now() - start;
	off();
	report(`TaskLog ${name}`, total, ms, `  ${lines} lines, file ${(statSync(path).size / 1024 / 1024).toFixed(0)} MB`);
	rmSync(path, {force: true});
}

function benchLogFile(): void {
	const path = join(dir, 'logfile.log');
	const file = LogFile.open(path, {maxSize: 0, backups: 0, timestamps: false}, () => 0);
	const start = performance.now();
	for (let done = 0; done < total; done += chunk.length) {
		file.write(chunk);
	}

	file.close();
	report('LogFile alone (64 KiB chunks)', total, performance.now() - start);
	rmSync(path, {force: true});
}

function benchSplitter(): void {
	const splitter = new LineSplitter();
	const start = performance.now();
	let lines = 0;
	for (let done = 0; done < total; done += chunk.length) {
		lines += splitter.push(chunk).length;
	}

	report('LineSplitter alone', total, performance.now() - start, `  ${lines} lines`);
}

try {
	process.stdout.write(`${megabytes} MB in ${chunkSize / 1024} KiB chunks of ~80-byte lines, node ${process.version}\n`);
	benchSplitter();
	benchLogFile();
	benchTaskLog('no timestamps', {maxSize: 0, backups: 0, timestamps: false});
	benchTaskLog('timestamps', {maxSize: 0, backups: 0, timestamps: true});
	benchTaskLog('no timestamps, rotating 50 MB x 2', {maxSize: 50 * 1024 * 1024, backups: 2, timestamps: false});
} finally {
	rmSync(dir, {recursive: true, force: true});
}
