import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {lookahead, planAdmission, refusal, type Holder, type Waiting} from '../../../src/core/admission.js';

const fds = 'waiting for file descriptors: limit 64 reached; raise LimitNOFILE / ulimit -n';
const w = (id: string, priority = 0): Waiting => ({id, priority});
const h = (id: string, priority: number | null, how: 'running' | 'stopping' | 'restarting' = 'running', since = 0): Holder => ({
	id,
	priority,
	stopping: how !== 'running',
	freeing: how === 'stopping',
	since,
});

/** Each row: the input, then what the plan starts, evicts (victim<-by) and tells. */
const table: Array<{name: string; waiting: Waiting[]; holders: Holder[]; capacity: number | null; tell?: Array<[string, string | null]>; held?: string; start: string[]; evict: string[]; wait: string[]}> = [
	{name: 'no limit: everyone starts', waiting: [w('a'), w('b')], holders: [h('x', null)], capacity: null, start: ['a', 'b'], evict: [], wait: []},
	{name: 'free slots go best first', waiting: [w('a', 5), w('b', 1)], holders: [], capacity: 1, tell: [['a', null], ['b', null]], start: ['a'], evict: [], wait: ['b capacity']},
	{name: 'full, equal priorities: nobody is evicted', waiting: [w('a', 5)], holders: [h('x', 5)], capacity: 1, tell: [['a', null]], start: [], evict: [], wait: ['a capacity']},
	{name: 'full, a better waiter evicts the lowest holder', waiting: [w('a', 9)], holders: [h('x', 5), h('y', 1)], capacity: 2, start: [], evict: ['y<-a'], wait: []},
	{name: 'holders without a priority are never evicted', waiting: [w('a', 9)], holders: [h('x', null)], capacity: 1, start: [], evict: [], wait: []},
	{name: 'of equal priority the newest holder goes first', waiting: [w('a', 9)], holders: [h('old', 1, 'running', 1), h('new', 1, 'running', 2)], capacity: 2, start: [], evict: ['new<-a'], wait: []},
	{name: 'a slot on its way back serves the first waiter', waiting: [w('a', 9), w('b', 9)], holders: [h('x', 1, 'stopping'), h('y', 1)], capacity: 2, start: [], evict: ['y<-b'], wait: []},
	{name: 'a restart keeps its slot: it frees nothing', waiting: [w('a', 9)], holders: [h('x', 1, 'restarting'), h('y', 1)], capacity: 2, start: [], evict: ['y<-a'], wait: []},
	{name: 'two waiters evict two, lowest first', waiting: [w('a', 9), w('b', 8)], holders: [h('x', 2), h('y', 1)], capacity: 2, start: [], evict: ['y<-a', 'x<-b'], wait: []},
	{name: 'eviction stops at the first waiter that does not outrank', waiting: [w('a', 9), w('b', 1)], holders: [h('x', 2), h('y', 1)], capacity: 2, start: [], evict: ['y<-a'], wait: []},
	{name: 'a blocked task is told its dependency', waiting: [], holders: [], capacity: 1, tell: [['a', 'waiting for db (ready): db is starting']], start: [], evict: [], wait: ['a dependency']},
	{name: 'over capacity after a reload: nothing starts', waiting: [w('a')], holders: [h('x', null), h('y', null)], capacity: 1, tell: [['a', null]], start: [], evict: [], wait: ['a capacity']},
	{name: 'held (no descriptors): nothing starts, everyone is told', waiting: [w('a'), w('b')], holders: [], capacity: null, tell: [['a', null], ['b', null]], held: fds, start: [], evict: [], wait: ['a descriptors', 'b descriptors']},
	{name: 'held: a free slot stays free', waiting: [w('a')], holders: [], capacity: 4, tell: [['a', null]], held: fds, start: [], evict: [], wait: ['a descriptors']},
	{name: 'held: nobody is evicted for a start that cannot happen', waiting: [w('a', 9)], holders: [h('x', 1)], capacity: 1, held: fds, start: [], evict: [], wait: []},
	{name: 'held: a blocked task is told its dependency still', waiting: [], holders: [], capacity: null, tell: [['a', 'waiting for db (ready): db is starting']], held: fds, start: [], evict: [], wait: ['a dependency']},
];

