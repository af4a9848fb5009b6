/**
 * `logs`: a task's last lines, the lines after a seq (a reader coming back), and with `follow`
 * each new line as a `log` notification until the connection closes (with `batch`, the lines of
 * one read as one `logLines`: a dashboard parses a hundred messages a second, not thousands).
 */
import {lineDoc} from '../documents.js';
import type {Engine} from '../engine.js';
import type {ConnectionContext} from '../ipc/dispatch.js';
import type {LogLineDoc, Methods} from '../ipc/methods.js';
import type {LogLine} from '../log/line-ring.js';
import type {TypedHandlers} from './define.js';
import {selectOne} from './select.js';

const defaultLines = 20;
const maxLines = 10_000;
/** Lines per `logLines` at most, so one message stays small beside the client's queue bounds. */
const maxBatch = 256;

export function logHandlers(engine: Engine): TypedHandlers {
	return {
		logs(params, ctx) {
			const task = selectOne(params.name, engine.list());

			const stream = params.stream === 'both' ? undefined : params.stream;
			const wanted = (line: LogLine): boolean => stream === undefined || line.stream === stream;
			const lines = Math.min(params.lines ?? defaultLines, maxLines);
			if (params.follow === true) {
				const send = params.batch === true ? batched(task.id, ctx) : (line: LogLine) => ctx.notify('log', {taskId: task.id, line: lineDoc(line)});
				const off = task.log.onLine(line => {
					if (wanted(line)) {
						send(line);
					}
				});
				ctx.onClose(off);
			}

			const tail = (): Methods['logs']['result']['lines'] => task.log.tail(lines, stream).map(line => lineDoc(line));
			const {after} = params;
			if (after === undefined) {
				return {lines: tail()};
			}

			const missed = after > task.log.lastSeq ? null : task.log.since(after);
			// Whole when nothing was lost in between: the first line kept is the one after `after`.
			if (missed !== null && (missed.length === 0 || missed[0]?.seq === after + 1)) {
				return {lines: missed.filter(wanted).map(line => lineDoc(line)), gap: false, lastSeq: task.log.lastSeq};
			}

			return {lines: tail(), gap: true, lastSeq: task.log.lastSeq};
		},
	};
}

/** Collects the lines given in one turn (one read of the task's output) and sends them together. */
function batched(taskId: string, ctx: ConnectionContext): (line: LogLine) => void {
	let pending: LogLineDoc[] = [];
	const flush = (): void => {
		if (pending.length === 0) {
			return;
		}

		const lines = pending;
		pending = [];
		ctx.notify('logLines', {taskId, lines}, lines.length);
	};

	return line => {
		if (pending.length === 0) {
			queueMicrotask(flush);
		} else if (pending.length === maxBatch) {
			flush(); // the microtask queued for this batch sends the rest
		}

		pending.push(lineDoc(line));
	};
}
