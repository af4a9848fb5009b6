/**
 * The one client seam: everything a client can ask of a daemon, whatever carries it. The CLI,
 * `tm top` and the web view use only this; the Unix socket implements it today
 * (`socket-client.ts`), SSH and HTTP implement the same interface, so every UI runs the same
 * against a local or a remote daemon.
 */
import type {TmError} from '../errors.js';
import type {EventDoc, LogLineDoc, MethodName, Methods, TasksUpdate} from '../ipc/methods.js';

/** The request/answer methods (`subscribe` and following logs are streams: see below). */
export type CallMethod = Exclude<MethodName, 'hello' | 'subscribe'>;

/** The snapshot a subscription starts from (and starts again from after a gap). */
export type SnapshotDoc = Methods['subscribe']['result'];

/**
 * What a subscriber hears, in order: a snapshot, then every transition after it (each with the
 * task's whole document), and the documents that changed without one. After a gap (the daemon
 * dropped notifications, or the connection came back) a new snapshot comes first.
 */
export type FeedSink = {
	snapshot(doc: SnapshotDoc): void;
	event(event: EventDoc): void;
	tasks(update: TasksUpdate): void;
};

/**
 * What a log follower hears: the tail first (with `after`, the lines after it, or the tail and
 * `gap: true` when those are no longer all kept) with the log's last seq, then each line, and
 * how many it missed.
 */
export type LogSink = {
	tail(lines: LogLineDoc[], gap: boolean, lastSeq: number | null): void;
	line(line: LogLineDoc): void;
	dropped(count: number): void;
};

export type LogFollowParams = {name: string; lines?: number; stream?: 'stdout' | 'stderr' | 'both'; after?: number};

/** A stream a client opened; `close` ends it (idempotent); `ended` resolves once it is over, whichever side ended it. */
export type Subscription = {close(): Promise<void>; ended: Promise<void>};

export interface TmClient {
	/** Where this client is connected, for messages (`/run/tm.sock`, `ssh://web1`). */
	readonly target: string;
	/** What the daemon said in `hello`. */
	readonly server: Methods['hello']['result'];
	readonly closed: boolean;
	/** One request, one answer. Rejects with a TmError carrying the daemon's code. */
	call<M extends CallMethod>(method: M, params: Methods[M]['params'], options?: {timeoutMs?: number}): Promise<Methods[M]['result']>;
	/**
	 * The read model as a stream: resolves once `sink.snapshot` has had the first snapshot.
	 * Sequencing (events racing the snapshot, drops) is handled here, once, for every UI.
	 */
	subscribe(sink: FeedSink): Promise<Subscription>;
	/** Follows one task's log (tail, then live lines) until closed. */
	followLogs(params: LogFollowParams, sink: LogSink): Promise<Subscription>;
	/** Called once when the connection ends: null when this side closed it, else why. */
	onClose(listener: (error: TmError | null) => void): () => void;
	close(): Promise<void>;
}

/** Opens a client to one daemon (a socket path, an ssh:// address…). */
export type Connector = () => Promise<TmClient>;

