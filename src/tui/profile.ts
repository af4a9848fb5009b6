/**
 * Built-in telemetry for `TM_TOP_PROFILE=FILE tm top`: bytes and writes to the terminal, full
 * clears (`ESC[2J`, which should never happen), key-to-write latency inside the process, frame
 * build times and CPU, written as one JSON document to FILE when the dashboard exits. Costs a
 * counter per write when on, nothing when off.
 */
import {writeFileSync} from 'node:fs';
import {getHeapSpaceStatistics} from 'node:v8';

export type ProfileReport = {
	seconds: number;
	bytes: number;
	writes: number;
	clears: number;
	bytesPerSecond: number;
	/** CPU time of the whole process over its lifetime, as a percent of one core. */
	cpuPercent: number;
	renderMs: {count: number; p50: number; p95: number; max: number};
	keyToWriteMs: {count: number; p50: number; p95: number; max: number};
	/** At the end, in MiB: RSS, the V8 heap (its young generation apart), what lives outside it. */
	memoryMiB: {rss: number; heapUsed: number; heapTotal: number; newSpace: number; external: number};
};

const mib = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

function stats(values: number[]): {count: number; p50: number; p95: number; max: number} {
	if (values.length === 0) {
		return {count: 0, p50: 0, p95: 0, max: 0};
	}

	const sorted = [...values].sort((a, b) => a - b);
	const at = (q: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 100) / 100;
	return {count: values.length, p50: at(0.5), p95: at(0.95), max: at(1)};
}

export class Profiler {
	readonly #file: string;
	readonly #started = performance.now();
	readonly #cpu = process.cpuUsage();
	readonly #renders: number[] = [];
	readonly #keys: number[] = [];
	#pendingKey: number | null = null;
	#bytes = 0;
	#writes = 0;
	#clears = 0;
	#restore: (() => void) | null = null;

	constructor(file: string) {
		this.#file = file;
	}

	/** Counts what goes to `stream` until {@link Profiler.finish}. */
	wrap(stream: NodeJS.WriteStream): void {
		const original = stream.write;
		const count = (chunk: unknown): void => {
			const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : String(chunk);
			this.#bytes += Buffer.byteLength(text);
			this.#writes++;
			if (text.includes('\u001B[2J')) {
				this.#clears++;
			}

			if (this.#pendingKey !== null) {
				this.#keys.push(performance.now() - this.#pendingKey);
				this.#pendingKey = null;
			}
		};

		stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
			count(chunk);
			return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
		} as typeof stream.write;
		this.#restore = () => {
			stream.write = original;
		};
	}

	key(): void {
		this.#pendingKey ??= performance.now();
	}

	render(ms: number): void {
		this.#renders.push(ms);
	}

	report(): ProfileReport {
		const seconds = (performance.now() - this.#started) / 1000;
		const cpu = process.cpuUsage(this.#cpu);
		const memory = process.memoryUsage();
		return {
			seconds: Math.round(seconds * 10) / 10,
			bytes: this.#bytes,
			writes: this.#writes,
			clears: this.#clears,
			bytesPerSecond: Math.round(this.#bytes / Math.max(seconds, 0.001)),
			cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 1000) / 10,
			renderMs: stats(this.#renders),
			keyToWriteMs: stats(this.#keys),
			memoryMiB: {
				rss: mib(memory.rss),
				heapUsed: mib(memory.heapUsed),
				heapTotal: mib(memory.heapTotal),
				newSpace: mib(getHeapSpaceStatistics().find(space => space.space_name === 'new_space')?.space_size ?? 0),
				external: mib(memory.external),
			},
		};
	}

	finish(): void {
		this.#restore?.();
		this.#restore = null;
		writeFileSync(this.#file, `${JSON.stringify(this.report(), null, 2)}\n`);
	}
}
