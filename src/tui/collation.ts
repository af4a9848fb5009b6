/**
 * Collation ranks: each string's place in the collator's order, so a sort of 10,000 rows compares
 * numbers (Intl.Collator's compare made such a sort take ~35 ms). Strings are collated again
 * only when new ones come: inserted where they belong, or all sorted again when many are new or
 * the ones no longer asked for have piled up.
 */
export class CollationRanks {
	readonly #compare: (a: string, b: string) => number;
	#sorted: string[] = [];
	readonly #ranks = new Map<string, number>();

	constructor(collator: Intl.Collator) {
		this.#compare = collator.compare;
	}

	/** Gives every one of `strings` a rank; strings the collator calls equal get the same one. */
	learn(strings: readonly string[]): void {
		const missing = [...new Set(strings.filter(text => !this.#ranks.has(text)))];
		if (missing.length === 0) {
			return;
		}

		if (missing.length * 8 > this.#sorted.length || this.#sorted.length > 2 * strings.length + 1024) {
			this.#sorted = [...new Set(strings)].sort(this.#compare);
		} else {
			for (const text of missing) {
				this.#sorted.splice(this.#placeOf(text), 0, text);
			}
		}

		this.#ranks.clear();
		let rank = 0;
		for (let i = 0; i < this.#sorted.length; i++) {
			const text = this.#sorted[i] ?? '';
			if (i > 0 && this.#compare(this.#sorted[i - 1] ?? '', text) !== 0) {
				rank++;
			}

			this.#ranks.set(text, rank);
		}
	}

	/** The rank of a string `learn` was given (0 for one it was not). */
	rank(text: string): number {
		return this.#ranks.get(text) ?? 0;
	}

	/** Where `text` goes in the sorted strings: after every one that collates before it or equal. */
	#placeOf(text: string): number {
		let low = 0;
		let high = this.#sorted.length;
		while (low < high) {
			const middle = (low + high) >>> 1;
			if (this.#compare(this.#sorted[middle] ?? '', text) <= 0) {
				low = middle + 1;
			} else {
				high = middle;
			}
		}

		return low;
	}
}
