/**
 * The `taskmaster:` section → a DaemonSpec. Every key is optional.
 */
import {err, ok, type Result} from '../errors.js';
import type {AlertsSpec, DaemonSpec, SmtpSpec} from '../model.js';
import {alertsDefaults, daemonDefaults, logViewAddress, smtpDefaults, smtpSecurePort} from './defaults.js';
import {readCapacity, type HostSize} from './capacity.js';
import {readCluster} from './cluster.js';
import {parseCorsOrigins} from './cors.js';
import {describe} from './describe.js';
import {readMaxRunning} from './max-running.js';
import {integer, nullable, parseAccount, parseBoolean, parseText, type Parser} from './scalars.js';
import {readField, readMap, reportValue, valueOf, type Ctx, type Field} from './tree.js';
import {parseDuration} from './units.js';

/** The keys of the `taskmaster:` section. */
export const daemonKeys = [
	'logfile',
	'email',
	'smtp',
	'alerts',
	'uid',
	'gid',
	'http',
	'http_token',
	'http_cors',
	'max_running',
	'capacity',
	'retention',
	'heartbeat_interval',
	'task_timeout',
	'cleanup_interval',
	'sample_interval',
	'cgroups',
	'cluster',
] as const;

const smtpKeys = ['host', 'port', 'secure', 'user', 'pass', 'from'] as const;
const retentionKeys = ['finished', 'history'] as const;
const alertsKeys = ['batch', 'crash_loop'] as const;
const crashLoopKeys = ['restarts', 'within'] as const;

/** A duration that must be more than zero (an interval of 0 would spin). */
const positiveDuration: Parser<number> = (value) => {
	const result = parseDuration(value);
	return result.ok && result.value === 0 ? err(`expected a duration greater than 0, got ${describe(value)}`) : result;
};

/** `cgroups: auto` (a cgroup per run where the daemon can make them) or `off` (also false, no). */
const parseCgroups: Parser<'auto' | 'off'> = (value) => {
	const word = typeof value === 'string' ? value.trim().toLowerCase() : value;
	if (word === 'auto' || word === true || word === 'on' || word === 'yes' || word === 'true') {
		return ok('auto');
	}

	return word === 'off' || word === false || word === 'no' || word === 'false' ? ok('off') : err(`expected auto or off, got ${describe(value)}`);
};

const emailPattern = /^[^\s@,]+@[^\s@,]+$/;

/**
 * One address, several separated by commas, or a list of addresses; kept as one
 * comma-separated string (`a@x.org, b@y.org`). Each address gets its own mail.
 */
const parseEmail: Parser<string> = (value) => {
	const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : null;
	const addresses = items?.map(item => (typeof item === 'string' ? item.trim() : item)) ?? [];
	const bad = addresses.find(a => typeof a !== 'string' || !emailPattern.test(a));
	if (addresses.length === 0 || (bad !== undefined && !Array.isArray(value))) {
		return err(`expected an email address like ops@example.com (or a list of them), got ${describe(value)}`);
	}

	return bad === undefined ? ok(addresses.join(', ')) : err(`expected a list of email addresses, but ${describe(bad)} is not one`);
};

/** An `http:` address: where it binds, and whether only this machine can reach it. */
export type HttpAddress = {address: string; host: string; port: number; loopback: boolean};

