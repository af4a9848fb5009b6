/**
 * Expected failures are values (`Result`); unexpected ones are thrown. Every error tm reports
 * has a stable code that crosses the socket unchanged and maps to an exit code in `bin/`.
 */

export type TmErrorCode =
	| 'E_USAGE'
	| 'E_CONFIG_INVALID'
	| 'E_CONFIG_NOT_FOUND'
	| 'E_DAEMON_NOT_RUNNING'
	| 'E_DAEMON_RUNNING'
	| 'E_UNKNOWN_TASK'
	| 'E_SPAWN'
	| 'E_STORE'
	| 'E_PROTOCOL'
	| 'E_INTERNAL'
	/** `tm run --no-queue`: no slot for the job now (seed 004's fail-fast submit). */
	| 'E_NO_SLOT'
	/** `tm run --memory/--cpus` asking for more than the whole `taskmaster.capacity`: it could never start. */
	| 'E_OVER_CAPACITY'
	/** The cluster (PostgreSQL) cannot be reached or refused: `taskmaster.cluster`. */
	| 'E_CLUSTER';

export class TmError extends Error {
	override readonly name = 'TmError';
	readonly code: TmErrorCode;
	/** More fields for the JSON error document (`{"error": {code, message, …details}}`). */
	readonly details: Readonly<Record<string, unknown>> | undefined;

	constructor(code: TmErrorCode, message: string, options?: {cause?: unknown; details?: Record<string, unknown>}) {
		super(message, options?.cause === undefined ? undefined : {cause: options.cause});
		this.code = code;
		this.details = options?.details;
	}
}

/** Exit codes of SPEC §6. */
export function exitCodeFor(code: TmErrorCode): number {
	switch (code) {
		case 'E_USAGE':
		case 'E_OVER_CAPACITY':
		case 'E_CONFIG_INVALID':
		case 'E_CONFIG_NOT_FOUND': {
			return 2;
		}

		case 'E_DAEMON_NOT_RUNNING': {
			return 3;
		}

		case 'E_UNKNOWN_TASK': {
			return 4;
		}

		case 'E_NO_SLOT': {
			return 5;
		}

		case 'E_DAEMON_RUNNING':
		case 'E_CLUSTER':
		case 'E_SPAWN':
		case 'E_STORE':
		case 'E_PROTOCOL':
		case 'E_INTERNAL': {
			return 1;
		}
	}
}

export type Result<T, E> = {ok: true; value: T} | {ok: false; error: E};

export const ok = <T>(value: T): Result<T, never> => ({ok: true, value});
export const err = <E>(error: E): Result<never, E> => ({ok: false, error});

/** The message of anything thrown, for logs and reasons. */
export function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
