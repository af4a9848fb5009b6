import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {lookahead, planAdmission, refusal, type Holder, type Waiting} from '../../../src/core/admission.js';
import type {Requests, ResourceCapacity} from '../../../src/core/model.js';
import {fewestVictims} from '../../../src/core/room.js';

const fds = 'waiting for file descriptors: limit 64 reached; raise LimitNOFILE / ulimit -n';
const G = 1024 ** 3;
const M = 1024 ** 2;
/** A request: memory in bytes, CPUs. */
const r = (memory: number, cpu = 0): Requests => ({memory, cpu});
const mem = (memory: number): ResourceCapacity => ({memory, cpu: null});
const w = (id: string, priority = 0, requires?: Requests): Waiting => ({id, priority, ...(requires ? {requires} : {})});
const h = (id: string, priority: number | null, how: 'running' | 'stopping' | 'restarting' = 'running', since = 0, requires?: Requests): Holder => ({
	id,
	priority,
	stopping: how !== 'running',
	freeing: how === 'stopping',
	since,
	...(requires ? {requires} : {}),
});
/** A running holder with a request. */
const hr = (id: string, priority: number | null, requires: Requests, since = 0): Holder => h(id, priority, 'running', since, requires);

/**
 * Each row: the input, then what the plan starts, evicts (victim<-by) and tells (`id cause`); the
 * first in line that does not start is always told (its reason stays current), the rest when in
 * `tell`. `said`: reasons in words, by id.
 */
