/**
 * tm.db as the daemon holds it. The engine writes through it from the moment it is made, but it
 * opens only once the control socket is claimed: a second daemon must fail (E_DAEMON_RUNNING)
 * before it touches tm.db, and the socket's answers need the engine, so the engine comes first.
 * Until it opens no task exists (recovery comes after), so there is nothing to write; a batch
 * that comes anyway (a `run` sent while the web view starts) is refused, and the engine keeps it
 * and writes it at its next retry.
 */
import {Store} from '../../store/index.js';
import {TmError} from '../errors.js';
import type {Batch} from '../ports.js';

export class Database {
	readonly #path: string;
	#store: Store | null = null;

	constructor(path: string) {
		this.#path = path;
	}

	/** Opens tm.db; throws a TmError (E_STORE) when it cannot be used. */
	open(): Store {
		this.#store = Store.open(this.#path);
		return this.#store;
	}

	/** The engine's `persist`. */
	writeBatch(batch: Batch): void {
		if (this.#store === null) {
			throw new TmError('E_STORE', `${this.#path} is not open yet (the daemon is starting)`);
		}

		this.#store.writeBatch(batch);
	}
}
