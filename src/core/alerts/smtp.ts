/**
 * Mails through the `smtp:` relay with nodemailer. One connection per mail (alerts are rare),
 * with timeouts so a relay that hangs fails the attempt instead of holding it forever.
 * nodemailer is loaded on the first mail, so commands and daemons without alerts never pay for it.
 */
import os from 'node:os';
import type {Transporter} from 'nodemailer';
import type {SmtpSpec} from '../model.js';
import type {SendMail} from './alerter.js';

const timeouts = {connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000};

/** `smtp.from`, else `tm@<hostname>`. */
export function senderOf(spec: SmtpSpec, host = os.hostname()): string {
	return spec.from ?? `tm@${host}`;
}

export function smtpSender(spec: SmtpSpec): SendMail {
	let transport: Promise<Transporter> | null = null;
	const open = async (): Promise<Transporter> => {
		const {default: nodemailer} = await import('nodemailer');
		return nodemailer.createTransport({
			host: spec.host,
			port: spec.port,
			secure: spec.secure,
			auth: spec.user === null ? undefined : {user: spec.user, pass: spec.pass ?? ''},
			...timeouts,
		});
	};

	return async mail => {
		transport ??= open();
		await (await transport).sendMail({from: mail.from, to: mail.to, subject: mail.subject, text: mail.text});
	};
}
