/**
 * Requests against capacity (Slurm's and Kubernetes' model: admitted by what tasks declare, not
 * by what they use now): what the tasks holding slots have claimed, what is left, what a request
 * is short of, and the words for it. Pure: the admission plan, the queue document, the daemon's
 * document and the dashboard's header all count with these.
 */
import {liveStates, type Requests, type ResourceCapacity, type StateKind} from './model.js';
import {shortBytes} from './sizes.js';

export type Resource = keyof Requests;

export const resources: readonly Resource[] = ['memory', 'cpu'];

export const noRequests: Requests = Object.freeze({memory: 0, cpu: 0});

export const noLimit: ResourceCapacity = Object.freeze({memory: null, cpu: null});

/** The slots and requests tasks holding slots claim together. */
export type Claimed = Requests & {slots: number};

export const noClaims: Claimed = Object.freeze({slots: 0, memory: 0, cpu: 0});

/** What the given requests add up to (the claimed part of the capacity). */
export function claimedBy(items: Iterable<Requests | undefined>): Requests {
	let memory = 0;
	let cpu = 0;
	for (const item of items) {
		memory += item?.memory ?? 0;
		cpu += item?.cpu ?? 0;
	}

	// Sums of decimals (0.1 + 0.2) stay comparable with what people wrote.
	return {memory, cpu: round(cpu)};
}

/**
 * The slots and requests the tasks in a slot-holding state (`liveStates`) claim: the daemon's
 * document counts its holders with this, the dashboard the task documents it has.
 */
export function claimedOf(tasks: Iterable<{state: StateKind; requires?: Requests}>): Claimed {
	const holding = [...tasks].filter(task => liveStates.has(task.state));
	return {slots: holding.length, ...claimedBy(holding.map(task => task.requires))};
}

/** The capacity less what is claimed; below 0 after a reload shrank the capacity under what runs. */
export function unclaimed(capacity: ResourceCapacity, claimed: Requests): ResourceCapacity {
	return {
		memory: capacity.memory === null ? null : capacity.memory - claimed.memory,
		cpu: capacity.cpu === null ? null : round(capacity.cpu - claimed.cpu),
	};
}

/** The resources `requires` asks more of than `room` has (null: no limit). */
export function shortOf(requires: Requests, room: ResourceCapacity): Resource[] {
	return resources.filter(key => {
		const left = room[key];
		return requires[key] > 0 && left !== null && requires[key] > left + 1e-9;
	});
}

/** `room` less `requires` (null stays null). */
export function minus(room: ResourceCapacity, requires: Requests): ResourceCapacity {
	return {memory: room.memory === null ? null : room.memory - requires.memory, cpu: room.cpu === null ? null : round(room.cpu - requires.cpu)};
}

/** `room` plus `requires` (null stays null). */
export function plus(room: ResourceCapacity, requires: Requests): ResourceCapacity {
	return minus(room, {memory: -requires.memory, cpu: -requires.cpu});
}

/** 2G, 1.2G, 512M: a size as people write it (no `.0`). */
export function sizeText(bytes: number): string {
	return shortBytes(bytes).replace(/\.0(?=[A-Z])/, '');
}

/** 1.5, 4, 0.25: CPUs with at most two decimals. */
export function cpuText(cpus: number): string {
	return String(Math.round(Math.max(0, cpus) * 100) / 100);
}

/** `2G memory`, `1.5 CPUs`, `1 CPU`. */
export function amountText(key: Resource, amount: number): string {
	return key === 'memory' ? `${sizeText(amount)} memory` : `${cpuText(amount)} ${amount === 1 ? 'CPU' : 'CPUs'}`;
}

/**
 * What a waiting task is short of, for its reason: `2G memory: 1.2G of 12G unclaimed`; with
 * both, `2G memory and 1.5 CPUs: 1.2G of 12G memory and 0.5 of 4 CPUs unclaimed`.
 */
export function shortText(requires: Requests, short: Resource[], room: ResourceCapacity, capacity: ResourceCapacity): string {
	const left = (key: Resource): string => {
		const value = Math.max(0, room[key] ?? 0);
		const whole = capacity[key] ?? 0;
		return key === 'memory' ? `${sizeText(value)} of ${sizeText(whole)}` : `${cpuText(value)} of ${cpuText(whole)}`;
	};

	const asked = short.map(key => amountText(key, requires[key])).join(' and ');
	const lefts = short.length === 1 ? left(short[0]!) : short.map(key => `${left(key)} ${key === 'memory' ? 'memory' : 'CPUs'}`).join(' and ');
	return `${asked}: ${lefts} unclaimed`;
}

/** Why a request can never be admitted (more than the whole capacity), or null. */
export function tooBig(requires: Requests, capacity: ResourceCapacity): string | null {
	const over = shortOf(requires, capacity);
	if (over.length === 0) {
		return null;
	}

	const whole = over.map(key => `${key === 'memory' ? sizeText(capacity.memory ?? 0) : cpuText(capacity.cpu ?? 0)} ${key === 'memory' ? 'memory' : 'CPUs'}`).join(' and ');
	return `needs ${over.map(key => amountText(key, requires[key])).join(' and ')}, more than the whole capacity (${whole})`;
}

function round(value: number): number {
	return Math.round(value * 1e6) / 1e6;
}
