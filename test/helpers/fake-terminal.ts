/**
 * A terminal for Ink without a terminal: a TTY-looking stdout of a fixed size that counts what
 * it is given, and a stdin that never has a key. For rendering the dashboard in process (tests
 * of its heap, the frame micro benchmark).
 */
import {EventEmitter} from 'node:events';

export class FakeTty extends EventEmitter {
	isTTY = true;
	bytes = 0;
	readonly columns: number;
	readonly rows: number;

	constructor(columns = 80, rows = 24) {
		super();
		this.columns = columns;
		this.rows = rows;
	}

	write(text: string): boolean {
		this.bytes += Buffer.byteLength(text);
		return true;
	}
}

export class FakeStdin extends EventEmitter {
	isTTY = true;
	setRawMode(): void {}
	setEncoding(): void {}
	ref(): void {}
	unref(): void {}
	read(): null {
		return null;
	}
}
