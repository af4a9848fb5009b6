/**
 * The notify channel (fd 3): lines in sd_notify's vocabulary, parsed incrementally. Partial
 * lines are kept; garbage, oversized lines and floods are counted and dropped, never thrown.
 */

export type NotifyMessage =
	| {type: 'ready'}
	| {type: 'heartbeat'}
	| {type: 'progress'; percent: number; text: string | null}
	| {type: 'status'; text: string}
	| {type: 'checkpoint'; data: string};

/** CHECKPOINT may carry up to 64 KiB; nothing longer is a valid line. */
export const maxNotifyLine = 64 * 1024 + 16;

/** Parses one line; null when it is not a message tm knows. */
export function parseNotifyLine(line: string): NotifyMessage | null {
	const eq = line.indexOf('=');
	if (eq <= 0) {
		return null;
	}

	const key = line.slice(0, eq);
	const value = line.slice(eq + 1);
	switch (key) {
		case 'READY': {
			return value === '1' ? {type: 'ready'} : null;
		}

		case 'WATCHDOG': {
			return value === '1' ? {type: 'heartbeat'} : null;
		}

		case 'PROGRESS': {
			const match = /^(\d{1,3}(?:\.\d+)?)(?:\s+(.*))?$/.exec(value);
			const percent = match ? Number(match[1]) : Number.NaN;
			return match && percent <= 100 ? {type: 'progress', percent, text: match[2] || null} : null;
		}

		case 'STATUS': {
			return {type: 'status', text: value.slice(0, 1024)};
		}

		case 'CHECKPOINT': {
			return {type: 'checkpoint', data: value};
		}

		default: {
			return null;
		}
	}
}

export class NotifyParser {
	/** Lines that were not valid messages, or were too long. */
	garbage = 0;
	private partial = '';
	private skipping = false;

	push(chunk: Buffer): NotifyMessage[] {
		const messages: NotifyMessage[] = [];
		const text = this.partial + chunk.toString('utf8');
		let start = 0;
		for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
			const line = text.slice(start, nl);
			start = nl + 1;
			if (this.skipping) {
				this.skipping = false;
				continue;
			}

			const message = line.length <= maxNotifyLine ? parseNotifyLine(line.replace(/\r$/, '')) : null;
			if (message) {
				messages.push(message);
			} else if (line.length > 0) {
				this.garbage++;
			}
		}

		this.partial = text.slice(start);
		if (this.partial.length > maxNotifyLine) {
			this.partial = '';
			this.garbage++;
			this.skipping = true;
		}

		return messages;
	}
}

/** The valid messages among `lines` (sent over the socket: `tm heartbeat`); too long or malformed ones are left out. */
export function parseNotifyLines(lines: string[]): NotifyMessage[] {
	return lines.flatMap(line => {
		const message = line.length <= maxNotifyLine ? parseNotifyLine(line) : null;
		return message === null ? [] : [message];
	});
}