type Row = {
	name: string;
	waiting: Waiting[];
	holders: Holder[];
	capacity: number | null;
	resources?: ResourceCapacity;
	tell?: Array<[string, string | null, Requests?]>;
	held?: string;
	start: string[];
	evict: string[];
	wait: string[];
	said?: Record<string, string>;
};
const table: Row[] = [
	{name: 'no limit: everyone starts', waiting: [w('a'), w('b')], holders: [h('x', null)], capacity: null, start: ['a', 'b'], evict: [], wait: []},
	{name: 'free slots go best first', waiting: [w('a', 5), w('b', 1)], holders: [], capacity: 1, tell: [['a', null], ['b', null]], start: ['a'], evict: [], wait: ['b capacity']},
	{name: 'full, equal priorities: nobody is evicted', waiting: [w('a', 5)], holders: [h('x', 5)], capacity: 1, tell: [['a', null]], start: [], evict: [], wait: ['a capacity']},
	{name: 'full, a better waiter evicts the lowest holder', waiting: [w('a', 9)], holders: [h('x', 5), h('y', 1)], capacity: 2, start: [], evict: ['y<-a'], wait: ['a capacity']},
	{name: 'holders without a priority are never evicted', waiting: [w('a', 9)], holders: [h('x', null)], capacity: 1, start: [], evict: [], wait: ['a capacity']},
	{name: 'of equal priority the newest holder goes first', waiting: [w('a', 9)], holders: [h('old', 1, 'running', 1), h('new', 1, 'running', 2)], capacity: 2, start: [], evict: ['new<-a'], wait: ['a capacity']},
	{name: 'a slot on its way back serves the first waiter', waiting: [w('a', 9), w('b', 9)], holders: [h('x', 1, 'stopping'), h('y', 1)], capacity: 2, start: [], evict: ['y<-b'], wait: ['a capacity']},
	{name: 'a restart keeps its slot: it frees nothing', waiting: [w('a', 9)], holders: [h('x', 1, 'restarting'), h('y', 1)], capacity: 2, start: [], evict: ['y<-a'], wait: ['a capacity']},
	{name: 'two waiters evict two, lowest first', waiting: [w('a', 9), w('b', 8)], holders: [h('x', 2), h('y', 1)], capacity: 2, start: [], evict: ['y<-a', 'x<-b'], wait: ['a capacity']},
	{name: 'eviction stops at the first waiter that does not outrank', waiting: [w('a', 9), w('b', 1)], holders: [h('x', 2), h('y', 1)], capacity: 2, start: [], evict: ['y<-a'], wait: ['a capacity']},
	{name: 'a blocked task is told its dependency', waiting: [], holders: [], capacity: 1, tell: [['a', 'waiting for db (ready): db is starting']], start: [], evict: [], wait: ['a dependency']},
	{name: 'over capacity after a reload: nothing starts', waiting: [w('a')], holders: [h('x', null), h('y', null)], capacity: 1, tell: [['a', null]], start: [], evict: [], wait: ['a capacity']},
	{name: 'held (no descriptors): nothing starts, everyone is told', waiting: [w('a'), w('b')], holders: [], capacity: null, tell: [['a', null], ['b', null]], held: fds, start: [], evict: [], wait: ['a descriptors', 'b descriptors']},
	{name: 'held: a free slot stays free', waiting: [w('a')], holders: [], capacity: 4, tell: [['a', null]], held: fds, start: [], evict: [], wait: ['a descriptors']},
	{name: 'held: nobody is evicted for a start that cannot happen', waiting: [w('a', 9)], holders: [h('x', 1)], capacity: 1, held: fds, start: [], evict: [], wait: []},
	{name: 'held: a blocked task is told its dependency still', waiting: [], holders: [], capacity: null, tell: [['a', 'waiting for db (ready): db is starting']], held: fds, start: [], evict: [], wait: ['a dependency']},
	// Requests (taskmaster.capacity, requires, tm run --memory/--cpus).
	{
		name: 'requests: two 1G tasks on 1.5G, one starts and the other waits for memory',
		waiting: [w('a', 0, r(G)), w('b', 0, r(G))],
		holders: [],
		capacity: null,
		resources: mem(1.5 * G),
		start: ['a'],
		evict: [],
		wait: ['b capacity'],
		said: {b: 'waiting for 1G memory: 512M of 1.5G unclaimed'},
	},
	{
		name: 'requests: a free slot is not enough, the request must fit too',
		waiting: [w('a', 0, r(G))],
		holders: [hr('x', null, r(G))],
		capacity: 4,
		resources: mem(1.5 * G),
		start: [],
		evict: [],
		wait: ['a capacity'],
		said: {a: 'waiting for 1G memory: 512M of 1.5G unclaimed'},
	},
	{
		name: 'requests: memory that fits is not enough, a slot must be free too',
		waiting: [w('a', 0, r(G))],
		holders: [hr('x', null, r(G))],
		capacity: 1,
		resources: mem(1.5 * G),
		start: [],
		evict: [],
		wait: ['a capacity'],
		said: {a: 'waiting for a slot (max_running 1) and 1G memory: 512M of 1.5G unclaimed'},
	},
	{
		name: 'requests: CPUs are claimed like memory',
		waiting: [w('a', 0, r(0, 1.5)), w('b', 0, r(0, 1))],
		holders: [hr('x', null, r(0, 3))],
		capacity: null,
		resources: {memory: null, cpu: 4},
		start: [],
		evict: [],
		wait: ['a capacity'],
		said: {a: 'waiting for 1.5 CPUs: 1 of 4 unclaimed'},
	},
	{
		name: 'requests: strict order, a small task behind the first does not start (no backfill)',
		waiting: [w('big', 5, r(G)), w('small', 0)],
		holders: [hr('x', null, r(1.5 * G))],
		capacity: null,
		resources: mem(2 * G),
		tell: [['small', null, r(0)]],
		start: [],
		evict: [],
		wait: ['big capacity', 'small capacity'],
		said: {big: 'waiting for 1G memory: 512M of 2G unclaimed', small: 'waiting its turn: the tasks ahead of it start first'},
	},
	{
		name: 'requests: what starts claims, so the next one does not fit',
		waiting: [w('a', 0, r(G)), w('b', 0, r(512 * M)), w('c', 0, r(G))],
		holders: [],
		capacity: null,
		resources: mem(2 * G),
		start: ['a', 'b'],
		evict: [],
		wait: ['c capacity'],
		said: {c: 'waiting for 1G memory: 512M of 2G unclaimed'},
	},
	{
		name: 'requests: a task bigger than the whole capacity holds nobody back and is told it never fits',
		waiting: [w('huge', 9, r(2 * G)), w('a', 0, r(512 * M))],
		holders: [],
		capacity: null,
		resources: mem(G),
		tell: [['huge', null, r(2 * G)]],
		start: ['a'],
		evict: [],
		wait: ['huge capacity'],
		said: {huge: 'needs 2G memory, more than the whole capacity (1G memory): it cannot start unless taskmaster.capacity grows; tm cancel it, or raise the capacity'},
	},
	{
		name: 'eviction by requests: only as many as free enough (one of two 1G holders for 1G)',
		waiting: [w('high', 9, r(G))],
		holders: [hr('low-a', 1, r(G), 1), hr('low-b', 1, r(G), 2)],
		capacity: null,
		resources: mem(2 * G),
		start: [],
		evict: ['low-b<-high'],
		wait: ['high capacity'],
	},
	{
		name: 'eviction by requests: both 1G holders for 2G',
		waiting: [w('high', 9, r(2 * G))],
		holders: [hr('low-a', 1, r(G), 1), hr('low-b', 1, r(G), 2)],
		capacity: null,
		resources: mem(2 * G),
		start: [],
		evict: ['low-b<-high', 'low-a<-high'],
		wait: ['high capacity'],
	},
	{
		name: 'eviction by requests: one big holder rather than two small ones of lower priority (the fewest)',
		waiting: [w('high', 9, r(2 * G))],
		holders: [hr('small-a', 1, r(G)), hr('small-b', 1, r(G)), hr('big', 2, r(2 * G))],
		capacity: null,
		resources: mem(4 * G),
		start: [],
		evict: ['big<-high'],
		wait: ['high capacity'],
	},
	{
		name: 'eviction by requests: nobody, when every lower-priority holder together frees too little',
		waiting: [w('high', 5, r(2 * G))],
		holders: [hr('low', 1, r(512 * M)), hr('pinned', null, r(G))],
		capacity: null,
		resources: mem(2 * G),
		start: [],
		evict: [],
		wait: ['high capacity'],
	},
	{
		name: 'eviction by requests: memory on its way back (a stop in flight) serves the first waiter',
		waiting: [w('high', 9, r(G))],
		holders: [h('going', 1, 'stopping', 0, r(G)), hr('low', 1, r(G))],
		capacity: null,
		resources: mem(2 * G),
		start: [],
		evict: [],
		wait: ['high capacity'],
	},
	{
		name: 'eviction by requests: a slot and the memory both, from one victim',
		waiting: [w('high', 9, r(G))],
		holders: [hr('small', 1, r(256 * M)), hr('big', 2, r(G))],
		capacity: 2,
		resources: mem(1.25 * G),
		start: [],
		evict: ['big<-high'],
		wait: ['high capacity'],
	},
];

