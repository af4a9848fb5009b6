/**
 * Every `Cause` as a word at run time (`tm history --cause`, `tm events --cause`): an object with
 * one key per cause, so a cause added to the type and not here fails the type check.
 */
import type {Cause} from './model.js';

const every: Record<Cause, true> = {
	requested: true,
	config: true,
	submitted: true,
	schedule: true,
	restored: true,
	shutdown: true,
	admitted: true,
	capacity: true,
	dependency: true,
	descriptors: true,
	spawned: true,
	spawn_failed: true,
	ready: true,
	timeout: true,
	backoff_over: true,
	delay_over: true,
	exit: true,
	signal: true,
	daemonized: true,
	watchdog: true,
	max_runtime: true,
	max_memory: true,
	stuck: true,
	oom: true,
	evicted: true,
	cancelled: true,
	dead_letter: true,
	removed: true,
	orphan: true,
	lease_lost: true,
	max_restarts: true,
	none: true,
};

export const causes = Object.keys(every) as Cause[];

export const isCause = (word: string): word is Cause => Object.hasOwn(every, word);
