import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {fileURLToPath} from 'node:url';
import {after, describe, it} from 'node:test';
import {openReadonlyStore} from '../../../src/store/readonly.js';
import {Store} from '../../../src/store/store.js';
import {alive, waitFor} from '../../helpers/wait.js';
import {tempHome} from '../../helpers/store-fixtures.js';

const home = tempHome();
const children: ChildProcess[] = [];
after(() => {
	for (const child of children) {
		if (child.pid !== undefined && alive(child.pid)) {
			process.kill(child.pid, 'SIGKILL');
		}
	}

	home.cleanup();
});

const storeModule = fileURLToPath(new URL('../../../src/store/store.ts', import.meta.url));
const fixturesModule = fileURLToPath(new URL('../../helpers/store-fixtures.ts', import.meta.url));

/**
 * A daemon stand-in: writes batch n = 1, 2, 3… as fast as it can, each holding the task (updatedAt
 * = n) and one event (at = n), and says `ready` after the first.
 */
const writerScript = `
import {Store} from ${JSON.stringify(storeModule)};
import {makeTask} from ${JSON.stringify(fixturesModule)};
const store = Store.open(process.env.TM_DB);
let n = 0;
const write = () => {
	n++;
	store.writeBatch({tasks: [makeTask('web', {updatedAt: n})], runStarts: [], runEnds: [], events: [{taskId: 'web', at: n, type: 'tick', data: {n}}]});
};
write();
process.stdout.write('ready\\n');
const loop = () => {
	for (let i = 0; i < 20; i++) write();
	setImmediate(loop);
};
loop();
`;

function startWriter(file: string): ChildProcess {
	const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', writerScript], {
		env: {...process.env, TM_DB: file},
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	children.push(child);
	return child;
}

async function ready(child: ChildProcess): Promise<void> {
	let out = '';
	child.stdout!.setEncoding('utf8');
	child.stdout!.on('data', (chunk: string) => {
		out += chunk;
	});
	await waitFor(() => out, (text) => text.includes('ready\n'), {timeout: 20_000, what: 'the writer to be ready'});
}

/** Newest first and consecutive: no torn or missing batch is visible to a reader. */
function assertConsecutive(ats: number[]): void {
	for (let index = 1; index < ats.length; index++) {
		assert.equal(ats[index], ats[index - 1]! - 1, `events out of step: ${ats.join(',')}`);
	}
}

describe('the store across processes', () => {
	it('a readonly reader sees whole batches while another process writes, and a SIGKILLed writer loses no committed batch', async () => {
		const file = `${home.dir}/tm.db`;
		const child = startWriter(file);
		await ready(child);

		const reader = openReadonlyStore(file);
		let newest = 0;
		try {
			const history = await waitFor(
				() => reader.history('web', 50),
				(seen) => {
					assert.ok(seen);
					const ats = seen.events.map((event) => event.at);
					assertConsecutive(ats);
					assert.ok((ats[0] ?? 0) >= newest, 'a later read never goes back in time');
					newest = ats[0] ?? 0;
					return newest >= 2000;
				},
				{timeout: 30_000, what: 'the writer to commit 2000 batches'},
			);
			assert.equal(history?.taskId, 'web');
			assert.equal(reader.tasks().length, 1);
		} finally {
			reader.close();
		}

		child.kill('SIGKILL');
		await once(child, 'exit');

		// The dead writer left its WAL behind: a readonly reader recovers it without writing.
		const afterCrash = openReadonlyStore(file);
		try {
			const [task] = afterCrash.tasks();
			assert.ok((task?.updatedAt ?? 0) >= newest);
			assertConsecutive(afterCrash.history('web', 50)?.events.map((event) => event.at) ?? []);
		} finally {
			afterCrash.close();
		}

		const store = Store.open(file);
		try {
			const [task] = store.loadTasks();
			const last = task?.updatedAt ?? 0;
			assert.ok(last >= newest, `batch ${newest} was seen committed; the file after the crash ends at ${last}`);
			const {events} = store.history('web', 100_000);
			assert.equal(events.length, last, 'every batch up to the last one is there, and no partial one');
			assertConsecutive(events.map((event) => event.at));
			assert.equal(events[0]?.at, last);
		} finally {
			store.close();
		}
	});
});
