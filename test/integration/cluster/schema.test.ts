/**
 * The cluster schema's steps against a real PostgreSQL: a schema at version 1 (what the first
 * cluster release made) with a job in it is migrated to the current version, the job kept and
 * given the new columns' defaults; migrating again changes nothing.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {migrate, schemaVersion, steps} from '../../../src/core/cluster/schema.js';
import {useClusterSql} from '../../helpers/cluster.js';
import {pgMissing} from '../../helpers/postgres.js';

const skip = pgMissing ?? false;

const pg = useClusterSql('s');

test('a version 1 schema with a job in it is migrated to the current version, the job kept', {skip}, async () => {
	assert.ok(schemaVersion >= 2);
	await pg.sql.query('CREATE SCHEMA tm_cluster');
	await pg.sql.query('CREATE TABLE tm_cluster.meta (key text PRIMARY KEY, value text NOT NULL)');
	await pg.sql.query(steps[0]!);
	await pg.sql.query("INSERT INTO tm_cluster.meta VALUES ('schema_version', '1')");
	await pg.sql.query(`INSERT INTO tm_cluster.jobs (id, name, params, max_attempts, reason, submitted_by, state, owner, token) VALUES ('c-old', 'old', '{"argv":["true"]}', 5, 'claimed by h1', 'h1', 'running', 'h1', 7)`);

	assert.equal(await migrate(pg.sql), schemaVersion);
	const [job] = await pg.sql.query<{state: string; owner: string; pause_requested: boolean; paused_at: Date | null; fail_reason: string | null}>(
		"SELECT state, owner, pause_requested, paused_at, fail_reason FROM tm_cluster.jobs WHERE id = 'c-old'",
	);
	assert.deepEqual(job, {state: 'running', owner: 'h1', pause_requested: false, paused_at: null, fail_reason: null});
	const [meta] = await pg.sql.query<{value: string}>("SELECT value FROM tm_cluster.meta WHERE key = 'schema_version'");
	assert.equal(meta?.value, String(schemaVersion));
	assert.equal(await migrate(pg.sql), schemaVersion, 'migrating again changes nothing');
	assert.deepEqual(await pg.sql.query("SELECT id FROM tm_cluster.job_logs"), []);
});
