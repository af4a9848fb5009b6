/**
 * The part of the detail view that only changes with the config (command, argv, cwd, user,
 * restart policy, limits, log paths, dependencies): `describe`, asked once when a detail opens
 * (Enter, or the selection moving while the wide layout shows it) after the same short pause
 * as the log follow, so scrolling does not ask per row. Nothing asks it again until the next
 * opening or a new connection; the live part (state, failures, last exit, checkpoint, cause)
 * is the task's document, kept current by the feed.
 */
import type {TmClient} from '../core/client/seam.js';
import {messageOf} from '../core/errors.js';
import type {TaskDetail} from '../core/ipc/methods.js';
import {isMethodNotFound} from './actions.js';
import {after, type Clock, type TimerHandle} from './clock.js';
import {Versioned} from './versioned.js';

export type DetailState =
	| {taskId: string; status: 'loading'}
	| {taskId: string; status: 'ready'; detail: TaskDetail}
	/** The daemon does not answer `describe` (older than this dashboard). */
	| {taskId: string; status: 'unsupported'}
	| {taskId: string; status: 'error'; error: string};

export class Details extends Versioned {
	/** The detail shown, or null when none is. */
	current: DetailState | null = null;
	readonly #delayMs: number;
	#client: TmClient | null = null;
	#timer: TimerHandle | null = null;
	/** Bumped by every new question: an answer to an older one is dropped. */
	#asked = 0;

	constructor(clock: Clock, delayMs: number) {
		super(0, clock);
		this.#delayMs = delayMs;
	}

	/** The detail of `taskId` is on screen now (null: no detail is). */
	show(taskId: string | null): void {
		if (taskId === (this.current?.taskId ?? null)) {
			return;
		}

		this.#asked++;
		this.#timer?.cancel();
		this.#timer = null;
		this.#set(taskId === null ? null : {taskId, status: 'loading'});
		if (taskId !== null) {
			this.#timer = after(this.clock, this.#delayMs, () => {
				this.#timer = null;
				this.#describe(taskId);
			});
		}
	}

	/**
	 * The client to ask, or null while disconnected. A new connection asks again for the detail
	 * on screen: the daemon may have come back with another config.
	 */
	attach(client: TmClient | null): void {
		this.#client = client;
		this.#asked++;
		if (client !== null && this.current !== null && this.#timer === null) {
			this.#describe(this.current.taskId);
		}
	}

	override dispose(): void {
		this.#timer?.cancel();
		this.#timer = null;
		this.#asked++;
		super.dispose();
	}

	#describe(taskId: string): void {
		const client = this.#client;
		if (client === null) {
			return;
		}

		const asked = ++this.#asked;
		const settle = (state: DetailState): void => {
			if (asked === this.#asked) {
				this.#set(state);
			}
		};

		void client.call('describe', {name: taskId}).then(
			detail => settle({taskId, status: 'ready', detail}),
			(error: unknown) => settle(isMethodNotFound(error) ? {taskId, status: 'unsupported'} : {taskId, status: 'error', error: messageOf(error)}),
		);
	}

	#set(state: DetailState | null): void {
		this.current = state;
		this.changed();
	}
}
