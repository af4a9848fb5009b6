/**
 * The room an admission plan hands out, in one walk of the waiting tasks, best first: free slots
 * and unclaimed memory and CPUs now; past the first waiter that does not fit, what stops in
 * flight give back and what evicting the fewest lower-priority holders frees. The plan, the
 * `--no-queue` refusal and `tm queue` all walk with `simulate` (admission.ts).
 */
import type {Holder, Plan, Waiting} from './admission.js';
import {claimedBy, minus, noRequests, plus, shortOf, tooBig, unclaimed} from './capacity.js';
import type {Requests, ResourceCapacity} from './model.js';

/** Free slots (Infinity: no `max_running`; below 0 over it after a reload) and unclaimed memory and CPUs. */
export type Room = {slots: number; res: ResourceCapacity};

export type Walk = {
	/** Start now. */
	start: string[];
	evict: Plan['evict'];
	/** Will start once the stops in flight and the evictions are over. */
	served: Set<string>;
	/** The room left once the starts are made. */
	room: Room;
};

/** How many victim sets `fewestVictims` tries before it settles for a greedy choice. */
const searchBudget = 20_000;
const epsilon = 1e-9;

export function roomOf(holders: readonly Holder[], capacity: number | null, resources: ResourceCapacity): Room {
	return {slots: capacity === null ? Number.POSITIVE_INFINITY : capacity - holders.length, res: unclaimed(resources, claimedBy(holders.map(h => h.requires)))};
}

function fits(need: Requests, room: Room): boolean {
	return room.slots >= 1 && shortOf(need, room.res).length === 0;
}

function take(room: Room, need: Requests): Room {
	return {slots: room.slots - 1, res: minus(room.res, need)};
}

function give(room: Room, holder: Holder): Room {
	return {slots: room.slots + 1, res: plus(room.res, holder.requires ?? noRequests)};
}

export function simulate(waiting: readonly Waiting[], holders: readonly Holder[], capacity: number | null, resources: ResourceCapacity): Walk {
	let room = roomOf(holders, capacity, resources);
	const walk: Walk = {start: [], evict: [], served: new Set(), room};
	let victims = holders.filter(h => h.priority !== null && !h.stopping).sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0) || b.since - a.since);
	// Past the first waiter that does not fit: the room left plus what the stops in flight give back.
	let pool: Room | null = null;
	for (const waiter of waiting) {
		const need = waiter.requires ?? noRequests;
		if (tooBig(need, resources) !== null) {
			continue;
		}

		if (pool === null) {
			if (fits(need, room)) {
				walk.start.push(waiter.id);
				room = take(room, need);
				continue;
			}

			pool = holders.filter(h => h.freeing).reduce(give, room);
		}

		if (!fits(need, pool)) {
			const chosen = fewestVictims(need, pool, victims.filter(v => (v.priority ?? 0) < waiter.priority));
			if (chosen === null) {
				// Eviction stops at the first waiter it cannot serve: the ones behind it wait for it.
				break;
			}

			for (const victim of chosen) {
				walk.evict.push({id: victim.id, reason: evictionReason(waiter, victim)});
				pool = give(pool, victim);
			}

			victims = victims.filter(v => !chosen.includes(v));
		}

		pool = take(pool, need);
		walk.served.add(waiter.id);
	}

	walk.room = room;
	return walk;
}

/**
 * The fewest of `candidates` (lowest priority, then newest, first) whose slots and requests,
 * added to `pool`, make room for `need`; of sets equally small, the one with the lowest
 * priorities. Null when all of them would not be enough. Past `searchBudget` sets tried (many
 * holders, two resources), the greedy choice: each time the one that covers most of what is short.
 */
export function fewestVictims(need: Requests, pool: Room, candidates: readonly Holder[]): Holder[] | null {
	const short = {
		slots: 1 - pool.slots,
		memory: pool.res.memory === null ? 0 : need.memory - pool.res.memory,
		cpu: pool.res.cpu === null ? 0 : need.cpu - pool.res.cpu,
	};
	const covers = (set: readonly Holder[]): boolean =>
		set.length >= short.slots && sum(set, 'memory') >= short.memory - epsilon && sum(set, 'cpu') >= short.cpu - epsilon;
	if (!covers(candidates)) {
		return null;
	}

	let budget = searchBudget;
	for (let k = Math.max(1, Math.ceil(short.slots)); k <= candidates.length && budget > 0; k++) {
		// Combinations of k in order, so the first that covers has the lowest priorities.
		const index = Array.from({length: k}, (_, i) => i);
		for (;;) {
			const set = index.map(i => candidates[i]!);
			if (covers(set)) {
				return set;
			}

			if (--budget <= 0 || !advance(index, candidates.length)) {
				break;
			}
		}
	}

	return greedy(short, candidates, covers);
}

/** The next combination of indices after `index` (in place), or false after the last. */
function advance(index: number[], n: number): boolean {
	const k = index.length;
	let i = k - 1;
	while (i >= 0 && index[i] === n - k + i) {
		i--;
	}

	if (i < 0) {
		return false;
	}

	index[i]!++;
	for (let j = i + 1; j < k; j++) {
		index[j] = index[j - 1]! + 1;
	}

	return true;
}

function greedy(short: {slots: number; memory: number; cpu: number}, candidates: readonly Holder[], covers: (set: readonly Holder[]) => boolean): Holder[] {
	const chosen: Holder[] = [];
	const rest = [...candidates];
	while (!covers(chosen) && rest.length > 0) {
		const left = {slots: short.slots - chosen.length, memory: short.memory - sum(chosen, 'memory'), cpu: short.cpu - sum(chosen, 'cpu')};
		const share = (h: Holder): number =>
			(left.slots > 0 ? 1 / short.slots : 0) +
			(left.memory > 0 ? Math.min(h.requires?.memory ?? 0, left.memory) / short.memory : 0) +
			(left.cpu > 0 ? Math.min(h.requires?.cpu ?? 0, left.cpu) / short.cpu : 0);
		let best = 0;
		rest.forEach((h, i) => {
			if (share(h) > share(rest[best]!)) {
				best = i;
			}
		});
		chosen.push(...rest.splice(best, 1));
	}

	return chosen;
}

function sum(set: readonly Holder[], key: keyof Requests): number {
	return set.reduce((total, h) => total + (h.requires?.[key] ?? 0), 0);
}

/** `evicted by nightly (j-7f3a, priority 9 > 1)`: by the name people gave it, with the id when they differ (names need not be unique). */
export function evictionReason(candidate: Waiting, victim: Holder): string {
	const priority = victim.priority ?? 0;
	const by = candidate.name === undefined || candidate.name === candidate.id ? candidate.id : `${candidate.name} (${candidate.id},`;
	return `evicted by ${by}${by === candidate.id ? ' (' : ' '}priority ${candidate.priority} > ${priority})`;
}