/** True for 127.x.x.x, ::1 and localhost. */
export function isLoopback(host: string): boolean {
	return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * `http: host:port` (`[::1]:4242` for IPv6, `:4242` for every interface). A bare port number
 * binds 127.0.0.1.
 */
export function parseHttp(value: unknown): Result<HttpAddress, string> {
	const fail = err(`expected host:port like 127.0.0.1:4242, got ${describe(value)}`);
	const text = typeof value === 'number' ? `127.0.0.1:${value}` : value;
	if (typeof text !== 'string') {
		return fail;
	}

	const match = /^(?:\[([\d:a-f.]+)\]|([^\s:[\]]*)):(\d{1,5})$/i.exec(text.trim());
	const port = Number(match?.[3]);
	if (!match || port < 1 || port > 65_535) {
		return match ? err(`expected a port from 1 to 65535, got ${describe(value)}`) : fail;
	}

	const host = match[1] ?? match[2] ?? '';
	return ok({address: text.trim(), host, port, loopback: isLoopback(host)});
}

/** `http:` as written: an address, or `off` (also `false` or empty) for no web view. */
const parseHttpSetting: Parser<HttpAddress | null> = (value) => {
	if (value === null || value === false || value === 'off') {
		return ok(null);
	}

	const address = parseHttp(value);
	const looksLikeAddress = typeof value === 'number' || (typeof value === 'string' && value.includes(':'));
	return address.ok || looksLikeAddress ? address : err(`expected host:port like 127.0.0.1:4242, or off, got ${describe(value)}`);
};

/**
 * The web view's address: as written; else, with a `logfile`, the log view on 127.0.0.1:4242
 * (the seed's http://localhost:4242/logs), which gives way when the port is taken.
 */
function readHttp(ctx: Ctx, field: Field | undefined, logfile: string | null): Pick<DaemonSpec, 'http' | 'httpDefault'> {
	if (field === undefined) {
		return logfile === null ? {http: daemonDefaults.http} : {http: logViewAddress, httpDefault: true};
	}

	return {http: readField(ctx, field, parseHttpSetting)?.address ?? null};
}

function readSmtp(ctx: Ctx, field: Field | undefined, email: string | null): SmtpSpec | null {
	const fields = field === undefined ? null : readMap(ctx, field.value, field.path, smtpKeys);
	if (fields === null) {
		return email === null ? null : {...smtpDefaults};
	}

	const secure = readField(ctx, fields.get('secure'), parseBoolean) ?? smtpDefaults.secure;
	return {
		host: readField(ctx, fields.get('host'), parseText) ?? smtpDefaults.host,
		port: readField(ctx, fields.get('port'), integer(1, 65_535)) ?? (secure ? smtpSecurePort : smtpDefaults.port),
		secure,
		user: readField(ctx, fields.get('user'), nullable(parseText)) ?? smtpDefaults.user,
		pass: readField(ctx, fields.get('pass'), nullable(parseText)) ?? smtpDefaults.pass,
		from: readField(ctx, fields.get('from'), nullable(parseText)) ?? smtpDefaults.from,
	};
}

function readRetention(ctx: Ctx, field: Field | undefined): DaemonSpec['retention'] {
	const fields = field === undefined ? null : readMap(ctx, field.value, field.path, retentionKeys);
	const d = daemonDefaults.retention;
	return {
		finishedMs: readField(ctx, fields?.get('finished'), parseDuration) ?? d.finishedMs,
		historyMs: readField(ctx, fields?.get('history'), parseDuration) ?? d.historyMs,
	};
}

/** `alerts: {batch: 1m, crash_loop: {restarts: 5, within: 10m}}`, every key optional. */
function readAlerts(ctx: Ctx, field: Field | undefined): AlertsSpec {
	const fields = field === undefined ? null : readMap(ctx, field.value, field.path, alertsKeys);
	const loop = fields?.get('crash_loop');
	const loopFields = loop === undefined ? null : readMap(ctx, loop.value, loop.path, crashLoopKeys);
	const d = alertsDefaults;
	return {
		batchMs: readField(ctx, fields?.get('batch'), parseDuration) ?? d.batchMs,
		crashLoop: {
			restarts: readField(ctx, loopFields?.get('restarts'), integer(1)) ?? d.crashLoop.restarts,
			withinMs: readField(ctx, loopFields?.get('within'), positiveDuration) ?? d.crashLoop.withinMs,
		},
	};
}

/** Reads the `taskmaster:` section (absent or empty: all defaults), reporting every problem; `host` sizes the capacity. */
export function readDaemon(ctx: Ctx, field: Field | undefined, host: HostSize): DaemonSpec {
	const fields = field === undefined ? null : readMap(ctx, field.value, field.path, daemonKeys);
	const get = (key: (typeof daemonKeys)[number]): Field | undefined => fields?.get(key);
	const d = daemonDefaults;
	const email = readField(ctx, get('email'), nullable(parseEmail)) ?? d.email;
	const logfile = readField(ctx, get('logfile'), nullable(parseText)) ?? d.logfile;
	const httpField = get('http');
	const http = readHttp(ctx, httpField, logfile);
	const httpToken = readField(ctx, get('http_token'), nullable(parseText)) ?? d.httpToken;
	const tokenGiven = valueOf(ctx, get('http_token')?.value) !== null;
	const bound = http.http === null ? null : parseHttp(http.http);
	if (bound?.ok && !bound.value.loopback && httpToken === null && !tokenGiven && httpField !== undefined) {
		const host = bound.value.host === '' ? 'every interface' : bound.value.host;
		reportValue(ctx, httpField, `binds ${host}, which other machines can reach; set taskmaster.http_token too, or bind 127.0.0.1`);
	}

	const httpCors = readField(ctx, get('http_cors'), nullable(parseCorsOrigins)) ?? [];
	const corsField = get('http_cors');
	if (httpCors.length > 0 && http.http === null && corsField !== undefined) {
		reportValue(ctx, corsField, 'there is no API to call: taskmaster.http is off; set http too, or remove http_cors');
	}

	return {
		logfile,
		email,
		smtp: readSmtp(ctx, get('smtp'), email),
		alerts: readAlerts(ctx, get('alerts')),
		uid: readField(ctx, get('uid'), nullable(parseAccount)) ?? d.uid,
		gid: readField(ctx, get('gid'), nullable(parseAccount)) ?? d.gid,
		...http,
		httpToken,
		httpCors,
		maxRunning: readMaxRunning(ctx, get('max_running')),
		capacity: readCapacity(ctx, get('capacity'), host),
		retention: readRetention(ctx, get('retention')),
		heartbeatIntervalMs: readField(ctx, get('heartbeat_interval'), positiveDuration) ?? d.heartbeatIntervalMs,
		taskTimeoutMs: readField(ctx, get('task_timeout'), positiveDuration) ?? d.taskTimeoutMs,
		cleanupIntervalMs: readField(ctx, get('cleanup_interval'), positiveDuration) ?? d.cleanupIntervalMs,
		sampleIntervalMs: readField(ctx, get('sample_interval'), positiveDuration) ?? d.sampleIntervalMs,
		cgroups: readField(ctx, get('cgroups'), parseCgroups) ?? 'auto',
		cluster: readCluster(ctx, get('cluster')),
	};
}
