import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {CollationRanks} from '../../../src/tui/collation.js';

const collator = new Intl.Collator('en', {numeric: true, sensitivity: 'base'});
const order = (ranks: CollationRanks, strings: string[]): string[] => [...strings].sort((a, b) => ranks.rank(a) - ranks.rank(b) || (a < b ? -1 : 1));

describe('collation ranks', () => {
	it('rank strings in the collator\'s order, equal ones alike', () => {
		const ranks = new CollationRanks(collator);
		const strings = ['web:10', 'Web:2', 'api', 'web:2', 'db'];
		ranks.learn(strings);
		assert.deepEqual(order(ranks, strings), ['api', 'db', 'Web:2', 'web:2', 'web:10']);
		assert.equal(ranks.rank('Web:2'), ranks.rank('web:2'));
	});

	it('place new strings among the known ones, one at a time or all again, the same as a full sort', () => {
		const known = Array.from({length: 100}, (_, i) => `job-${i * 2}`);
		const ranks = new CollationRanks(collator);
		ranks.learn(known);
		const more = [...known, 'job-7', 'JOB-8', 'a', 'zz'];
		ranks.learn(more);
		assert.deepEqual(order(ranks, more), [...more].sort((a, b) => collator.compare(a, b) || (a < b ? -1 : 1)));
		const fresh = Array.from({length: 50}, (_, i) => `x-${50 - i}`);
		ranks.learn(fresh);
		assert.deepEqual(order(ranks, fresh), [...fresh].sort(collator.compare));
		assert.ok(ranks.rank('x-2') < ranks.rank('x-10'));
	});
});