describe('planAdmission: who starts, who is evicted, who is told', () => {
	for (const row of table) {
		it(row.name, () => {
			const tell = (row.tell ?? []).map(([id, blockedBy, requires]) => ({id, blockedBy, ...(requires ? {requires} : {})}));
			const plan = planAdmission({waiting: row.waiting, holders: row.holders, capacity: row.capacity, resources: row.resources, tell, held: row.held ?? null});
			assert.deepEqual(plan.start, row.start);
			assert.deepEqual(plan.evict.map(e => `${e.id}<-${/evicted by (\S+)/.exec(e.reason)?.[1]}`), row.evict);
			assert.deepEqual(plan.wait.map(x => `${x.id} ${x.cause}`), row.wait);
			for (const [id, reason] of Object.entries(row.said ?? {})) {
				assert.equal(plan.wait.find(x => x.id === id)?.reason, reason, id);
			}
		});
	}

	it('says why in words: the capacity, and who evicted whom', () => {
		const plan = planAdmission({waiting: [w('a', 9), w('b')], holders: [h('x', 1)], capacity: 1, tell: [{id: 'b', blockedBy: null}]});
		assert.deepEqual(plan.evict, [{id: 'x', reason: 'evicted by a (priority 9 > 1)'}]);
		// a is first in line: told too, each time, so its reason stays current.
		assert.deepEqual(plan.wait, [
			{id: 'a', reason: 'waiting for a slot (max_running 1)', cause: 'capacity'},
			{id: 'b', reason: 'waiting for a slot (max_running 1)', cause: 'capacity'},
		]);
		const named = planAdmission({waiting: [{id: 'j-7f3a', priority: 9, name: 'nightly'}], holders: [h('x', 1)], capacity: 1, tell: []});
		assert.deepEqual(named.evict, [{id: 'x', reason: 'evicted by nightly (j-7f3a, priority 9 > 1)'}]);
	});

	it('looks at as many waiters as free slots, slots coming back and evictable holders, and the first after them', () => {
		assert.equal(lookahead([], null, 7), 7);
		assert.equal(lookahead([h('x', null)], 3, 100), 3);
		assert.equal(lookahead([h('x', 1), h('y', 1, 'stopping')], 2, 100), 3);
		assert.equal(lookahead([h('x', null), h('y', null)], 2, 100), 1);
		assert.equal(lookahead([h('x', null)], 3, 1), 1);
		// Nobody waiting above the holders' priority: none can be evicted, so none need a look.
		assert.equal(lookahead([h('x', 1), h('y', 1, 'stopping')], 2, 100, 1), 1);
		assert.equal(lookahead([h('x', 1), h('y', 0)], 2, 100, 1), 2);
		assert.equal(lookahead([h('x', 1), h('y', 0)], 2, 100, 2), 3);
	});

	it('picks the fewest victims, lowest priorities first among as few; greedy past the search budget', () => {
		const pool = {slots: Number.POSITIVE_INFINITY, res: mem(0)};
		const ids = (set: Holder[] | null): string[] | null => set && set.map(v => v.id);
		assert.deepEqual(ids(fewestVictims(r(G), pool, [hr('a', 1, r(G)), hr('b', 2, r(G))])), ['a']);
		assert.deepEqual(ids(fewestVictims(r(3 * G), pool, [hr('a', 1, r(G)), hr('b', 1, r(G)), hr('c', 2, r(2 * G)), hr('d', 3, r(3 * G))])), ['d']);
		assert.deepEqual(ids(fewestVictims(r(3 * G), pool, [hr('a', 1, r(G)), hr('b', 1, r(G)), hr('c', 2, r(2 * G))])), ['a', 'c']);
		assert.equal(fewestVictims(r(5 * G), pool, [hr('a', 1, r(G)), hr('b', 1, r(G))]), null);
		// 300 holders of 10M each: no pair or triple frees 1G; the greedy choice takes 103 of them (the fewest).
		const many = Array.from({length: 300}, (_, i) => hr(`h${i}`, 1, r(10 * M), i));
		assert.equal(fewestVictims(r(1030 * M), pool, many)?.length, 103);
		// A slot and memory: with no free slot, one victim frees the slot and must bring the memory too.
		const full = {slots: 0, res: mem(0)};
		assert.deepEqual(ids(fewestVictims(r(G), full, [hr('small', 1, r(256 * M)), hr('big', 2, r(G))])), ['big']);
	});
});

