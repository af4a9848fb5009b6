/**
 * What the write journal keeps while tm.db cannot be written stays bounded: task rows are one
 * per task already, and a run still open is needed (a next daemon finds its process by it), so
 * only history goes: the oldest events, and the oldest runs that both started and ended while
 * nothing could be written.
 */
import type {Batch} from './ports.js';

/** Events kept at most; older ones are dropped first. */
export const maxKeptEvents = 10_000;
/** Run starts and ends kept at most, as far as dropping finished runs can get there. */
export const maxKeptRuns = 10_000;

/** Rows a kept batch holds, with its `tasks` task rows. */
export function keptRows(tasks: number, batch: Batch): number {
	return tasks + batch.runStarts.length + batch.runEnds.length + batch.events.length;
}

/** `batch` within the bounds, and how many rows were dropped to get there. */
export function boundKept(batch: Batch): {batch: Batch; dropped: number} {
	const extraEvents = Math.max(0, batch.events.length - maxKeptEvents);
	const events = extraEvents > 0 ? batch.events.slice(extraEvents) : batch.events;
	const runs = batch.runStarts.length + batch.runEnds.length;
	if (runs <= maxKeptRuns) {
		return {batch: extraEvents > 0 ? {...batch, events} : batch, dropped: extraEvents};
	}

	const {runStarts, runEnds, pairs} = dropFinishedRuns(batch, Math.ceil((runs - maxKeptRuns) / 2));
	return {batch: {...batch, events, runStarts, runEnds}, dropped: extraEvents + pairs};
}

/** Drops up to `wanted` of the oldest runs whose start and end are both in `batch`. */
function dropFinishedRuns(batch: Batch, wanted: number): {runStarts: Batch['runStarts']; runEnds: Batch['runEnds']; pairs: number} {
	const key = (run: {taskId: string; pid: number}): string => `${run.taskId}\u0000${run.pid}`;
	const ends = new Map<string, number[]>();
	batch.runEnds.forEach((end, index) => {
		const list = ends.get(key(end)) ?? [];
		list.push(index);
		ends.set(key(end), list);
	});
	const startsGone = new Set<number>();
	const endsGone = new Set<number>();
	for (let index = 0; index < batch.runStarts.length && startsGone.size < wanted; index++) {
		const end = ends.get(key(batch.runStarts[index]!))?.shift();
		if (end !== undefined) {
			startsGone.add(index);
			endsGone.add(end);
		}
	}

	return {
		runStarts: batch.runStarts.filter((_, index) => !startsGone.has(index)),
		runEnds: batch.runEnds.filter((_, index) => !endsGone.has(index)),
		pairs: startsGone.size * 2,
	};
}
