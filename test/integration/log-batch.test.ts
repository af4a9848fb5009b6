/**
 * `logs` with `follow` and `batch` against a real daemon: the lines one read brings go out as one
 * `logLines` (so a dashboard parses a few messages, not thousands), whole and in order; a client
 * that does not ask gets a `log` per line as before.
 */
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, it} from 'node:test';
import type {LogLineDoc} from '../../src/core/ipc/methods.js';
import {tempDir} from '../helpers/harness.js';
import {RawClient} from '../helpers/raw-client.js';
import {killAllTm, runTm} from '../helpers/tm-process.js';
import {waitFor} from '../helpers/wait.js';

after(killAllTm);

type Message = {method?: string; id?: number; params?: {line?: LogLineDoc; lines?: LogLineDoc[]}};

it('sends the lines of one read as one logLines to a client that asks for batches, and a log per line otherwise', async () => {
	const dir = tempDir();
	const go = path.join(dir, 'go');
	// 2,000 lines in one burst once `go` exists, then quiet.
	writeFileSync(path.join(dir, 'burst.sh'), `while [ ! -e ${go} ]; do sleep 0.05; done; seq 1 2000; exec sleep 1000\n`);
	writeFileSync(path.join(dir, 'tm.yaml'), `programs:\n  burst:\n    cmd: sh ${path.join(dir, 'burst.sh')}\n    starttime: 0\n`);
	const daemon = runTm(['up', '--foreground'], {cwd: dir});
	const socket = path.join(dir, 'home', 'tm.sock');
	const batched = await waitFor(() => RawClient.open(socket).catch(() => null), client => client !== null, {what: 'the daemon to listen'}).catch((error: unknown) => assert.fail(`${String(error)}: ${daemon.stderr()}`));
	const plain = await RawClient.open(socket);
	batched!.send('{"jsonrpc":"2.0","id":1,"method":"logs","params":{"name":"burst","lines":0,"follow":true,"batch":true}}\n');
	plain.send('{"jsonrpc":"2.0","id":1,"method":"logs","params":{"name":"burst","lines":0,"follow":true}}\n');
	await batched!.answer(1);
	await plain.answer(1);
	writeFileSync(go, '');

	const linesOf = (client: RawClient, method: string): LogLineDoc[] =>
		(client.messages as Message[]).filter(m => m.method === method).flatMap(m => m.params?.lines ?? (m.params?.line === undefined ? [] : [m.params.line]));
	const viaBatches = (await waitFor(() => linesOf(batched!, 'logLines'), lines => lines.length >= 2000, {what: '2000 lines in logLines'}))!;
	const viaLines = (await waitFor(() => linesOf(plain, 'log'), lines => lines.length >= 2000, {what: '2000 lines in log notifications'}))!;

	assert.deepEqual(viaBatches.map(line => line.text), Array.from({length: 2000}, (_, i) => String(i + 1)));
	assert.deepEqual(viaBatches, viaLines, 'the same lines, seq for seq');
	const batches = (batched!.messages as Message[]).filter(m => m.method === 'logLines');
	assert.ok(batches.length < 2000 / 10, `${batches.length} messages for 2000 lines`);
	assert.ok(batches.every(m => (m.params?.lines?.length ?? 0) <= 256 && (m.params?.lines?.length ?? 0) > 0));
	assert.equal((batched!.messages as Message[]).filter(m => m.method === 'log').length, 0);
	assert.equal((plain.messages as Message[]).filter(m => m.method === 'logLines').length, 0);

	batched!.socket.destroy();
	plain.socket.destroy();
	daemon.child.kill('SIGTERM');
	assert.equal(await daemon.exited, 0);
});
