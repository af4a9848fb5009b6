/**
 * Whether a cluster job's resource requests (`tm run --cluster --memory --cpus`) fit what this
 * member's tasks holding slots have not claimed of its `taskmaster.capacity`: the same rule the
 * local queue admits by (capacity.ts), asked before a claim becomes a local job.
 */
import {shortOf, shortText, unclaimed} from '../capacity.js';
import type {Admitter} from '../admitter.js';
import type {RunParams} from '../ipc/methods.js';
import type {Requests} from '../model.js';

export const requestsOf = (params: RunParams): Requests => ({memory: Math.round(params.memory ?? 0), cpu: params.cpus ?? 0});

/** Null when the job's requests fit here now, else what is short (`waiting for 2G memory: …`). */
export function requestsShort(params: RunParams, queue: Pick<Admitter, 'limits' | 'claimed'>): string | null {
	const {resources} = queue.limits();
	const requires = requestsOf(params);
	if (resources === undefined || (requires.memory === 0 && requires.cpu === 0)) {
		return null;
	}

	const room = unclaimed(resources, queue.claimed());
	const short = shortOf(requires, room);
	return short.length === 0 ? null : shortText(requires, short, room, resources);
}
