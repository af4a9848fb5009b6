/**
 * For the job benchmarks: resolves once `count` jobs have completed, seen by a second connection
 * subscribed to the daemon's events that counts `"to":"completed"` in the raw stream (parsing
 * every frame would put the observer's CPU, on a 2-core machine, into the daemon's numbers).
 */
import {connect as connectSocket} from 'node:net';
import {protocolVersion} from '../src/core/ipc/protocol.js';

export async function completions(socketPath: string, count: number): Promise<{done: Promise<void>; close(): void}> {
	const socket = connectSocket(socketPath);
	await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
	const needle = '"to":"completed"';
	let seen = 0;
	let tail = '';
	const done = new Promise<void>(resolve => {
		socket.on('data', (chunk: Buffer) => {
			const text = tail + chunk.toString('latin1');
			for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) {
				seen++;
			}

			tail = text.slice(-needle.length + 1);
			if (seen >= count) {
				resolve();
			}
		});
	});
	socket.write(`${JSON.stringify({jsonrpc: '2.0', id: 1, method: 'hello', params: {protocol: protocolVersion, client: 'bench-observer'}})}\n`);
	socket.write(`${JSON.stringify({jsonrpc: '2.0', id: 2, method: 'subscribe', params: {}})}\n`);
	return {done, close: () => socket.destroy()};
}
