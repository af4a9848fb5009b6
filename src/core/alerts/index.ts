/**
 * Mail alerts as the daemon wires them: on when `taskmaster.email` is set, through `smtp:`.
 */
import os from 'node:os';
import type {Clock} from '../clock.js';
import {alertsDefaults, smtpDefaults} from '../config/defaults.js';
import {TmError} from '../errors.js';
import type {DaemonSpec} from '../model.js';
import {Alerter, type SendMail} from './alerter.js';
import {recipientsOf} from './mail.js';
import {senderOf, smtpSender} from './smtp.js';

export {Alerter, type AlerterStats, type SendMail} from './alerter.js';

export type AlertsDeps = {
	clock: Clock;
	log(message: string, data: Record<string, unknown>): void;
	warn(message: string): void;
	webUrl?: () => string | null;
	/** Replaces SMTP (tests). */
	send?: SendMail;
	host?: string;
};

/** The daemon's alerter, or null when `email:` is not set. */
export function createAlerter(daemon: DaemonSpec, deps: AlertsDeps): Alerter | null {
	const recipients = recipientsOf(daemon.email);
	if (recipients.length === 0) {
		return null;
	}

	const smtp = daemon.smtp ?? {...smtpDefaults};
	const host = deps.host ?? os.hostname();
	return new Alerter({
		clock: deps.clock,
		recipients,
		from: senderOf(smtp, host),
		host,
		spec: daemon.alerts ?? alertsDefaults,
		send: deps.send ?? smtpSender(smtp),
		webUrl: deps.webUrl,
		log: deps.log,
		warn: deps.warn,
	});
}

/** What `tm alert test` does in the daemon: mails every recipient now, or says why it cannot. */
export async function alertTest(alerter: Alerter | null): Promise<{recipients: string[]}> {
	if (alerter === null) {
		throw new TmError('E_USAGE', 'mail alerts are off: set taskmaster.email (and taskmaster.smtp) in the config');
	}

	return alerter.sendTest();
}
