/**
 * The test PostgreSQL (test/helpers/postgres.ts): it starts on a free port, answers, stops by
 * pid and starts again with its data (the fault tests rely on that).
 */
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import pg from 'pg';
import {pgMissing, startPostgres, type PgServer} from '../../helpers/postgres.js';

let server: PgServer;

before(async () => {
	if (pgMissing === null) {
		server = await startPostgres();
	}
});

after(async () => {
	await server?.close();
});

test('the test PostgreSQL answers, stops by pid and starts again with its data', {skip: pgMissing ?? false}, async () => {
	const query = async (sql: string): Promise<unknown[]> => {
		const client = new pg.Client({connectionString: server.url});
		await client.connect();
		try {
			return (await client.query(sql)).rows;
		} finally {
			await client.end();
		}
	};

	await query('CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
	const pid = server.pid();
	assert.ok(pid !== null);
	await server.stop();
	assert.equal(server.pid(), null);
	await server.start();
	assert.deepEqual(await query('SELECT n FROM kept'), [{n: 42}]);
});
