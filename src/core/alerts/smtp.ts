/**
 * Mails through the `smtp:` relay with nodemailer. One connection per mail (alerts are rare),
 * with timeouts so a relay that hangs fails the attempt instead of holding it forever.
 */
import os from 'node:os';
import nodemailer from 'nodemailer';
import type {SmtpSpec} from '../model.js';
import type {SendMail} from './alerter.js';

const timeouts = {connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000};

/** `smtp.from`, else `tm@<hostname>`. */
export function senderOf(spec: SmtpSpec, host = os.hostname()): string {
	return spec.from ?? `tm@${host}`;
}

export function smtpSender(spec: SmtpSpec): SendMail {
	const transport = nodemailer.createTransport({
		host: spec.host,
		port: spec.port,
		secure: spec.secure,
		auth: spec.user === null ? undefined : {user: spec.user, pass: spec.pass ?? ''},
		...timeouts,
	});
	return async mail => {
		await transport.sendMail({from: mail.from, to: mail.to, subject: mail.subject, text: mail.text});
	};
}
