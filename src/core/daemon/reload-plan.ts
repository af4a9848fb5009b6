/**
 * `tm reload` and SIGHUP: compare the running config with a new one program by program, by
 * effective spec (after defaults and path resolution), and apply only the difference. Added
 * programs start (when `autostart`), removed ones stop and leave, changed ones restart with the
 * new spec (a change of `numprocs` alone only adds or removes instances), unchanged ones are not
 * touched: same process, same pid.
 */
import type {Engine} from '../engine.js';
import {removedReason, type Config, type DaemonSpec, type ProgramSpec} from '../model.js';
import {setInstances} from './instances.js';

export type ReloadPlan = {
	added: string[];
	removed: string[];
	changed: Array<{name: string; keys: string[]}>;
	unchanged: string[];
	/** Keys of the daemon section that differ (they apply at once; `http` and `logfile` need a restart). */
	daemon: string[];
};

/** `taskmaster:` keys the running daemon cannot take on: they are read once, at its start. */
const readAtStart: ReadonlySet<string> = new Set(['logfile', 'email', 'smtp', 'alerts', 'http', 'http_token', 'http_cors', 'sample_interval', 'cgroups', 'cluster']);

/** Whether a changed `taskmaster:` key waits for the daemon's next start (the others apply at once). */
export function needsRestart(key: string): boolean {
	return readAtStart.has(key);
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** A spec field as the config spells it: `stoptimeMs` → `stoptime`, `maxRunning` → `max_running`. */
function configKey(field: string): string {
	return field
		.replace(/Ms$/, '')
		.replaceAll(/[A-Z]/g, letter => `_${letter.toLowerCase()}`);
}

/** The config keys whose values differ, in the spec's field order. */
function changedKeys<T extends object>(before: T, after: T): string[] {
	const fields = new Set([...Object.keys(after), ...Object.keys(before)]);
	const keys = [...fields]
		.filter(field => !same((before as Record<string, unknown>)[field], (after as Record<string, unknown>)[field]))
		// argv is derived from cmd and shell; group from the daemon's gid; httpDefault from http and logfile.
		.map(field => (field === 'argv' ? 'cmd' : field === 'group' ? 'gid' : field === 'httpDefault' ? 'http' : configKey(field)));
	return [...new Set(keys)];
}

/** Pure: what a reload from `current` to `next` does. */
export function planReload(current: Config, next: Config): ReloadPlan {
	const before = new Map(current.programs.map(program => [program.name, program]));
	const after = new Map(next.programs.map(program => [program.name, program]));
	const plan: ReloadPlan = {added: [], removed: [], changed: [], unchanged: [], daemon: changedKeys<DaemonSpec>(current.daemon, next.daemon)};
	for (const [name, program] of after) {
		const old = before.get(name);
		if (!old) {
			plan.added.push(name);
			continue;
		}

		const keys = changedKeys<ProgramSpec>(old, program);
		if (keys.length > 0) {
			plan.changed.push({name, keys});
		} else {
			plan.unchanged.push(name);
		}
	}

	for (const name of before.keys()) {
		if (!after.has(name)) {
			plan.removed.push(name);
		}
	}

	return plan;
}

/**
 * Applies `plan` to the engine: removed programs' tasks stop and leave; changed and added ones
 * get their instances (instances.ts: `count` of them, the config's numprocs unless `tm scale`
 * says otherwise), restarted only where their spec changed. Resolves once every affected task
 * has settled into its new spec. Jobs and unchanged programs are not touched.
 */
export async function applyReload(engine: Engine, next: Config, plan: ReloadPlan, count: (program: ProgramSpec) => number = p => p.numprocs): Promise<void> {
	engine.setConfig(next);
	const programs = new Map(next.programs.map(program => [program.name, program]));
	const work: Array<Promise<unknown>> = [];
	for (const name of plan.removed) {
		for (const task of engine.list().filter(t => t.spec.kind === 'service' && t.spec.program === name)) {
			work.push(engine.remove(task.id, `${removedReason} (reload)`));
		}
	}

	for (const {name, keys} of plan.changed) {
		const program = programs.get(name)!;
		const why = {changed: `reload: ${keys.join(', ')} changed`, removed: `${removedReason} (reload: numprocs of ${name} lowered)`, added: 'reload: added', cause: 'config'} as const;
		work.push(setInstances(engine, program, count(program), why));
	}

	for (const name of plan.added) {
		const program = programs.get(name)!;
		work.push(setInstances(engine, program, count(program), {changed: 'reload', removed: 'reload', added: 'reload: added', cause: 'config'}));
	}

	await Promise.all(work);
}
