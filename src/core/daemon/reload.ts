/**
 * `tm reload` and SIGHUP in the daemon: the config file read again (every problem, or nothing
 * changes), the difference planned and applied (reload-plan.ts), one reload at a time in the
 * order asked, and only once recovery is over. An applied reload is an event and a line of the
 * daemon log.
 */
import type {Clock} from '../clock.js';
import {formatIssue, loadConfigFile} from '../config/index.js';
import type {Engine} from '../engine.js';
import {TmError} from '../errors.js';
import type {ReloadResult} from '../ipc/methods.js';
import type {Config, ProgramSpec} from '../model.js';
import type {DaemonLog} from './daemon-log.js';
import {applyReload, planReload} from './reload-plan.js';

/** What a reload asks of `tm scale`'s overrides (scale.ts). */
export type ReloadScales = {
	/** The new config, before it is applied: overrides of a value that changed give way. */
	configChanged(next: Config): void;
	/** A program's instances: the override's count, else numprocs. */
	count(program: ProgramSpec): number;
};

export type ReloadsDeps = {
	engine: Engine;
	clock: Clock;
	log: DaemonLog;
	scales?: ReloadScales;
	/** After an applied reload, before it is announced (schedules and start-up pages: housekeeping.ts). */
	onApplied(): void;
};

export class Reloads {
	readonly #deps: ReloadsDeps;
	/** The last reload or scale asked (settled, failed or not); the first waits for recovery to begin. */
	#last: Promise<unknown>;
	#begin: (recovered: Promise<void>) => void = () => undefined;

	/** Made before the control socket, whose `reload` it answers; what is asked before {@link begin} waits for it. */
	constructor(deps: ReloadsDeps) {
		this.#deps = deps;
		this.#last = new Promise<void>(resolve => {
			this.#begin = resolve;
		});
	}

	/** From now on, reloads run one after the other, the first once `recovered` has. */
	begin(recovered: Promise<void>): void {
		this.#begin(recovered);
	}

	/** Runs `work` once recovery is over and every reload (and scale) asked before it has settled. */
	async exclusive<T>(work: () => Promise<T>): Promise<T> {
		const next = this.#last.then(work);
		this.#last = next.catch(() => undefined);
		return next;
	}

	/** Re-reads the config file and applies the difference (or only plans it, with `dryRun`). */
	async reload(dryRun = false): Promise<ReloadResult> {
		const {engine, clock, log, onApplied, scales} = this.#deps;
		const result = await this.exclusive(async () => {
			const done = await reloadConfig(engine, dryRun, scales);
			if (done.applied) {
				onApplied();
			}

			return done;
		});
		if (result.applied) {
			engine.note(null, 'reload', {...result, reason: describeReload(result)});
			log.note('config reloaded', {...result}, clock.now());
		}

		return result;
	}
}

async function reloadConfig(engine: Engine, dryRun: boolean, scales: ReloadScales | undefined): Promise<ReloadResult> {
	const file = engine.config.file;
	if (file === null) {
		throw new TmError('E_CONFIG_NOT_FOUND', 'the daemon was started without a config file; nothing to reload');
	}

	const loaded = await loadConfigFile(file);
	if (!loaded.ok) {
		const issues = loaded.error.map(issue => formatIssue(issue)).join('\n');
		throw new TmError('E_CONFIG_INVALID', `${file} is invalid; nothing was changed:\n${issues}`);
	}

	const plan = planReload(engine.config, loaded.value);
	if (!dryRun) {
		scales?.configChanged(loaded.value);
		await applyReload(engine, loaded.value, plan, scales && (program => scales.count(program)));
	}

	return {...plan, applied: !dryRun};
}

/** The `reload` event's reason. */
function describeReload(result: ReloadResult): string {
	const parts = [
		result.added.length > 0 ? `added ${result.added.join(', ')}` : '',
		result.removed.length > 0 ? `removed ${result.removed.join(', ')}` : '',
		result.changed.length > 0 ? `changed ${result.changed.map(c => c.name).join(', ')}` : '',
	].filter(Boolean);
	return `config reloaded: ${parts.length > 0 ? parts.join('; ') : 'no program changed'}`;
}
