/**
 * The words of an alert mail: one subject and a plain-text body for a batch of alerts. Pure.
 */
import type {Alert, AlertKind} from './rules.js';

export type Mail = {from: string; to: string; subject: string; text: string};

const words: Record<AlertKind, string> = {
	fatal: 'is fatal (tm gave up on it)',
	failed: 'failed',
	watchdog: 'was killed by its watchdog',
	stuck: 'was killed as stuck',
	'crash-loop': 'is crash-looping',
	test: 'test alert',
};

/** `web is fatal (tm gave up on it)`. */
export function alertHeadline(alert: Alert): string {
	return alert.kind === 'test' ? 'tm test alert' : `${alert.taskId} ${words[alert.kind]}`;
}

/** The recipients in `email:` (`a@x.org, b@y.org`). */
export function recipientsOf(email: string | null): string[] {
	return email === null ? [] : [...new Set(email.split(',').map(a => a.trim()).filter(Boolean))];
}

export type ComposeOptions = {
	from: string;
	to: string;
	host: string;
	alerts: Alert[];
	/** Alerts left out because too many were waiting. */
	dropped: number;
	/** Where the web view is, to link each task's log; null when it is off. */
	webUrl: string | null;
};

export function composeMail({from, to, host, alerts, dropped, webUrl}: ComposeOptions): Mail {
	const total = alerts.length + dropped;
	const first = alerts[0];
	const subject =
		total === 1 && first !== undefined
			? `[tm ${host}] ${alertHeadline(first)}`
			: `[tm ${host}] ${total} alerts: ${summary(alerts)}`;
	const lines = alerts.map(alert => {
		const link = webUrl !== null && alert.kind !== 'test' ? `\n    log: ${webUrl}/logs/${encodeURIComponent(alert.taskId)}` : '';
		return `${new Date(alert.at).toISOString()}  ${alertHeadline(alert)}\n    ${alert.reason}${link}`;
	});
	if (dropped > 0) {
		lines.push(`… and ${dropped} earlier alert${dropped === 1 ? '' : 's'} not listed (too many at once).`);
	}

	const text = [
		`tm on ${host} reports ${total === 1 ? 'an alert' : `${total} alerts`}:`,
		'',
		...lines,
		'',
		'-- ',
		'tm status; tm history NAME; tm logs NAME',
		'',
	].join('\n');
	// A task name comes from a person; keep it from breaking the header.
	const clean = [...subject].map(c => (c < ' ' || c === '\u007f' ? ' ' : c)).join('');
	return {from, to, subject: clean.slice(0, 300), text};
}

/** `web fatal, api crash-loop (2), +3 more`: the kinds per task, in order of first appearance. */
function summary(alerts: Alert[]): string {
	const counts = new Map<string, number>();
	for (const alert of alerts) {
		const key = alert.kind === 'test' ? 'test' : `${alert.taskId} ${alert.kind}`;
		counts.set(key, (counts.get(key) ?? 0) + 1);
	}

	const parts = [...counts].map(([key, n]) => (n === 1 ? key : `${key} (${n})`));
	const shown = parts.slice(0, 3).join(', ');
	return parts.length > 3 ? `${shown}, +${parts.length - 3} more` : shown;
}
