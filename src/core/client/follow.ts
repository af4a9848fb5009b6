/**
 * Following a log, written once for every client: lines that come before the tail's answer wait
 * for it, lines the tail already holds are skipped. The connection is the follow's own (the
 * daemon ends a follow when its connection closes); `close` ends it.
 */
import type {LogLineDoc, Methods, Notifications} from '../ipc/methods.js';
import type {LogFollowParams, LogSink} from './seam.js';

/** The part of a connection a follow needs. */
export type FollowTransport = {
	logs(params: Methods['logs']['params']): Promise<Methods['logs']['result']>;
	on<N extends keyof Notifications>(name: N, listener: (params: Notifications[N]) => void): () => void;
};

/** Asks for the tail and the lines after it on `transport`; resolves once the tail has gone to `sink`. */
export async function startFollow(transport: FollowTransport, params: LogFollowParams, sink: LogSink): Promise<void> {
	let last: number | null = null;
	const early: LogLineDoc[] = [];
	const deliver = (line: LogLineDoc): void => {
		if (last !== null && line.seq > last) {
			last = line.seq;
			sink.line(line);
		}
	};

	const take = (line: LogLineDoc): void => {
		if (last === null) {
			early.push(line);
		} else {
			deliver(line);
		}
	};

	transport.on('log', ({line}) => take(line));
	transport.on('logLines', ({lines}) => {
		for (const line of lines) {
			take(line);
		}
	});
	transport.on('dropped', ({count}) => sink.dropped(count));
	// `batch`: the lines of one read in one message; a daemon before it ignores the field and sends `log`s.
	const doc = await transport.logs({...params, follow: true, batch: true});
	last = doc.lines.at(-1)?.seq ?? doc.lastSeq ?? 0;
	sink.tail(doc.lines, doc.gap === true, doc.lastSeq ?? doc.lines.at(-1)?.seq ?? null);
	for (const line of early) {
		deliver(line);
	}
}
