/**
 * `tm top --cluster` in a real terminal (tmux, as the other dashboard tests): two members on a
 * real PostgreSQL; the dashboard on one of them lists the cluster's jobs with a HOST column (the
 * member that holds each, none for a queued job), and a job the other member runs is paused
 * from it with `p` (the action goes through this member's daemon to the job's owner).
 */
import assert from 'node:assert/strict';
import {chmodSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, test} from 'node:test';
import {query, type Host, useCluster} from '../../helpers/cluster.js';
import {pgMissing} from '../../helpers/postgres.js';
import {closeTerminals, noTmux, Terminal} from '../../helpers/terminal.js';
import {waitFor} from '../../helpers/wait.js';

const skip = pgMissing ?? noTmux;
const root = path.resolve(import.meta.dirname, '../../..');

const cluster = useCluster(['t1', 'tee2'], () => ({lease: '3s', poll: '250ms', maxRunning: 2}), skip === false);
after(closeTerminals);

async function submit(host: Host, ...args: string[]): Promise<string> {
	const result = await host.cli('run', '--cluster', ...args);
	assert.equal(result.code, 0, result.err);
	return result.out.trim();
}

/** The row that names `name`, and the HOST column's cell in it (the header's HOST title gives where it is). */
function hostCell(screen: string[], name: string): string | undefined {
	const header = screen[1] ?? '';
	const start = header.indexOf('HOST');
	const row = screen.slice(2).find(line => line.includes(` ${name} `));
	return row === undefined || start < 0 ? undefined : row.slice(start, header.indexOf('NAME')).trim();
}

test('tm top --cluster: every job with its member in a HOST column; p pauses a job another member runs', {skip}, async () => {
	const [t1, t2] = cluster.hosts as [Host, Host];
	const far = await submit(t1, '--on', 'tee2', '--name', 'far-job', '--', 'sleep', '60');
	const near = await submit(t1, '--on', 't1', '--name', 'near-job', '--', 'sleep', '60');
	await submit(t2, '--name', 'waits', '--after', 'never-done', '--', 'true');
	await waitFor(() => query<{n: number}>(cluster.server, "SELECT count(*)::int AS n FROM tm_cluster.jobs WHERE state = 'running'"), rows => rows[0]?.n === 2, {what: 'two jobs running'});

	writeFileSync(
		path.join(t1.dir, 'top.sh'),
		`#!/bin/sh\nexport LANG=C.UTF-8\nexec "${process.execPath}" --import "${import.meta.resolve('tsx')}" "${path.join(root, 'bin/tm.ts')}" top --cluster --home "${path.join(t1.dir, 'home')}"\n`,
	);
	chmodSync(path.join(t1.dir, 'top.sh'), 0o755);
	const term = new Terminal(t1.dir, 100, 24);
	term.type('./top.sh');
	term.keys('Enter');
	const screen = await term.until('the cluster jobs with HOST', s => /HOST\s+NAME/.test(s[1] ?? '') && ['far-job', 'near-job', 'waits'].every(name => s.some(line => line.includes(` ${name} `))));
	assert.equal(hostCell(screen, 'far-job'), 'tee2');
	assert.equal(hostCell(screen, 'near-job'), 't1');
	assert.equal(hostCell(screen, 'waits'), '', 'a queued job is held by no member');

	// Select far-job (run by tee2) and pause it from t1's dashboard.
	for (let i = 0; i < 3; i++) {
		const selected = term.screen().slice(2).find(line => /^>/.test(line));
		if (selected?.includes(' far-job ')) {
			break;
		}

		term.keys('j');
		await term.until('the selection to move', s => s.slice(2).find(line => /^>/.test(line)) !== selected);
	}

	await term.until('far-job selected', s => /^>/.test(s.slice(2).find(line => line.includes(' far-job ')) ?? ''));
	term.keys('p');
	await term.until('far-job paused on screen', s => /paused/.test(s.slice(2).find(line => line.includes(' far-job ')) ?? ''), 15_000);
	const [row] = await query<{paused: boolean; owner: string}>(cluster.server, 'SELECT paused_at IS NOT NULL AS paused, owner FROM tm_cluster.jobs WHERE id = $1', [far]);
	assert.deepEqual(row, {paused: true, owner: 'tee2'});
	term.keys('q');
	for (const id of [far, near]) {
		assert.equal((await t1.cli('cancel', '--no-wait', id)).code, 0);
	}
});