/** Each row: the queue, the holders and the capacity; whether the newcomer `n` would start now (null) or why not. */
const submits: Array<{name: string; newcomer: Waiting; waiting: Waiting[]; holders: Holder[]; capacity: number | null; resources?: ResourceCapacity; held?: string; refused: string | null}> = [
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
	{name: 'requests: it fits', newcomer: w('n', 0, r(G)), waiting: [], holders: [hr('x', 0, r(512 * M))], capacity: null, resources: mem(2 * G), refused: null},
	{
		name: 'requests: it does not fit and outranks nobody',
		newcomer: w('n', 0, r(G)),
		waiting: [],
		holders: [hr('x', 0, r(1.5 * G))],
		capacity: null,
		resources: mem(2 * G),
		refused: 'it needs 1G memory: 512M of 2G unclaimed, and priority 0 is not above the lowest running (0)',
	},
	{name: 'requests: it evicts enough', newcomer: w('n', 5, r(G)), waiting: [], holders: [hr('x', 1, r(1.5 * G))], capacity: null, resources: mem(2 * G), refused: null},
	{
		name: 'requests: every lower-priority victim together frees too little',
		newcomer: w('n', 5, r(2 * G)),
		waiting: [],
		holders: [hr('x', 1, r(512 * M)), hr('y', null, r(G))],
		capacity: null,
		resources: mem(2 * G),
		refused: 'it needs 2G memory: 512M of 2G unclaimed, and evicting every running task of lower priority would not free enough',
	},
	{name: 'requests: more than the whole capacity', newcomer: w('n', 0, r(4 * G)), waiting: [], holders: [], capacity: null, resources: mem(2 * G), refused: 'needs 4G memory, more than the whole capacity (2G memory)'},
	{
		name: 'requests: it would fit, but the first in line does not (strict order)',
		newcomer: w('n', 0, r(256 * M)),
		waiting: [w('big', 0, r(G))],
		holders: [hr('x', null, r(1.5 * G))],
		capacity: null,
		resources: mem(2 * G),
		refused: 'it would wait its turn, 1 queued ahead of it, and no running task can be evicted (only jobs and programs with a priority can)',
	},
];

describe('refusal: would a task submitted now start at once (tm run --no-queue)', () => {
	for (const row of submits) {
		it(row.name, () => {
			assert.equal(refusal(row.newcomer, {waiting: row.waiting, holders: row.holders, capacity: row.capacity, resources: row.resources, held: row.held ?? null}), row.refused);
		});
	}
});
