// One pg-boss "host" for bench/cluster.ts: CONCURRENCY work loops (batchSize 1) on queue `bench`,
// each job spawns `true` and waits for it, as a tm member runs a job. pg-boss comes from
// PGBOSS_DIR (npm install pg-boss there; it is not a dependency of tm).
import {spawn} from 'node:child_process';
import path from 'node:path';
import {pathToFileURL} from 'node:url';

const {default: PgBoss} = await import(pathToFileURL(path.join(process.env.PGBOSS_DIR, 'node_modules/pg-boss/src/index.js')).href);
const boss = new PgBoss({connectionString: process.env.PG_URL, max: 4, schedule: false, supervise: process.env.SUPERVISE === '1', maintenanceIntervalSeconds: 1});
boss.on('error', () => {});
await boss.start();
const run = () => new Promise(resolve => spawn('true', {stdio: 'ignore'}).on('exit', resolve));
const sleep = () => new Promise(resolve => spawn('sleep', ['30'], {stdio: 'ignore'}).on('exit', resolve));
for (let i = 0; i < Number(process.env.CONCURRENCY ?? 4); i++) {
	await boss.work('bench', {batchSize: 1, pollingIntervalSeconds: 0.5}, async ([job]) => {
		await (job?.data?.kill ? sleep() : run());
	});
}

process.send?.('ready');
