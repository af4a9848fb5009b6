/**
 * A real SMTP server (smtp-server) on 127.0.0.1 and a free port, keeping every mail it accepts
 * with its envelope, headers and decoded text body.
 */
import type {AddressInfo, Server} from 'node:net';
import {SMTPServer} from 'smtp-server';

export type ReceivedMail = {from: string; to: string[]; headers: Record<string, string>; subject: string; text: string};

function decodeQuotedPrintable(text: string): string {
	const bytes = text.replaceAll(/=\r?\n/g, '').replaceAll(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
	return Buffer.from(bytes, 'latin1').toString('utf8');
}

export function parseMail(raw: string, envelope: {from: string; to: string[]}): ReceivedMail {
	const split = raw.indexOf('\r\n\r\n');
	const head = raw.slice(0, split).replaceAll(/\r\n[ \t]+/g, ' ');
	const headers: Record<string, string> = {};
	for (const line of head.split('\r\n')) {
		const colon = line.indexOf(':');
		headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
	}

	let text = raw.slice(split + 4);
	const encoding = (headers['content-transfer-encoding'] ?? '').toLowerCase();
	if (encoding === 'quoted-printable') {
		text = decodeQuotedPrintable(text);
	} else if (encoding === 'base64') {
		text = Buffer.from(text, 'base64').toString('utf8');
	}

	return {...envelope, headers, subject: headers['subject'] ?? '', text: text.replaceAll('\r\n', '\n')};
}

export type SmtpSink = {port: number; mails: ReceivedMail[]; close(): Promise<void>};

export async function smtpSink(port = 0): Promise<SmtpSink> {
	const mails: ReceivedMail[] = [];
	const server = new SMTPServer({
		disabledCommands: ['AUTH', 'STARTTLS'],
		logger: false,
		onData(stream, session, callback) {
			const chunks: Buffer[] = [];
			stream.on('data', (chunk: Buffer) => chunks.push(chunk));
			stream.on('end', () => {
				const envelope = {
					from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
					to: session.envelope.rcptTo.map(r => r.address),
				};
				mails.push(parseMail(Buffer.concat(chunks).toString('utf8'), envelope));
				callback();
			});
		},
	});
	const net = await new Promise<Server>((resolve, reject) => {
		const listening = server.listen(port, '127.0.0.1', () => resolve(listening));
		listening.once('error', reject);
	});
	return {
		port: (net.address() as AddressInfo).port,
		mails,
		close: () => new Promise<void>(resolve => server.close(() => resolve())),
	};
}
