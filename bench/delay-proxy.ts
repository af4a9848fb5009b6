/**
 * A slow link for the benchmarks: a TCP proxy on 127.0.0.1 that holds every chunk `delayMs`
 * before passing it on, each way, so a round trip through it takes twice that (the kernel here
 * has no `tc netem`). Order is kept: timers of one duration fire in the order they were set.
 */
import {createServer, connect, type Server, type Socket} from 'node:net';

export type DelayProxy = {port: number; close(): Promise<void>};

function delayed(from: Socket, to: Socket, delayMs: number): void {
	from.on('data', (chunk: Buffer) => {
		setTimeout(() => {
			if (!to.destroyed) {
				to.write(chunk);
			}
		}, delayMs);
	});
	from.on('end', () => setTimeout(() => to.end(), delayMs));
	from.on('error', () => to.destroy());
	from.on('close', () => setTimeout(() => to.destroy(), delayMs));
}

export async function delayProxy(targetPort: number, delayMs: number): Promise<DelayProxy> {
	const sockets = new Set<Socket>();
	const server: Server = createServer(client => {
		const upstream = connect(targetPort, '127.0.0.1');
		for (const socket of [client, upstream]) {
			sockets.add(socket);
			socket.on('close', () => sockets.delete(socket));
		}

		delayed(client, upstream, delayMs);
		delayed(upstream, client, delayMs);
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	return {
		port: typeof address === 'object' && address !== null ? address.port : 0,
		close: () =>
			new Promise(resolve => {
				for (const socket of sockets) {
					socket.destroy();
				}

				server.close(() => resolve());
			}),
	};
}
