/**
 * This daemon as a member of the cluster: one pass at a time, every `poll` and whenever a
 * notification or a local job's end asks for one. A pass (1) stops the local copies of claims
 * whose lease may have run out (no renewal for `lease` by this member's clock: it was stopped,
 * partitioned or PostgreSQL was unreachable), (2) writes the outcomes kept, (3) renews the
 * leases and beats (every lease/3), (4) takes over other members' expired claims, (5) claims
 * jobs for its free slots. A claimed job runs as a local job (local-job.ts). While PostgreSQL
 * cannot be reached, local work goes on, outcomes wait in memory (claims.ts) and nothing is
 * claimed; `tm status` says so.
 */
import type {PriorityDepth} from '../ipc/queue-docs.js';
import {availableParallelism} from 'node:os';
import type {Clock, TimerHandle} from '../clock.js';
import type {Engine, TaskEventRecord} from '../engine.js';
import {messageOf} from '../errors.js';
import type {RunParams} from '../ipc/methods.js';
import {liveStates, type ClusterSpec} from '../model.js';
import {Claims, type Claim} from './claims.js';
import {claimOfSpec, localSpec, outcomeOf, restoredClaims} from './local-job.js';
import {depth} from './control.js';
import {putLogs, type Shipped} from './job-logs.js';
import {heartbeat, leave, register, type Beat} from './members.js';
import {actOn, pauseOf, tailOf} from './owner.js';
import {channels, claim, renew, takeOver, type Claimed} from './queries.js';
import {writeOutcomes} from './outcomes.js';
import {Reach} from './reach.js';
import {requestsShort} from './requests.js';
import {migrate} from './schema.js';
import {whereOf, type Connection, type Sql} from './sql.js';

export type MemberDeps = {
	spec: ClusterSpec;
	name: string;
	engine: Engine;
	clock: Clock;
	connection: Connection;
	version: string;
	/** The daemon log. */
	note(message: string, data?: Record<string, unknown>): void;
	warn(message: string): void;
};

/** The cluster as `tm status` shows it. */
export type MemberStatus = {name: string; postgres: string; reachable: boolean; since: number | null; error: string | null; claims: number; capacity: number; unsaved: number};

export class Member {
	readonly #deps: MemberDeps;
	readonly #sql: Sql;
	readonly claims = new Claims();
	#timer: TimerHandle | null = null;
	#running: Promise<void> | null = null;
	#again = false;
	#stopping = false;
	#closed = false;
	#lastRenewOk: number;
	#nextRenewAt = 0;
	#nextTakeOverAt = 0;
	readonly #reach: Reach;
	#unlisten: (() => Promise<void>) | null = null;
	#offEvents: (() => void) | null = null;
	/** Claims made by this member since its start (metrics). */
	claimed = 0;
	/** The cluster's queued jobs by priority, as of the last renewal (metrics). */
	depth: PriorityDepth = [];

	constructor(deps: MemberDeps) {
		this.#deps = deps;
		this.#sql = deps.connection.sql;
		this.#lastRenewOk = deps.clock.now();
		this.#reach = new Reach({clock: deps.clock, where: whereOf(deps.spec.postgres), note: deps.note, warn: deps.warn});
	}

	get name(): string {
		return this.#deps.name;
	}

	get sql(): Sql {
		return this.#sql;
	}

	get leaseMs(): number {
		return this.#deps.spec.leaseMs;
	}

	/** How many jobs this member runs at once: its slots now (`max_running`, scaled or adapted), else the number of CPUs. */
	get capacity(): number {
		return this.#deps.engine.queue.limits().slots ?? availableParallelism();
	}

