/**
 * `/healthz` (and `/api/v1/healthz`): for load balancers, whether the daemon is up and can write
 * its files.
 */
import type {ServerResponse} from 'node:http';
import type {Feed} from '../feed/feed.js';
import {sendJson} from './http.js';

/** 200 while the daemon can write its files, 503 with the reason while it cannot (a full disk). */
export function healthz(feed: Feed, response: ServerResponse): void {
	const {pid, version, disk, cluster} = feed.daemon();
	// A cluster member whose PostgreSQL does not answer is not healthy either (its local work goes on).
	const clusterOk = cluster?.reachable ?? true;
	const reason = disk.reason ?? (clusterOk ? null : `cluster unreachable: ${cluster?.error ?? 'not joined'}`);
	sendJson(response, disk.ok && clusterOk ? 200 : 503, {ok: disk.ok && clusterOk, reason, pid, version, disk, ...(cluster === undefined ? {} : {cluster})});
}
