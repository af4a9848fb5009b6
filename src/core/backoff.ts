/**
 * The restart throttle: exponential backoff with jitter and a cap. Pure.
 */
import type {BackoffSpec} from './model.js';

/**
 * The delay before attempt number `n` after a failure (n ≥ 1): `initial × factor^(n-1)`,
 * scaled by a jitter factor drawn from `random` ∈ [0, 1), and never above `max`.
 */
export function backoffDelay(spec: BackoffSpec, n: number, random: number): number {
	if (n <= 0 || spec.initialMs <= 0) {
		return 0;
	}

	const base = spec.initialMs * spec.factor ** (n - 1);
	const jitter = spec.jitter * (2 * random - 1);
	return Math.round(Math.min(spec.maxMs, base * (1 + jitter)));
}