	/**
	 * Joins: migrates the schema, registers, listens, gives back what a previous daemon here
	 * held, then passes. Throws (E_CLUSTER) when PostgreSQL cannot be reached or refuses.
	 */
	async join(): Promise<void> {
		const {spec, name} = this.#deps;
		await migrate(this.#sql);
		const ago = await register(this.#sql, this.#beat(), spec.leaseMs);
		if (ago !== null) {
			this.#deps.warn(`cluster: another daemon named ${name} was seen ${Math.round(ago / 1000)}s ago; two members must not share a name (cluster.name)`);
		}

		await this.#listen();
		this.#offEvents = this.#deps.engine.on(event => this.#heard(event));
		this.#giveBackRestored();
		this.#deps.note('cluster joined', {name, postgres: whereOf(spec.postgres), leaseMs: spec.leaseMs});
		this.soon();
	}

	status(): MemberStatus {
		return {
			name: this.#deps.name,
			postgres: whereOf(this.#deps.spec.postgres),
			...this.#reach.status(),
			claims: this.claims.size,
			capacity: this.capacity,
			unsaved: this.claims.pending,
		};
	}

	/** The daemon's clock. */
	now(): number {
		return this.#deps.clock.now();
	}

	/** Resolves after `ms` on the daemon's clock. */
	sleep(ms: number): Promise<void> {
		return new Promise(resolve => this.#deps.clock.at(this.#deps.clock.now() + ms, resolve));
	}

	/** Asks for a pass now (coalesced with one under way). */
	soon(): void {
		if (this.#closed) {
			return;
		}

		if (this.#running !== null) {
			this.#again = true;
			return;
		}

		this.#timer?.cancel();
		this.#timer = this.#deps.clock.at(this.#deps.clock.now(), () => this.#startPass());
	}

	/** No more claims (the daemon is stopping); held jobs stop with the engine and are given back. */
	stopClaiming(): void {
		this.#stopping = true;
	}

	/** After every task stopped: writes what is kept (a few seconds at most), leaves, closes. */
	async close(): Promise<void> {
		this.#stopping = true;
		await this.#running;
		this.#closed = true;
		this.#timer?.cancel();
		this.#offEvents?.();
		try {
			await this.#flush();
			await leave(this.#sql, this.#deps.name);
		} catch (error) {
			this.#deps.warn(`cluster: could not write ${this.claims.pending} outcomes or leave at shutdown (${messageOf(error)}); their jobs are taken over once their leases run out`);
		}

		await this.#unlisten?.();
		await this.#sql.close().catch(() => {});
	}

	#startPass(): void {
		this.#timer = null;
		this.#running = this.#pass().finally(() => {
			this.#running = null;
			if (this.#closed) {
				return;
			}

			const wait = this.#again ? 0 : this.#deps.spec.pollMs;
			this.#again = false;
			this.#timer = this.#deps.clock.at(this.#deps.clock.now() + wait, () => this.#startPass());
		});
	}

	async #pass(): Promise<void> {
		const {clock} = this.#deps;
		this.#expire(clock.now());
		try {
			await this.#flush();
			if (clock.now() >= this.#nextRenewAt) {
				await this.#renew();
			}

			if (this.#unlisten === null) {
				await this.#listen();
			}

			// Expired leases are looked for once a poll, however often passes come.
			if (clock.now() >= this.#nextTakeOverAt) {
				this.#nextTakeOverAt = clock.now() + this.#deps.spec.pollMs;
				await takeOver(this.#sql, this.#deps.name);
			}

			if (!this.#stopping) {
				await this.#claimFree();
			}

			this.#reach.ok();
		} catch (error) {
			this.#reach.failed(error);
			if (this.#unlisten !== null) {
				const unlisten = this.#unlisten;
				this.#unlisten = null;
				void unlisten();
			}
		}

	}

	/** Renews every held lease and beats; a claim missing from the answer was taken over: its copy stops. */
	async #renew(): Promise<void> {
		const {clock, spec, engine} = this.#deps;
		const sentAt = clock.now();
		const held = this.claims.all();
		const answer = await renew(
			this.#sql,
			held.map(c => ({id: c.id, token: c.token, checkpoint: engine.has(c.localId) ? engine.get(c.localId).info.checkpoint : null, ...pauseOf(engine, c)})),
			spec.leaseMs,
		);
		await heartbeat(this.#sql, this.#beat());
		this.depth = (await depth(this.#sql)).queued;
		this.#lastRenewOk = sentAt;
		this.#nextRenewAt = sentAt + spec.leaseMs / 3;
		const kept = new Map(answer.map(row => [row.id, row]));
		const tails: Shipped[] = [];
		for (const c of held) {
			const asked = kept.get(c.id);
			if (asked === undefined) {
				if (this.claims.get(c.id) === c) {
					this.#lose(c, `another member took over ${c.id} (token ${c.token} is stale)`);
				}

				continue;
			}

			// Asked from any member (owner.ts); a pause or resume done is reported by renewing again at once.
			const {changed, tail} = actOn(engine, c, asked);
			if (changed) {
				this.#nextRenewAt = 0;
				this.#again = true;
			}

			if (tail !== null) {
				tails.push(tail);
			}
		}

		await putLogs(this.#sql, this.#deps.name, tails, false);
	}

	/** Stops every local copy once no renewal succeeded for a lease: another member may hold the job now. */
	#expire(now: number): void {
		if (this.claims.size === 0 || now - this.#lastRenewOk <= this.#deps.spec.leaseMs) {
			return;
		}

		const silent = Math.round((now - this.#lastRenewOk) / 1000);
		for (const c of this.claims.all()) {
			// Given back under its token: written if nobody took it over meanwhile, else refused as stale.
			this.claims.keep({id: c.id, token: c.token, state: 'queued', exitCode: null, reason: `given back: ${this.#deps.name} could not renew its lease for ${silent}s`, checkpoint: null});
			this.#lose(c, `no lease renewal for ${silent}s (lease ${this.#deps.spec.leaseMs / 1000}s)`);
		}
	}

	#lose(c: Claim, why: string): void {
		const {engine} = this.#deps;
		this.claims.drop(c);
		this.#deps.note('cluster claim lost', {job: c.id, token: c.token, why});
		if (engine.has(c.localId)) {
			engine.get(c.localId).dispatch({type: 'stop', reason: `lost its cluster lease: ${why}`, cause: 'lease_lost'});
		}
	}

	async #claimFree(): Promise<void> {
		for (;;) {
			const free = this.capacity - this.#busy();
			if (free <= 0) {
				return;
			}

			const rows = await claim(this.#sql, this.#deps.name, Math.min(free, 64), this.#deps.spec.leaseMs);
			for (const row of rows) {
				this.#start(row);
			}

			if (rows.length < Math.min(free, 64)) {
				return;
			}
		}
	}

	/** Slots taken here: this member's claims and the local tasks that hold or wait for a slot. */
	#busy(): number {
		let busy = this.claims.size;
		for (const task of this.#deps.engine.list()) {
			const kind = task.record.state.kind;
			if ((liveStates.has(kind) || kind === 'queued') && claimOfSpec(task.spec) === null) {
				busy++;
			}
		}

		return busy;
	}

	#start(row: Claimed): void {
		const {engine} = this.#deps;
		const token = String(row.token);
		this.claimed++;
		const c: Claim = {id: row.id, token, localId: `${row.id}.${token}`, attempt: row.attempt, cancelAsked: false};
		const short = requestsShort(row.params as RunParams, engine.queue);
		if (short !== null) {
			// Its requests do not fit what this member has unclaimed: back to the queue for another.
			this.claims.keep({id: c.id, token, state: 'queued', exitCode: null, reason: `${this.#deps.name}: ${short}`, checkpoint: null});
			return;
		}

		try {
			const taken = new Set(engine.list().map(task => task.spec.program));
			const spec = localSpec(row, this.#deps.name, engine.config.daemon, taken);
			this.claims.add(c);
			engine.submit(spec);
		} catch (error) {
			// It cannot run here (a user this host lacks, a bad field): its outcome says why.
			this.claims.drop(c);
			this.claims.keep({id: c.id, token, state: 'failed', exitCode: null, reason: `cannot run on ${this.#deps.name}: ${messageOf(error)}`, checkpoint: null});
		}
	}

	/** A local task of a claim ended: its outcome is kept to write, and a pass comes soon (a slot is free). */
	#heard(event: TaskEventRecord): void {
		const c = this.claims.byLocal(event.taskId);
		if (c === undefined) {
			return;
		}

		const {engine} = this.#deps;
		const checkpoint = engine.has(c.localId) ? engine.get(c.localId).info.checkpoint : null;
		const found = outcomeOf(event, c, checkpoint);
		if (found === null) {
			return;
		}

		const outcome = {...found, lines: tailOf(engine, c).lines};

		this.claims.drop(c);
		if (!this.claims.keep(outcome)) {
			this.#deps.warn(`cluster: more than ${this.claims.pending} outcomes wait for PostgreSQL; the oldest was dropped (its job runs again after its lease)`);
		}

		this.soon();
	}

	async #flush(): Promise<void> {
		await writeOutcomes(this.#sql, this.claims, this.#deps.name, this.#deps.note);
	}

	/** What a previous daemon here held and this one restored: stopped, and given back under its token. */
	#giveBackRestored(): void {
		for (const {task, held} of restoredClaims(this.#deps.engine)) {
			this.claims.keep({...held, state: 'queued', exitCode: null, reason: `given back: ${this.#deps.name} restarted`, checkpoint: task.info.checkpoint});
			task.dispatch({type: 'stop', reason: 'a cluster claim of a previous daemon: given back to the cluster', cause: 'lease_lost'});
		}
	}

	async #listen(): Promise<void> {
		this.#unlisten = await this.#deps.connection.listen(
			[channels.jobs, channels.control],
			(channel, payload) => {
				if (channel === channels.control && payload === this.#deps.name) {
					this.#nextRenewAt = 0;
				}

				this.soon();
			},
			() => {
				// The listening connection dropped: the next pass listens again (polling meanwhile).
				const unlisten = this.#unlisten;
				this.#unlisten = null;
				void unlisten?.();
			},
		);
	}

	#beat(): Beat {
		return {name: this.#deps.name, version: this.#deps.version, pid: process.pid, slotsUsed: this.#busy(), capacity: this.capacity, claims: this.claims.size};
	}
}
