/**
 * Durations as text, in the two forms tm shows them. Pure.
 */

/** As the config writes a duration: `10m`, `90s`, `2h`, `1500ms` (reasons, alerts). */
export function configDuration(ms: number): string {
	if (ms >= 3_600_000 && ms % 3_600_000 === 0) {
		return `${ms / 3_600_000}h`;
	}

	if (ms >= 60_000 && ms % 60_000 === 0) {
		return `${ms / 60_000}m`;
	}

	return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** An age or uptime, whole seconds down: 42s, 3m05s, 2h01m, 3d04h. Negative counts as 0. */
export function clockDuration(ms: number): string {
	const s = Math.max(0, Math.floor(ms / 1000));
	if (s < 60) {
		return `${s}s`;
	}

	const pad = (n: number): string => String(n).padStart(2, '0');
	if (s < 3600) {
		return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
	}

	if (s < 86_400) {
		return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
	}

	return `${Math.floor(s / 86_400)}d${pad(Math.floor((s % 86_400) / 3600))}h`;
}

/**
 * A delayed job's wait, in local time: `delayed until 03:00:00 (in 12m00s)`, with the date
 * (`2026-12-06 03:00:00`) when it is not today (`tm tasks`, `tm status`, the dashboard).
 */
export function delayedUntil(at: number, now: number): string {
	const when = new Date(at);
	const pad = (n: number): string => String(n).padStart(2, '0');
	const time = `${pad(when.getHours())}:${pad(when.getMinutes())}:${pad(when.getSeconds())}`;
	const date = when.toDateString() === new Date(now).toDateString() ? '' : `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())} `;
	return `delayed until ${date}${time} (in ${clockDuration(at - now)})`;
}
