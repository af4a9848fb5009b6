/**
 * The daemon's stop order, written once: housekeeping first (no sample, cleanup or schedule
 * starts anything while tasks stop) and the spare descriptors, then every task (after recovery, so no orphan is left
 * half-handled) and tm's cgroups, then the socket, the web view and the feed, the alerts still waiting, the log, tm.db.
 */
import type {Alerter} from '../alerts/index.js';
import type {Clock, TimerHandle} from '../clock.js';
import type {Descriptors} from '../descriptors.js';
import type {Engine} from '../engine.js';
import type {Feed} from '../feed/feed.js';
import type {RpcServer} from '../ipc/server.js';
import type {DaemonLog} from './daemon-log.js';
import type {Housekeeping} from './housekeeping.js';
import type {WebView} from './web-view.js';

export type Running = {
	clock: Clock;
	housekeeping: Housekeeping;
	descriptors: Descriptors;
	recovered: Promise<void>;
	engine: Engine;
	/** tm's cgroup folders: removed once every task has stopped. */
	cgroups: {close(): Promise<void>};
	feed: Feed;
	server: RpcServer | null;
	web: WebView;
	alerter: Alerter | null;
	log: DaemonLog;
	store: {close(): void};
	/** The disk health: it stops asking writers to try again. */
	disk: {close(): void};
	/** Cluster membership: no claims once stopping; held jobs, stopped with the rest, are given back before it leaves. */
	cluster?: {stopClaiming(): void; close(): Promise<void>};
};

/** How long shutdown waits for alert mails still waiting to go out. */
const alertFlushMs = 10_000;

export async function stopDaemon(running: Running, reason: string): Promise<void> {
	const {clock, housekeeping, descriptors, recovered, engine, cgroups, feed, server, web, alerter, log, store, disk, cluster} = running;
	housekeeping.stop();
	cluster?.stopClaiming();
	// Nothing starts any more: the spares go to the work of stopping.
	descriptors.stop();
	await recovered;
	await engine.stopAll(reason);
	await cgroups.close();
	await cluster?.close();
	await server?.close();
	await web.close();
	feed.close();
	await flushAlerts(alerter, clock);
	log.note('daemon stopped');
	log.close();
	store.close();
	disk.close();
}

/** Sends the alerts still waiting, giving up after {@link alertFlushMs}. */
async function flushAlerts(alerter: Alerter | null, clock: Clock): Promise<void> {
	if (alerter === null) {
		return;
	}

	let timer: TimerHandle | null = null;
	await Promise.race([alerter.flush(), new Promise<void>(resolve => (timer = clock.at(clock.now() + alertFlushMs, resolve)))]);
	(timer as TimerHandle | null)?.cancel();
	alerter.close();
}
