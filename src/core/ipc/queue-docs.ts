/**
 * The queue and the slots as clients read them (`status`'s daemon part, `tm queue`, `tm scale`):
 * types only, part of the contract like every document in methods.ts.
 */
import type {Cause} from '../model.js';

/** What tasks may hold together (`max_running` as it is now, `taskmaster.capacity`; null: no limit) and what they hold now. */
export type CapacityDoc = {
	slots: number | null;
	/** Bytes. */
	memory: number | null;
	cpu: number | null;
	/** The tasks holding slots: how many, and the sum of their requests. */
	claimed: {slots: number; memory: number; cpu: number};
};

/** One waiting task in `tm queue`. */
export type QueueEntryDoc = {
	id: string;
	name: string;
	priority: number;
	/** Its requests: bytes of memory and CPUs (0: none). */
	requires: {memory: number; cpu: number};
	/** When a delayed job joins the queue (`--delay`, `--at`); null: it is in it now. */
	eligibleAt: string | null;
	/** When it joined the queue (ISO-8601). */
	queuedAt: string;
	/** What it waits for now (the admission plan asked for every waiter). */
	reason: string;
	cause: Cause;
};

/** How many tasks wait at each priority, highest first. */
export type PriorityDepth = Array<{priority: number; count: number}>;

/** `tm queue`: the waiting tasks in the order they would start, and how many wait at each priority (highest first). */
export type QueueDoc = {
	tasks: QueueEntryDoc[];
	depth: PriorityDepth;
	capacity: CapacityDoc;
};

/** The slots tasks take while they run (`max_running`). */
export type SlotsDoc = {
	/** Tasks that may hold a slot now; null: no limit. */
	max: number | null;
	/** Tasks holding one now (starting, running, paused, stopping). */
	holding: number;
	/** What sets `max`: `config` (max_running as written), `scaled` (tm scale --slots), `adaptive` (the pool moves it). */
	mode: 'config' | 'scaled' | 'adaptive';
	/** `max_running` as the config writes it: a number, null (no limit), or an adaptive pool's bounds. */
	configured: number | null | {min: number; max: number};
	/** Why `max` last changed (since the daemon started), and when; null before any change. */
	reason: string | null;
	changedAt: string | null;
};

/** A program `tm scale` changed: its instances now, and what the config says. */
export type ScaledProgram = {program: string; numprocs: number; configured: number};
