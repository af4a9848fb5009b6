/**
 * `schedule: "<cron>"`: a program with a schedule does not autostart; it is started at each
 * time its cron expression names (cron-parser, the machine's time zone). A time that comes while
 * the previous run is still going is skipped and recorded, so runs never overlap.
 */
import {CronExpressionParser} from 'cron-parser';
import type {Clock, TimerHandle} from './clock.js';
import type {Engine} from './engine.js';
import {messageOf} from './errors.js';
import type {Millis} from './model.js';

/** The first time after `after` that `expression` names. */
export function nextFire(expression: string, after: Millis): Millis {
	return CronExpressionParser.parse(expression, {currentDate: new Date(after)}).next().getTime();
}

export class Schedules {
	private readonly timers = new Map<string, TimerHandle>();
	private readonly engine: Engine;
	private readonly clock: Clock;
	private readonly onWarning: (message: string) => void;

	constructor(engine: Engine, clock: Clock, onWarning: (message: string) => void = () => {}) {
		this.engine = engine;
		this.clock = clock;
		this.onWarning = onWarning;
	}

	/** Arms every scheduled program's next run (again after a reload: specs may have changed). */
	refresh(): void {
		this.stop();
		for (const task of this.engine.list()) {
			if (task.spec.kind === 'service' && task.spec.schedule !== null) {
				this.arm(task.id, task.spec.schedule);
			}
		}
	}

	stop(): void {
		for (const timer of this.timers.values()) {
			timer.cancel();
		}

		this.timers.clear();
	}

	private arm(id: string, expression: string): void {
		let at: Millis;
		try {
			at = nextFire(expression, this.clock.now());
		} catch (error) {
			this.onWarning(`${id}: schedule ${expression} has no next time: ${messageOf(error)}`);
			return;
		}

		const task = this.engine.list().find(t => t.id === id);
		task?.scheduled(at);

		this.timers.set(
			id,
			this.clock.at(at, () => {
				this.timers.delete(id);
				this.fire(id, expression);
			}),
		);
	}

	private fire(id: string, expression: string): void {
		const task = this.engine.list().find(t => t.id === id);
		if (!task || task.spec.schedule !== expression) {
			return;
		}

		const {kind} = task.record.state;
		if (task.pid !== null || kind === 'queued' || kind === 'backoff') {
			this.engine.note(id, 'schedule-skipped', {reason: `schedule ${expression}: the previous run is still ${kind}; skipped`});
		} else {
			task.dispatch({type: 'start', reason: `schedule ${expression}`, cause: 'schedule'});
		}

		this.arm(id, expression);
	}
}
