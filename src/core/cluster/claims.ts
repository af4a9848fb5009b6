/**
 * What this member holds: its claims (cluster job → local task, fencing token) and the outcomes
 * not yet written. Outcomes wait here, in memory, while PostgreSQL cannot be reached, and are
 * written in order when it returns; at most {@link outcomeBound} (the oldest go first, and their
 * jobs are taken over once their leases run out: run again, never lost).
 */
import type {Outcome} from './queries.js';

export type Claim = {
	/** The cluster job's id (`c-…`). */
	id: string;
	/** The fencing token of this claim. */
	token: string;
	/** The local task that runs it (`c-….TOKEN`). */
	localId: string;
	attempt: number;
	/** A person asked, from any member, to cancel it: its stop is written as `cancelled`. */
	cancelAsked: boolean;
	/** `tm fail` from any member (`from m1: why`): its end is written `dead`. */
	failAsked?: string;
	/** The row's `pause_requested` as last acted on: only a change is acted on, so a pause or resume of the local copy here holds. */
	pauseAsked?: boolean;
};

export const outcomeBound = 10_000;

export class Claims {
	readonly #byId = new Map<string, Claim>();
	readonly #byLocal = new Map<string, Claim>();
	#outcomes: Outcome[] = [];
	#dropped = 0;

	get size(): number {
		return this.#byId.size;
	}

	get pending(): number {
		return this.#outcomes.length;
	}

	/** Outcomes dropped by the bound since the start. */
	get dropped(): number {
		return this.#dropped;
	}

	add(claim: Claim): void {
		this.#byId.set(claim.id, claim);
		this.#byLocal.set(claim.localId, claim);
	}

	get(id: string): Claim | undefined {
		return this.#byId.get(id);
	}

	byLocal(localId: string): Claim | undefined {
		return this.#byLocal.get(localId);
	}

	/** Forgets a claim (its outcome is kept, or it was lost). */
	drop(claim: Claim): void {
		if (this.#byId.get(claim.id) === claim) {
			this.#byId.delete(claim.id);
		}

		this.#byLocal.delete(claim.localId);
	}

	all(): Claim[] {
		return [...this.#byId.values()];
	}

	/** Keeps an outcome to write; false when the bound dropped the oldest to make room. */
	keep(outcome: Outcome): boolean {
		this.#outcomes.push(outcome);
		if (this.#outcomes.length <= outcomeBound) {
			return true;
		}

		this.#outcomes.shift();
		this.#dropped++;
		return false;
	}

	/** The outcomes to write now; `putBack` them when the write failed. */
	take(): Outcome[] {
		const taken = this.#outcomes;
		this.#outcomes = [];
		return taken;
	}

	putBack(outcomes: Outcome[]): void {
		this.#outcomes = [...outcomes, ...this.#outcomes];
		while (this.#outcomes.length > outcomeBound) {
			this.#outcomes.shift();
			this.#dropped++;
		}
	}
}
