/**
 * Who gets a slot, as one pure function: from the waiting tasks (best first, dependencies met),
 * the tasks holding slots, the slot count (`max_running`) and the memory and CPUs they may
 * request together (`taskmaster.capacity`), which start now, which running ones are evicted for
 * a better one, and what each waiting task is told. Tested as a table, like the machine.
 *
 * ```
 *  waiting (priority, then FIFO) ──► a free slot, and its requests fit what is unclaimed? ── yes ──► start
 *                                        │ no: strict order, nobody behind it starts now
 *                                        ▼
 *           slots and requests on their way back (stops in flight) serve the first waiters
 *                                        │ the rest
 *                                        ▼
 *     the fewest lower-priority holders (with a priority) that free enough? ── yes ──► evict them
 *                                        │ no
 *                                        ▼
 *       wait: "waiting for a slot (max_running N)", "waiting for 2G memory: 1.2G of 12G unclaimed"
 * ```
 *
 * Strict order: when the first waiter does not fit, nobody behind it starts, not even a smaller
 * task that would fit (no backfill). Slurm backfills only when it can show the first waiter is
 * not delayed, from every job's time limit; tm's tasks mostly have none, so a backfilled task
 * could hold the room the first one waits for without end. A task that could never fit (more
 * than the whole capacity, after a reload shrank it) holds nobody back.
 *
 * While starts are held (the daemon is out of file descriptors), nobody starts or is evicted and
 * every waiting task not blocked by a dependency is told why.
 *
 * `refusal` is seed 004's fail-fast submit (`tm run --no-queue`): the same plan, asked whether a
 * newcomer would start at once (or take room on its way back, or evict someone), else why not.
 */
import {noLimit, noRequests, shortOf, shortText, tooBig} from './capacity.js';
import type {Requests, ResourceCapacity} from './model.js';
import {simulate, type Room} from './room.js';

/** A queued task whose dependencies are met, in queue order. */
export type Waiting = {id: string; priority: number; name?: string; requires?: Requests};

/** A task holding a slot. */
export type Holder = {
	id: string;
	/** null: no priority set, never evicted. */
	priority: number | null;
	/** Being stopped already. */
	stopping: boolean;
	/** Being stopped and will not come back to this slot (not a restart). */
	freeing: boolean;
	/** When it reached its state: of equal priority, the newest is evicted first. */
	since: number;
	/** What it claims while it holds its slot. */
	requires?: Requests;
};

/** A queued task that must be told why it waits: its dependency reason, or null when none blocks it. */
export type ToTell = {id: string; blockedBy: string | null; requires?: Requests};

export type AdmissionInput = {
	/** Best first; only tasks whose dependencies are met. At least `lookahead` of them when there are that many. */
	waiting: Waiting[];
	holders: Holder[];
	/** `max_running`, or null for no limit. */
	capacity: number | null;
	/** Memory and CPUs the holders may request together; absent: no limit. */
	resources?: ResourceCapacity;
	tell: ToTell[];
	/** Why no task may start now (descriptors), or null. */
	held?: string | null;
};

export type Plan = {
	start: string[];
	evict: Array<{id: string; reason: string}>;
	wait: Array<{id: string; reason: string; cause: 'capacity' | 'dependency' | 'descriptors'}>;
};

/**
 * How many of the best waiting tasks `planAdmission` may need to look at: those that can start or
 * be served, and the first after them. `best`: no waiter's priority is above it (the queue's top),
 * so holders at or above it cannot be evicted and need no look further down the queue.
 */
export function lookahead(holders: Holder[], capacity: number | null, queued: number, best = Number.POSITIVE_INFINITY): number {
	if (capacity === null) {
		return queued;
	}

	const free = Math.max(0, capacity - holders.length);
	const freeing = holders.filter(h => h.freeing).length;
	const evictable = holders.filter(h => h.priority !== null && !h.stopping && h.priority < best).length;
	return Math.min(queued, free + 1 + (evictable > 0 ? freeing + evictable : 0));
}

