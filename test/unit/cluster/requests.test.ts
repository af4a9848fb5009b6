import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {requestsOf, requestsShort} from '../../../src/core/cluster/requests.js';
import {claimedOf, noClaims} from '../../../src/core/capacity.js';
import type {RunParams} from '../../../src/core/ipc/methods.js';

const gib = 1024 ** 3;
/** A member's queue: its capacity and the tasks holding slots, each with its requests. */
function queue(memory: number | null, cpu: number | null, holders: Array<{memory: number; cpu: number}>) {
	const claimed = claimedOf(holders.map(requires => ({state: 'running', requires})));
	return {limits: () => ({slots: 8, resources: {memory, cpu}}), claimed: () => claimed};
}

const job = (memory?: number, cpus?: number): RunParams => ({argv: ['true'], ...(memory === undefined ? {} : {memory}), ...(cpus === undefined ? {} : {cpus})});

describe('a cluster job\'s requests against a member\'s unclaimed capacity', () => {
	it('reads --memory and --cpus, 0 for none', () => {
		assert.deepEqual(requestsOf(job(1.5 * gib, 0.5)), {memory: 1.5 * gib, cpu: 0.5});
		assert.deepEqual(requestsOf(job()), {memory: 0, cpu: 0});
	});

	it('fits when the holders left enough, and says what is short when not', () => {
		const member = queue(1.5 * gib, 4, [{memory: gib, cpu: 1}]);
		assert.equal(requestsShort(job(0.5 * gib), member), null);
		assert.match(requestsShort(job(gib), member) ?? '', /memory/);
		assert.match(requestsShort(job(undefined, 3.5), member) ?? '', /CPU/);
	});

	it('a job asking for nothing, or a member without a capacity, always fits', () => {
		assert.equal(requestsShort(job(), queue(0, 0, [{memory: gib, cpu: 1}])), null);
		assert.equal(requestsShort(job(100 * gib, 64), {limits: () => ({slots: null, resources: undefined}), claimed: () => noClaims}), null);
	});
});
