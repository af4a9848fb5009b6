/**
 * What earlier daemons left in the hierarchies tm uses. On this home (a daemon killed while its
 * tasks ran): runs still holding processes are thawed and kept until recovery has stopped what
 * it knows of, then killed whole and removed (`Cgroups.sweepLeftovers`); empty runs are removed at once.
 * Of other homes: runs with no process, then folders with no run, older than a minute (so never
 * one a live daemon is setting up right now), are removed by any daemon; their daemon, when it
 * lives, makes them again when it needs them.
 */
import {statSync} from 'node:fs';
import path from 'node:path';
import type {Millis} from '../model.js';
import {cgroupPids, populated, removeCgroup, subfolders, tryWrite} from './files.js';
import {parentDirs, type Parents} from './parents.js';

/** An empty cgroup of another home this old is a leftover, not one being set up. */
const staleMs = 60_000;

/** This home's runs a killed daemon left: the populated ones (returned, thawed), the empty ones removed. */
export function sweepOwn(parents: Parents): string[] {
	const populatedRuns = subfolders(parents.unified).filter(name => populated(path.join(parents.unified, name)));
	for (const name of populatedRuns) {
		// Frozen when that daemon died: thawed, so recovery's stop signal is acted on.
		tryWrite(path.join(parents.unified, name), 'cgroup.freeze', '0');
	}

	for (const parent of parentDirs(parents)) {
		for (const name of subfolders(parent).filter(run => !populatedRuns.includes(run))) {
			removeCgroup(path.join(parent, name));
		}
	}

	return populatedRuns;
}

/** Other homes' empty leftovers beside this home's folder, in every hierarchy tm uses. */
export function removeStale(parents: Parents, own: string, now: Millis): void {
	const old = (dir: string): boolean => {
		try {
			return now - statSync(dir).mtimeMs > staleMs;
		} catch {
			return false;
		}
	};

	const empty = (dir: string): boolean => old(dir) && cgroupPids(dir).length === 0 && subfolders(dir).length === 0;
	for (const parent of parentDirs(parents)) {
		const base = path.dirname(parent);
		for (const folder of subfolders(base).filter(name => name.startsWith('tm-') && name !== own)) {
			for (const run of subfolders(path.join(base, folder)).filter(name => empty(path.join(base, folder, name)))) {
				removeCgroup(path.join(base, folder, run));
			}

			if (empty(path.join(base, folder))) {
				removeCgroup(path.join(base, folder));
			}
		}
	}
}