export function planAdmission({waiting, holders, capacity, resources = noLimit, tell, held = null}: AdmissionInput): Plan {
	if (held !== null) {
		return {start: [], evict: [], wait: tell.map(({id, blockedBy}) => (blockedBy === null ? {id, reason: held, cause: 'descriptors'} : {id, reason: blockedBy, cause: 'dependency'}))};
	}

	const {start, evict, room} = simulate(waiting, holders, capacity, resources);
	const started = new Set(start);
	const plan: Plan = {start, evict, wait: []};
	// The first in line that does not start is told every time, so its reason stays current; the rest once.
	const head = waiting.find(w => !started.has(w.id) && tooBig(w.requires ?? noRequests, resources) === null);
	const told = head === undefined || tell.some(t => t.id === head.id) ? tell : [{id: head.id, blockedBy: null, requires: head.requires}, ...tell];
	for (const {id, blockedBy, requires} of told) {
		if (blockedBy !== null) {
			plan.wait.push({id, reason: blockedBy, cause: 'dependency'});
		} else if (!started.has(id)) {
			const reason = waitReason(requires ?? noRequests, room, capacity, resources);
			if (reason !== null) {
				plan.wait.push({id, reason, cause: 'capacity'});
			}
		}
	}

	return plan;
}

/**
 * What a task that did not start waits for, measured against the room left once this plan's
 * starts are made: a slot, its requests (`waiting for 2G memory: 1.2G of 12G unclaimed`), its
 * turn behind the first in line; or that it can never start.
 */
export function waitReason(requires: Requests, room: Room, capacity: number | null, resources: ResourceCapacity): string | null {
	const big = tooBig(requires, resources);
	if (big !== null) {
		return `${big}: it cannot start unless taskmaster.capacity grows; tm cancel it, or raise the capacity`;
	}

	const parts = [room.slots < 1 ? `a slot (max_running ${capacity})` : ''];
	const short = shortOf(requires, room.res);
	if (short.length > 0) {
		parts.push(shortText(requires, short, room.res, resources));
	}

	const what = parts.filter(Boolean).join(' and ');
	if (what !== '') {
		return `waiting for ${what}`;
	}

	return capacity === null && resources.memory === null && resources.cpu === null ? null : 'waiting its turn: the tasks ahead of it start first';
}

/**
 * Why `newcomer`, submitted now, would have to wait in the queue, or null when it would start at
 * once: room it comes first for, room on its way back, or lower-priority holders to evict.
 * `waiting` are the queued tasks whose dependencies are met, best first (as many as `lookahead`
 * asks for); the newcomer goes after those of its priority or higher.
 */
export function refusal(newcomer: Waiting, {waiting, holders, capacity, resources = noLimit, held = null}: Omit<AdmissionInput, 'tell'>): string | null {
	if (held !== null) {
		return held;
	}

	const requires = newcomer.requires ?? noRequests;
	const big = tooBig(requires, resources);
	if (big !== null) {
		return big;
	}

	const ahead = waiting.filter(w => w.priority >= newcomer.priority && w.id !== newcomer.id);
	const {start, served, room} = simulate([...ahead, newcomer], holders, capacity, resources);
	if (start.includes(newcomer.id) || served.has(newcomer.id)) {
		return null;
	}

	const parts: string[] = [];
	if (room.slots < 1) {
		parts.push(capacity === 1 ? 'the only slot is taken (max_running 1)' : `all ${capacity} slots are taken (max_running ${capacity})`);
	}

	const short = shortOf(requires, room.res);
	if (short.length > 0) {
		parts.push(`it needs ${shortText(requires, short, room.res, resources)}`);
	}

	const queued = ahead.length > 0 ? `, ${ahead.length} queued ahead of it` : '';
	return `${parts.join('; ') || 'it would wait its turn'}${queued}, and ${outranks(newcomer, holders, capacity, resources)}`;
}

/** Why evicting cannot make room for the newcomer now. */
function outranks(newcomer: Waiting, holders: Holder[], capacity: number | null, resources: ResourceCapacity): string {
	const lowest = holders
		.filter(h => h.priority !== null && !h.stopping)
		.reduce<number | null>((low, h) => (low === null || (h.priority ?? 0) < low ? h.priority : low), null);
	if (lowest === null) {
		return 'no running task can be evicted (only jobs and programs with a priority can)';
	}

	if (newcomer.priority <= lowest) {
		return `priority ${newcomer.priority} is not above the lowest running (${lowest})`;
	}

	// Alone, would it get room? Then the tasks ahead take it; else even every victim is not enough.
	const alone = simulate([newcomer], holders, capacity, resources);
	return alone.served.has(newcomer.id) || alone.start.length > 0
		? 'the tasks queued ahead of it take what it could evict'
		: 'evicting every running task of lower priority would not free enough';
}