describe('planAdmission: who starts, who is evicted, who is told', () => {
	for (const row of table) {
		it(row.name, () => {
			const plan = planAdmission({waiting: row.waiting, holders: row.holders, capacity: row.capacity, tell: (row.tell ?? []).map(([id, blockedBy]) => ({id, blockedBy})), held: row.held ?? null});
			assert.deepEqual(plan.start, row.start);
			assert.deepEqual(plan.evict.map(e => `${e.id}<-${/evicted by (\S+)/.exec(e.reason)?.[1]}`), row.evict);
			assert.deepEqual(plan.wait.map(x => `${x.id} ${x.cause}`), row.wait);
		});
	}

	it('says why in words: the capacity, and who evicted whom', () => {
		const plan = planAdmission({waiting: [w('a', 9), w('b')], holders: [h('x', 1)], capacity: 1, tell: [{id: 'b', blockedBy: null}]});
		assert.deepEqual(plan.evict, [{id: 'x', reason: 'evicted by a (priority 9 > 1)'}]);
		assert.deepEqual(plan.wait, [{id: 'b', reason: 'waiting for a slot (max_running 1)', cause: 'capacity'}]);
		const named = planAdmission({waiting: [{id: 'j-7f3a', priority: 9, name: 'nightly'}], holders: [h('x', 1)], capacity: 1, tell: []});
		assert.deepEqual(named.evict, [{id: 'x', reason: 'evicted by nightly (j-7f3a, priority 9 > 1)'}]);
	});

	it('looks at as many waiters as free slots, slots coming back and evictable holders', () => {
		assert.equal(lookahead([], null, 7), 7);
		assert.equal(lookahead([h('x', null)], 3, 100), 2);
		assert.equal(lookahead([h('x', 1), h('y', 1, 'stopping')], 2, 100), 2);
		assert.equal(lookahead([h('x', null), h('y', null)], 2, 100), 0);
	});
});

/** Each row: the queue, the holders and the capacity; whether the newcomer `n` would start now (null) or why not. */
const submits: Array<{name: string; newcomer: Waiting; waiting: Waiting[]; holders: Holder[]; capacity: number | null; held?: string; refused: string | null}> = [
	{name: 'no limit', newcomer: w('n'), waiting: [w('a')], holders: [h('x', 0)], capacity: null, refused: null},
	{name: 'a free slot', newcomer: w('n'), waiting: [], holders: [h('x', 0)], capacity: 2, refused: null},
	{name: 'the free slot goes to one queued ahead', newcomer: w('n'), waiting: [w('a')], holders: [h('x', 0)], capacity: 2, refused: 'all 2 slots are taken (max_running 2), 1 queued ahead of it, and priority 0 is not above the lowest running (0)'},
	{name: 'a higher priority jumps the queue to the free slot', newcomer: w('n', 5), waiting: [w('a')], holders: [h('x', 0)], capacity: 2, refused: null},
	{name: 'full, equal priority: refused (seed 004: not higher than the lowest)', newcomer: w('n', 1), waiting: [], holders: [h('x', 1), h('y', 3)], capacity: 2, refused: 'all 2 slots are taken (max_running 2), and priority 1 is not above the lowest running (1)'},
	{name: 'full, higher than the lowest: it evicts', newcomer: w('n', 2), waiting: [], holders: [h('x', 1), h('y', 3)], capacity: 2, refused: null},
	{name: 'full of programs without a priority', newcomer: w('n', 100), waiting: [], holders: [h('x', null)], capacity: 1, refused: 'the only slot is taken (max_running 1), and no running task can be evicted (only jobs and programs with a priority can)'},
	{name: 'a slot on its way back', newcomer: w('n'), waiting: [], holders: [h('x', 0, 'stopping')], capacity: 1, refused: null},
	{name: 'the victim is taken by one queued ahead', newcomer: w('n', 5), waiting: [w('a', 9)], holders: [h('x', 1)], capacity: 1, refused: 'the only slot is taken (max_running 1), 1 queued ahead of it, and the tasks queued ahead of it take what it could evict'},
	{name: 'held: out of descriptors', newcomer: w('n', 9), waiting: [], holders: [], capacity: 4, held: fds, refused: fds},
];

describe('refusal: would a task submitted now start at once (tm run --no-queue)', () => {
	for (const row of submits) {
		it(row.name, () => {
			assert.equal(refusal(row.newcomer, {waiting: row.waiting, holders: row.holders, capacity: row.capacity, held: row.held ?? null}), row.refused);
		});
	}
});
