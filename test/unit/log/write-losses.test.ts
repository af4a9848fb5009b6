import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {lossLine, WriteLosses, type CountedFile} from '../../../src/core/log/write-losses.js';

/** A file that takes `room` more bytes, then fails with ENOSPC, like a full disk. */
class SmallDisk implements CountedFile {
	readonly path = '/full/out.log';
	text = '';
	room: number;
	bytesAsked = 0;
	bytesWritten = 0;
	atLineEnd = true;

	constructor(room: number) {
		this.room = room;
	}

	write(chunk: Buffer): void {
		this.bytesAsked += chunk.length;
		const taken = chunk.subarray(0, Math.min(this.room, chunk.length));
		this.room -= taken.length;
		this.text += taken.toString();
		this.bytesWritten += taken.length;
		if (taken.length > 0) {
			this.atLineEnd = taken[taken.length - 1] === 10;
		}

		if (taken.length < chunk.length) {
			throw Object.assign(new Error(`cannot write log file ${this.path}: ENOSPC: no space left on device`), {code: 'E_STORE'});
		}
	}
}

describe('WriteLosses', () => {
	it('counts only the bytes that did not reach the file, and says so on a line of its own once there is room', () => {
		const file = new SmallDisk(8);
		const calls: string[] = [];
		const losses = new WriteLosses({watch: {failed: f => calls.push(`failed ${f}`), wrote: f => calls.push(`wrote ${f}`), closed: f => calls.push(`closed ${f}`)}});
		assert.equal(losses.write(file, Buffer.from('hello\nworld\n'), 1000), false);
		assert.equal(losses.write(file, Buffer.from('more\n'), 2000), false);
		assert.deepEqual(losses.pending, {bytes: 9, from: 1000, to: 2000, why: 'cannot write log file /full/out.log: ENOSPC: no space left on device'});
		file.room = 1000;
		assert.equal(losses.write(file, Buffer.from('back\n'), 3000), true);
		assert.equal(
			file.text,
			'hello\nwo\ntm: 9 bytes of output lost between 1970-01-01T00:00:01.000Z and 1970-01-01T00:00:02.000Z: cannot write log file /full/out.log: ENOSPC: no space left on device\nback\n',
		);
		assert.equal(losses.pending, null);
		assert.deepEqual(calls, ['failed /full/out.log', 'failed /full/out.log', 'wrote /full/out.log']);
	});

	it('a line about the loss that does not fit is tried again, and the output after it is counted too', () => {
		const file = new SmallDisk(0);
		const losses = new WriteLosses();
		losses.write(file, Buffer.from('a\n'), 1000);
		losses.write(file, Buffer.from('bc\n'), 2000);
		assert.equal(losses.pending?.bytes, 5);
		file.room = 10_000;
		losses.write(file, Buffer.from('d\n'), 3000);
		const why = 'cannot write log file /full/out.log: ENOSPC: no space left on device';
		assert.equal(file.text, `${lossLine({bytes: 5, from: 1000, to: 2000, why})}d\n`);
	});

	it('a closed file lets the watch go; what was lost is still said at the next write', () => {
		const file = new SmallDisk(0);
		const calls: string[] = [];
		const losses = new WriteLosses({watch: {failed: () => calls.push('failed'), wrote: () => calls.push('wrote'), closed: () => calls.push('closed')}, notice: loss => `lost ${loss.bytes}\n`});
		losses.write(file, Buffer.from('x\n'), 1);
		losses.closed();
		losses.closed();
		file.room = 100;
		losses.write(file, Buffer.from('y\n'), 2);
		assert.deepEqual(calls, ['failed', 'closed']);
		assert.equal(file.text, 'lost 2\ny\n');
	});
});
