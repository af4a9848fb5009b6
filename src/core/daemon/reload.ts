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
import type {DaemonLog} from './daemon-log.js';
import {applyReload, planReload} from './reload-plan.js';

export type ReloadsDeps = {
	engine: Engine;
	clock: Clock;
	log: DaemonLog;
	/** After an applied reload, before it is announced (schedules and start-up pages: housekeeping.ts). */
	onApplied(): void;
};

export class Reloads {
	readonly #deps: ReloadsDeps;
	/** The last reload asked (settled, failed or not); null until recovery has begun. */
	#last: Promise<unknown> | null = null;

	/** Made before the control socket, whose `reload` it answers; reloads asked before {@link begin} are refused. */
	constructor(deps: ReloadsDeps) {
		this.#deps = deps;
	}

	/** From now on, reloads run one after the other, the first once `recovered` has. */
	begin(recovered: Promise<void>): void {
		this.#last = recovered;
	}

	/** Re-reads the config file and applies the difference (or only plans it, with `dryRun`). */
	async reload(dryRun = false): Promise<ReloadResult> {
		if (this.#last === null) {
			throw new TmError('E_INTERNAL', 'the daemon is still starting');
		}

		const {engine, clock, log, onApplied} = this.#deps;
		const next = this.#last.then(async () => reloadConfig(engine, dryRun)).then(result => {
			if (result.applied) {
				onApplied();
			}

			return result;
		});
		this.#last = next.catch(() => undefined);
		const result = await next;
		if (result.applied) {
			engine.note(null, 'reload', {...result, reason: describeReload(result)});
			log.note('config reloaded', {...result}, clock.now());
		}

		return result;
	}
}

async function reloadConfig(engine: Engine, dryRun: boolean): Promise<ReloadResult> {
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
		await applyReload(engine, loaded.value, plan);
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
