/**
 * Mail alerts: events in, batched mails out. The first alert for a recipient opens a window
 * (`alerts.batch`); everything raised until it closes goes out as one mail. A failed send is
 * logged and retried with exponential backoff, the alerts raised meanwhile joining the retry.
 * Sending is asynchronous and never awaited by the engine: a slow or dead SMTP server never
 * holds up supervision. Every wait is on the injected clock, so the batching is testable.
 */
import type {Clock, TimerHandle} from '../clock.js';
import type {TaskEventRecord} from '../engine.js';
import {messageOf, TmError} from '../errors.js';
import type {AlertsSpec, Millis} from '../model.js';
import {composeMail, type Mail} from './mail.js';
import {configDuration} from '../durations.js';
import {AlertRules, type Alert} from './rules.js';

/** Delivers one mail; rejects when the relay refused it or could not be reached. */
export type SendMail = (mail: Mail) => Promise<void>;

export type AlerterOptions = {
	clock: Clock;
	recipients: string[];
	from: string;
	/** The machine's name, in subjects. */
	host: string;
	spec: AlertsSpec;
	send: SendMail;
	/** Where the web view is (linked from each alert), or null when it is off. */
	webUrl?: () => string | null;
	/** A fact for the daemon log (a mail went out). */
	log?(message: string, data: Record<string, unknown>): void;
	/** A problem (a mail could not be sent). */
	warn?(message: string): void;
	/** Backoff between attempts after a failure: 10s, 20s, … up to 15 minutes by default. */
	retry?: {initialMs: Millis; maxMs: Millis};
	/** Alerts kept per recipient while waiting; older ones are dropped (and counted). */
	maxPending?: number;
};

export type AlerterStats = {raised: number; mailsSent: number; sendFailures: number; pending: number; dropped: number};

type Outbox = {
	to: string;
	items: Alert[];
	/** Alerts dropped since the last mail that went out. */
	dropped: number;
	timer: TimerHandle | null;
	sending: Promise<void> | null;
	failures: number;
};

const defaultRetry = {initialMs: 10_000, maxMs: 15 * 60_000};
const defaultMaxPending = 200;

export class Alerter {
	readonly #options: AlerterOptions;
	readonly #rules: AlertRules;
	readonly #outboxes: Outbox[];
	readonly #retry: {initialMs: Millis; maxMs: Millis};
	readonly #maxPending: number;
	#closed = false;
	#stats = {raised: 0, mailsSent: 0, sendFailures: 0, dropped: 0};

	constructor(options: AlerterOptions) {
		if (options.recipients.length === 0) {
			throw new TmError('E_USAGE', 'alerts need at least one recipient (taskmaster.email)');
		}

		this.#options = options;
		this.#rules = new AlertRules(options.spec);
		this.#retry = options.retry ?? defaultRetry;
		this.#maxPending = Math.max(1, options.maxPending ?? defaultMaxPending);
		this.#outboxes = options.recipients.map(to => ({to, items: [], dropped: 0, timer: null, sending: null, failures: 0}));
	}

	get recipients(): string[] {
		return this.#outboxes.map(o => o.to);
	}

