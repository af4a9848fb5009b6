/**
 * Short texts for sizes and CPU percents, the same in `tm status` and the dashboard.
 */

/** 980B, 512K, 31M, 1.2G: at most 5 characters. */
export function shortBytes(bytes: number): string {
	const units = ['B', 'K', 'M', 'G', 'T', 'P'];
	let value = Math.max(0, bytes);
	let unit = 0;
	while (value >= 1000 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}

	const text = value < 10 && unit > 0 ? value.toFixed(1) : String(Math.round(value));
	return `${text}${units[unit]}`;
}

/** 0.4, 12.3, 143: a CPU percent in at most 5 characters. */
export function shortPercent(value: number): string {
	if (value < 100) {
		return value.toFixed(1);
	}

	return String(Math.round(value));
}
