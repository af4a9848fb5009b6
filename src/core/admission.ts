/**
 * Who gets a slot, as one pure function: from the waiting tasks (best first, dependencies met),
 * the tasks holding slots and the capacity, which start now, which running ones are evicted for
 * a better one, and what each waiting task is told. Tested as a table, like the machine.
 *
 * ```
 *  waiting (priority, then FIFO) ──► free slot? ── yes ──► start
 *                                        │ no
 *                                        ▼
 *           slots on their way back (stops in flight) serve the first waiters
 *                                        │ the rest
 *                                        ▼
 *            outranks the lowest-priority holder that has a priority? ── yes ──► evict it
 *                                        │ no
 *                                        ▼
 *                         wait: "waiting for a slot (max_running N)"
 * ```
 *
 * While starts are held (the daemon is out of file descriptors), nobody starts or is evicted and
 * every waiting task not blocked by a dependency is told why.
 *
 * `refusal` is seed 004's fail-fast submit (`tm run --no-queue`): the same plan, asked whether a
 * newcomer would start at once (or take a slot on its way back, or evict someone), else why not.
 */

/** A queued task whose dependencies are met, in queue order. */
export type Waiting = {id: string; priority: number; name?: string};

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
};

/** A queued task that must be told why it waits: its dependency reason, or null when none blocks it. */
export type ToTell = {id: string; blockedBy: string | null};

export type AdmissionInput = {
	/** Best first; only tasks whose dependencies are met. At least `free + freeing + evictable` of them when there are that many. */
	waiting: Waiting[];
	holders: Holder[];
	/** `max_running`, or null for no limit. */
	capacity: number | null;
	tell: ToTell[];
	/** Why no task may start now (descriptors), or null. */
	held?: string | null;
};

export type Plan = {
	start: string[];
	evict: Array<{id: string; reason: string}>;
	wait: Array<{id: string; reason: string; cause: 'capacity' | 'dependency' | 'descriptors'}>;
};

/** How many of the best waiting tasks `planAdmission` may need to look at. */
export function lookahead(holders: Holder[], capacity: number | null, queued: number): number {
	if (capacity === null) {
		return queued;
	}

	const free = Math.max(0, capacity - holders.length);
	const freeing = holders.filter(h => h.freeing).length;
	const evictable = holders.filter(h => h.priority !== null && !h.stopping).length;
	return free + (evictable > 0 ? freeing + evictable : 0);
}

export function planAdmission({waiting, holders, capacity, tell, held = null}: AdmissionInput): Plan {
	if (held !== null) {
		return {start: [], evict: [], wait: tell.map(({id, blockedBy}) => (blockedBy === null ? {id, reason: held, cause: 'descriptors'} : {id, reason: blockedBy, cause: 'dependency'}))};
	}

	const free = capacity === null ? waiting.length : Math.max(0, capacity - holders.length);
	const start = waiting.slice(0, free).map(w => w.id);
	const started = new Set(start);
	const plan: Plan = {start, evict: [], wait: []};
	for (const {id, blockedBy} of tell) {
		if (blockedBy !== null) {
			plan.wait.push({id, reason: blockedBy, cause: 'dependency'});
		} else if (capacity !== null && !started.has(id)) {
			plan.wait.push({id, reason: `waiting for a slot (max_running ${capacity})`, cause: 'capacity'});
		}
	}

	if (capacity !== null) {
		plan.evict = evictions(waiting.slice(free), holders);
	}

	return plan;
}

/**
 * When the best waiting tasks outrank holders that have a priority, the lowest of those are
 * evicted: stopped gracefully and queued again. Slots already on their way back serve the first
 * waiters.
 */
function evictions(rest: Waiting[], holders: Holder[]): Plan['evict'] {
	const victims = holders
		.filter(h => h.priority !== null && !h.stopping)
		.sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0) || b.since - a.since);
	const freeing = holders.filter(h => h.freeing).length;
	const evict: Plan['evict'] = [];
	for (const candidate of rest.slice(freeing, freeing + victims.length)) {
		const victim = victims.shift();
		const priority = victim?.priority ?? 0;
		if (!victim || priority >= candidate.priority) {
			break;
		}

		// By the name people gave it, with the id when they differ (names need not be unique).
		const by = candidate.name === undefined || candidate.name === candidate.id ? candidate.id : `${candidate.name} (${candidate.id},`;
		evict.push({id: victim.id, reason: `evicted by ${by}${by === candidate.id ? ' (' : ' '}priority ${candidate.priority} > ${priority})`});
	}

	return evict;
}

/**
 * Why `newcomer`, submitted now, would have to wait in the queue, or null when it would start at
 * once: a free slot it comes first for, a slot on its way back, or a lower-priority holder to
 * evict. `waiting` are the queued tasks whose dependencies are met, best first (as many as
 * `lookahead` asks for); the newcomer goes after those of its priority or higher.
 */
export function refusal(newcomer: Waiting, {waiting, holders, capacity, held = null}: Omit<AdmissionInput, 'tell'>): string | null {
	if (held !== null) {
		return held;
	}

	if (capacity === null) {
		return null;
	}

	const ahead = waiting.filter(w => w.priority >= newcomer.priority && w.id !== newcomer.id);
	const plan = planAdmission({waiting: [...ahead, newcomer], holders, capacity, tell: []});
	const free = Math.max(0, capacity - holders.length);
	const freeing = holders.filter(h => h.freeing).length;
	// Past the free slots, the waiters take the slots on their way back, then one victim each.
	if (plan.start.includes(newcomer.id) || ahead.length - free < freeing + plan.evict.length) {
		return null;
	}

	const queued = ahead.length > 0 ? `, ${ahead.length} queued ahead of it` : '';
	const lowest = holders
		.filter(h => h.priority !== null && !h.stopping)
		.reduce<number | null>((low, h) => (low === null || (h.priority ?? 0) < low ? h.priority : low), null);
	const outrank =
		lowest === null
			? 'no running task can be evicted (only jobs and programs with a priority can)'
			: newcomer.priority > lowest
				? 'the tasks queued ahead of it take what it could evict'
				: `priority ${newcomer.priority} is not above the lowest running (${lowest})`;
	const full = capacity === 1 ? 'the only slot is taken' : `all ${capacity} slots are taken`;
	return `${full} (max_running ${capacity})${queued}, and ${outrank}`;
}