	stats(): AlerterStats {
		const pending = this.#outboxes.reduce((n, o) => n + o.items.length, 0);
		return {...this.#stats, pending};
	}

	/** Feeds one engine event through the rules; raises what they find. */
	observe(event: TaskEventRecord): void {
		for (const alert of this.#rules.check(event)) {
			this.raise(alert);
		}
	}

	/** Queues `alert` for every recipient; the mail leaves when the batch window closes. */
	raise(alert: Alert): void {
		if (this.#closed) {
			return;
		}

		this.#stats.raised++;
		for (const box of this.#outboxes) {
			box.items.push(alert);
			if (box.items.length > this.#maxPending) {
				box.items.shift();
				box.dropped++;
				this.#stats.dropped++;
			}

			if (box.timer === null && box.sending === null) {
				box.timer = this.#options.clock.at(this.#options.clock.now() + this.#options.spec.batchMs, () => {
					box.timer = null;
					void this.#deliver(box, true);
				});
			}
		}
	}

	/**
	 * Sends what is waiting now, one attempt per recipient, and resolves when every attempt has
	 * ended (for shutdown). Failures are warned about, not thrown.
	 */
	async flush(): Promise<void> {
		await Promise.all(
			this.#outboxes.map(async box => {
				await box.sending;
				box.timer?.cancel();
				box.timer = null;
				await this.#deliver(box, false);
			}),
		);
	}

	/** Sends a test mail to every recipient now, outside any batch; rejects naming what failed. */
	async sendTest(): Promise<{recipients: string[]}> {
		const alert: Alert = {at: this.#options.clock.now(), taskId: '-', kind: 'test', reason: 'This is a test mail from `tm alert test`: alerts reach you.'};
		const failures: string[] = [];
		await Promise.all(
			this.#outboxes.map(async box => {
				try {
					await this.#options.send(this.#compose(box.to, [alert], 0));
					this.#options.log?.('alert test mail sent', {to: box.to});
				} catch (error) {
					failures.push(`${box.to}: ${messageOf(error)}`);
				}
			}),
		);
		if (failures.length > 0) {
			throw new TmError('E_INTERNAL', `test mail not sent: ${failures.join('; ')}`);
		}

		return {recipients: this.recipients};
	}

	/** Stops every timer; what is still waiting is not sent (call `flush` first to send it). */
	close(): void {
		this.#closed = true;
		for (const box of this.#outboxes) {
			box.timer?.cancel();
			box.timer = null;
		}
	}

	#compose(to: string, alerts: Alert[], dropped: number): Mail {
		const {from, host, webUrl} = this.#options;
		return composeMail({from, to, host, alerts, dropped, webUrl: webUrl?.() ?? null});
	}

	/** One attempt to mail what `box` holds; on failure, `retry` schedules the next one. */
	#deliver(box: Outbox, retry: boolean): Promise<void> {
		if (box.items.length === 0 || box.sending !== null) {
			return box.sending ?? Promise.resolve();
		}

		const items = box.items.splice(0);
		const {dropped} = box;
		box.dropped = 0;
		const attempt = async (): Promise<void> => {
			try {
				await this.#options.send(this.#compose(box.to, items, dropped));
				box.failures = 0;
				this.#stats.mailsSent++;
				this.#options.log?.('alert mail sent', {to: box.to, alerts: items.length + dropped});
			} catch (error) {
				box.failures++;
				this.#stats.sendFailures++;
				// Put them back in front of what came meanwhile, within the cap.
				box.items.unshift(...items);
				box.dropped += dropped;
				const over = box.items.length - this.#maxPending;
				if (over > 0) {
					box.items.splice(0, over);
					box.dropped += over;
					this.#stats.dropped += over;
				}

				const delay = Math.min(this.#retry.initialMs * 2 ** (box.failures - 1), this.#retry.maxMs);
				const next = retry && !this.#closed ? `; retrying in ${configDuration(delay)}` : '';
				this.#options.warn?.(`alert mail to ${box.to} not sent (attempt ${box.failures})${next}: ${messageOf(error)}`);
				// The daemon log too: where people look for what tm did, not only tmd.out.
				this.#options.log?.('alert mail not sent', {to: box.to, attempt: box.failures, alerts: items.length + dropped, error: messageOf(error), retrying: next !== ''});
				if (retry && !this.#closed) {
					box.timer = this.#options.clock.at(this.#options.clock.now() + delay, () => {
						box.timer = null;
						void this.#deliver(box, true);
					});
				}

				return;
			}

			// Alerts that came while this mail was on its way open a new window.
			if (box.items.length > 0 && retry && !this.#closed && box.timer === null) {
				box.timer = this.#options.clock.at(this.#options.clock.now() + this.#options.spec.batchMs, () => {
					box.timer = null;
					void this.#deliver(box, true);
				});
			}
		};

		const sending = attempt().finally(() => {
			box.sending = null;
		});
		box.sending = sending;
		return sending;
	}
}
