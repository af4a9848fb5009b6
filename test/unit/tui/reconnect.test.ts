/**
 * The dashboard's connection on a manual clock: the first failure is the caller's, a lost
 * connection is retried after 100 ms doubling up to the cap, and a client that comes back is
 * handed over to the session.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {TmClient} from '../../../src/core/client/seam.js';
import {TmError} from '../../../src/core/errors.js';
import {ManualClock} from '../../../src/tui/clock.js';
import type {ConnectionState} from '../../../src/tui/live.js';
import {Reconnect} from '../../../src/tui/reconnect.js';

/** Just enough of a client: it can be closed, by either side. */
class FakeClient {
	closed = false;
	readonly #listeners = new Set<(error: TmError | null) => void>();

	onClose(listener: (error: TmError | null) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** The daemon went away. */
	drop(): void {
		this.closed = true;
		for (const listener of this.#listeners) {
			listener(new TmError('E_DAEMON_NOT_RUNNING', 'the daemon closed the connection'));
		}
	}

	async close(): Promise<void> {
		this.closed = true;
	}
}

const gone = (): Promise<never> => Promise.reject(new TmError('E_DAEMON_NOT_RUNNING', 'no tm daemon is running'));

/** Lets the promises of an attempt settle (no time passes on the manual clock). */
const settle = (): Promise<void> => new Promise(resolve => setImmediate(resolve));

function link(connect: () => Promise<FakeClient>) {
	const clock = new ManualClock();
	const states: ConnectionState[] = [];
	const handed: FakeClient[] = [];
	let lost = 0;
	const reconnect = new Reconnect({
		connect: connect as unknown as () => Promise<TmClient>,
		clock,
		maxRetryMs: 1000,
		onState: state => states.push(state),
		attach: async () => {},
		connected: client => handed.push(client as unknown as FakeClient),
		lost: () => lost++,
	});
	return {reconnect, clock, states, handed, lost: () => lost};
}

describe('Reconnect', () => {
	it('leaves the first failure to the caller and retries nothing', async () => {
		const {reconnect, clock} = link(gone);
		await assert.rejects(reconnect.start(), /no tm daemon is running/);
		assert.equal(clock.nextTimer(), null);
	});

	it('retries a lost connection after 100 ms, doubling up to the cap, then hands the new client over', async () => {
		let up = true;
		const clients: FakeClient[] = [];
		const {reconnect, clock, states, handed, lost} = link(async () => {
			if (!up) {
				return gone();
			}

			clients.push(new FakeClient());
			return clients.at(-1)!;
		});
		await reconnect.start();
		assert.equal(reconnect.client as unknown, clients[0]);
		assert.deepEqual(states.at(-1), {status: 'connected', error: null, attempts: 0});
		up = false;
		clients[0]!.drop();
		assert.equal(lost(), 1);
		assert.equal(reconnect.client, null);
		assert.deepEqual(states.at(-1), {status: 'disconnected', error: 'the daemon closed the connection', attempts: 0});
		const pauses: number[] = [];
		for (let attempt = 0; attempt < 5; attempt++) {
			pauses.push(clock.nextTimer()! - clock.now());
			clock.advance(clock.nextTimer()! - clock.now());
			await settle();
			assert.deepEqual(states.at(-1), {status: 'disconnected', error: 'no tm daemon is running', attempts: attempt + 1});
		}

		assert.deepEqual(pauses, [100, 200, 400, 800, 1000]);
		up = true;
		clock.advance(1000);
		await settle();
		assert.deepEqual(states.at(-1), {status: 'connected', error: null, attempts: 0});
		assert.deepEqual(handed, [clients[0], clients[1]]);
		assert.equal(clock.nextTimer(), null, 'no retry once connected');
		await reconnect.close();
		assert.equal(clients[1]!.closed, true);
	});
});
