/**
 * `tm queue [--cluster] [--json]`: the waiting tasks in the order they would start (the daemon's admission
 * plan, asked for every waiter: not the order they were submitted in), each with its priority,
 * requests, eligible time, how long it has waited and what it waits for now; then how many wait
 * at each priority, and the slots and resources with what the running tasks claim of them.
 */
import type {Command} from 'commander';
import {cpuText, sizeText} from '../core/capacity.js';
import type {CapacityDoc, QueueEntryDoc} from '../core/ipc/methods.js';
import type {PriorityDepth} from '../core/ipc/queue-docs.js';
import {withClient} from './connect.js';
import type {Deps, GlobalOptions} from './deps.js';
import {formatDuration, table} from './format.js';
import {printJson} from './output.js';

export const queueHeader = ['#', 'ID', 'NAME', 'PRI', 'MEMORY', 'CPUS', 'ELIGIBLE', 'WAITED', 'REASON'];

export function queueRow(entry: QueueEntryDoc, position: number, now: number): string[] {
	const {requires} = entry;
	const eligible = entry.eligibleAt === null ? '-' : `in ${formatDuration(Math.max(0, Date.parse(entry.eligibleAt) - now))}`;
	return [
		String(position),
		entry.id,
		entry.name,
		String(entry.priority),
		requires.memory > 0 ? sizeText(requires.memory) : '-',
		requires.cpu > 0 ? cpuText(requires.cpu) : '-',
		eligible,
		formatDuration(Math.max(0, now - Date.parse(entry.queuedAt))),
		entry.reason,
	];
}

/** `slots 1/4 · memory 1.5G of 12G claimed · CPUs 2 of 8 claimed` (no limit: just what is held). */
export function capacityLine({slots, memory, cpu, claimed}: CapacityDoc): string {
	return [
		`slots ${claimed.slots}${slots === null ? '' : `/${slots}`}`,
		`memory ${sizeText(claimed.memory)}${memory === null ? '' : ` of ${sizeText(memory)}`} claimed`,
		`CPUs ${cpuText(claimed.cpu)}${cpu === null ? '' : ` of ${cpuText(cpu)}`} claimed`,
	].join(' · ');
}

/** `3 waiting: priority 5: 1, priority 0: 2`. */
export function depthLine(depth: PriorityDepth): string {
	const waiting = depth.reduce((n, d) => n + d.count, 0);
	return waiting === 0 ? 'nothing is waiting' : `${waiting} waiting: ${depth.map(({priority, count}) => `priority ${priority}: ${count}`).join(', ')}`;
}

export async function runQueue(options: GlobalOptions, deps: Deps): Promise<number> {
	return withClient(options, deps, async client => {
		const doc = await client.call('queue', {});
		if (options.json) {
			printJson(deps.io, doc);
			return 0;
		}

		const now = Date.now();
		if (doc.tasks.length > 0) {
			deps.io.out(table(queueHeader, doc.tasks.map((entry, i) => queueRow(entry, i + 1, now))));
		}

		deps.io.out(`${depthLine(doc.depth)}\n${capacityLine(doc.capacity)}\n`);
		return 0;
	});
}

export function registerQueue(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('queue')
		.description('the waiting tasks in the order they would start: priority, requests, why each waits; depth by priority')
		.option('--cluster', "the cluster's waiting jobs (taskmaster.cluster), in the order members would claim them")
		.action(async (options: {cluster?: boolean}, command: Command) => {
			const all = {...command.optsWithGlobals<GlobalOptions>(), ...options};
			done(options.cluster === true ? await (await import('./queue-cluster.js')).runClusterQueue(all, deps) : await runQueue(all, deps));
		});
}
