/**
 * "Did you mean" hints: the closest candidate by edit distance, when it is close enough.
 */

/**
 * Edit distance between two strings (Levenshtein, counting a swap of two neighbours as one
 * edit, so `stpotime` is one edit from `stoptime`).
 */
export function editDistance(a: string, b: string): number {
	// Three rows of the table are enough: this one, the one above, and the one above that (for swaps).
	let before: number[] = [];
	let above = Array.from({length: b.length + 1}, (_, j) => j);
	for (let i = 1; i <= a.length; i++) {
		const row = [i];
		for (let j = 1; j <= b.length; j++) {
			const cost = a[i - 1] === b[j - 1] ? 0 : 1;
			let best = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + cost);
			if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
				best = Math.min(best, before[j - 2]! + 1);
			}

			row.push(best);
		}

		before = above;
		above = row;
	}

	return above[b.length]!;
}

/**
 * The candidate closest to `word` (ignoring case), or null when none is close: at most one
 * edit for short words, and about one edit per three letters for longer ones.
 */
export function suggest(word: string, candidates: Iterable<string>): string | null {
	const lower = word.toLowerCase();
	let best: string | null = null;
	let bestDistance = Number.POSITIVE_INFINITY;
	for (const candidate of candidates) {
		const limit = Math.max(1, Math.floor(Math.max(word.length, candidate.length) / 3));
		// The lengths alone can rule a candidate out: the distance is at least their difference.
		if (Math.abs(word.length - candidate.length) > Math.min(limit, bestDistance)) {
			continue;
		}

		const distance = editDistance(lower, candidate.toLowerCase());
		if (distance <= limit && distance < bestDistance) {
			best = candidate;
			bestDistance = distance;
		}
	}

	return best === word ? null : best;
}

/** `; did you mean "x"?` when there is a close candidate, else the empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
	const hint = suggest(word, candidates);
	return hint === null ? '' : `; did you mean "${hint}"?`;
}
