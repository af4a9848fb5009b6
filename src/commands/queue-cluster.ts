/**
 * `tm queue --cluster [--json]`: the cluster's waiting jobs in the order members would claim
 * them, with PIN (`--on`) beside the local queue's columns; then the depth by priority and the
 * alive members' slots.
 */
import type {ClusterQueueDoc, ClusterQueueEntryDoc} from '../core/ipc/methods.js';
import {withClient} from './connect.js';
import type {Deps, GlobalOptions} from './deps.js';
import {table} from './format.js';
import {printJson} from './output.js';
import {depthLine, queueHeader, queueRow} from './queue.js';

const header = [...queueHeader.slice(0, -1), 'PIN', 'REASON'];

function row(entry: ClusterQueueEntryDoc, position: number, now: number): string[] {
	const cells = queueRow(entry, position, now);
	return [...cells.slice(0, -1), entry.pin ?? '-', cells.at(-1)!];
}

/** `2 waiting: priority 5: 1, priority 0: 1 · 3 members alive, slots 4/6 used`. */
export function clusterFooter(doc: ClusterQueueDoc): string {
	const {members, total, used} = doc.slots;
	return `${depthLine(doc.depth)}\n${members} member${members === 1 ? '' : 's'} alive, slots ${used}/${total} used\n`;
}

export async function runClusterQueue(options: GlobalOptions, deps: Deps): Promise<number> {
	return withClient(options, deps, async client => {
		const doc = await client.call('clusterQueue', {});
		if (options.json) {
			printJson(deps.io, doc);
			return 0;
		}

		const now = Date.now();
		if (doc.tasks.length > 0) {
			deps.io.out(table(header, doc.tasks.map((entry, i) => row(entry, i + 1, now))));
		}

		deps.io.out(clusterFooter(doc));
		return 0;
	});
}
