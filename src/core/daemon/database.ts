/**
 * tm.db as the daemon holds it. The engine writes through it from the moment it is made, but it
 * opens only once the control socket is claimed: a second daemon must fail (E_DAEMON_RUNNING)
 * before it touches tm.db, and the socket's answers need the engine, so the engine comes first.
 * It opens in the same turn as the socket starts listening, so no request is answered before;
 * a batch that came before it anyway would be refused, and the engine would keep it and write it
 * at its next retry. A write that fails (a full disk) is told to the disk health,
 * and so is the next one that works.
 */
import {Store} from '../../store/index.js';
import {TmError} from '../errors.js';
import {keptRows} from '../kept-batch.js';
import type {WriteWatch} from '../log/write-losses.js';
import type {Batch} from '../ports.js';

export class Database {
	readonly #path: string;
	readonly #watch: WriteWatch | undefined;
	#store: Store | null = null;
	#failing = false;
	/** Rows of the last batch that could not be written: what the engine keeps until one can. */
	#unsaved = 0;

	constructor(path: string, watch?: WriteWatch) {
		this.#path = path;
		this.#watch = watch;
	}

	/** Opens tm.db; throws a TmError (E_STORE) when it cannot be used. */
	open(): Store {
		this.#store = Store.open(this.#path);
		return this.#store;
	}

	/** Rows of state kept in memory because tm.db could not be written (0 once a write works). */
	get unsaved(): number {
		return this.#unsaved;
	}

	/** The engine's `persist` (a failed write is retried with everything kept since, so its rows are what waits). */
	writeBatch(batch: Batch): void {
		if (this.#store === null) {
			throw new TmError('E_STORE', `${this.#path} is not open yet (the daemon is starting)`);
		}

		try {
			this.#store.writeBatch(batch);
		} catch (error) {
			// A constraint is the batch's fault, not the disk's: the engine drops it.
			if (!(error as {cause?: {code?: string}}).cause?.code?.startsWith('SQLITE_CONSTRAINT')) {
				this.#failing = true;
				this.#unsaved = keptRows(batch.tasks.length, batch);
				this.#watch?.failed(this.#path, error);
			}

			throw error;
		}

		this.#unsaved = 0;
		if (this.#failing) {
			this.#failing = false;
			this.#watch?.wrote(this.#path);
		}
	}
}
