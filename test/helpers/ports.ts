/**
 * A port on 127.0.0.1 nothing listens on now (bound, then released), for a daemon's web view or
 * an SMTP relay that is down.
 */
import {createServer} from 'node:net';

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
		});
	});
}
