/**
 * `tm db recover [--force]`: rebuilds a damaged `tm.db` from what can still be read, keeping the
 * damaged file aside (store/recover.ts). Only with the daemon down: the daemon is tm.db's one
 * writer, and it refuses a damaged file at start anyway.
 */
import type {Command} from 'commander';
import {SocketClient} from '../core/client/socket-client.js';
import {TmError} from '../core/errors.js';
import {databasePath, resolveHome, resolveSocket} from '../core/paths.js';
import {recoverDatabase, type RecoveryReport, type TableReport} from '../store/recover.js';
import type {Deps, GlobalOptions} from './deps.js';
import {table} from './format.js';
import {printJson, reportError} from './output.js';

export type RecoverOptions = GlobalOptions & {force?: boolean};

/** Refuses (E_DAEMON_RUNNING) when a daemon answers on the home's socket. */
async function assertNoDaemon(socket: string): Promise<void> {
	let client;
	try {
		client = await SocketClient.connect(socket, {client: 'tm-db', timeoutMs: 2000});
	} catch (error) {
		if (error instanceof TmError && error.code === 'E_DAEMON_NOT_RUNNING') {
			return;
		}

		throw error;
	}

	const {pid} = client.server;
	void client.close();
	throw new TmError('E_DAEMON_RUNNING', `a daemon is running on this home (pid ${pid}, socket ${socket}): \`tm down\` first; tm.db is rebuilt only while no daemon uses it`);
}

/** An unreadable stretch in words: rowids (for runs and events, their ids) between the rows read on either side. */
function span(gap: TableReport['unreadable'][number]): string {
	if (gap.after === null && gap.before === null) {
		return 'all';
	}

	if (gap.after === null) {
		return `before rowid ${gap.before}`;
	}

	return gap.before === null ? `after rowid ${gap.after}` : `rowids ${gap.after + 1}–${gap.before - 1}`;
}

function printReport(deps: Deps, report: RecoveryReport): void {
	const {io} = deps;
	io.out(`tm: ${report.file} was damaged (${report.damage}); rebuilt it from what could be read\n`);
	io.out(`the damaged file is kept as ${report.aside}\n`);
	if (report.rebuilt !== null) {
		io.out(`${report.rebuilt}\n`);
	}

	io.out(
		`\n${table(
			['TABLE', 'KEPT', 'READ', 'UNREADABLE', 'DROPPED'],
			report.tables.map(t => [
				t.table,
				String(t.kept),
				String(t.read),
				t.unreadable.length === 0 ? '-' : t.unreadable.map(span).join(', '),
				t.read === t.kept ? '-' : `${t.read - t.kept} (${t.dropped.join('; ')})`,
			]),
		)}\n`,
	);
	if (report.lostTasks === null) {
		io.out('which tasks were lost is unknown: their index could not be read either\n');
	} else if (report.lostTasks.length > 0) {
		io.out(`tasks lost: ${report.lostTasks.join(', ')}\n`);
		io.out("a lost program's task comes back from the config when the daemon starts (its counters from zero); a lost job is gone\n");
	}

	io.out('start the daemon with `tm up`\n');
}

export async function runRecover(options: RecoverOptions, deps: Deps): Promise<number> {
	const home = resolveHome(options.home, deps.env);
	const file = databasePath(home);
	try {
		await assertNoDaemon(resolveSocket(options.socket, home, deps.env));
		const report = recoverDatabase(file, {force: options.force === true, now: new Date()});
		if (options.json) {
			printJson(deps.io, report === null ? {file, recovered: false} : {...report, recovered: true});
		} else if (report === null) {
			deps.io.out(`tm: ${file} is not damaged (every page checked): nothing done; --force rebuilds it anyway\n`);
		} else {
			printReport(deps, report);
		}

		return 0;
	} catch (error) {
		return reportError(deps.io, options.json, error);
	}
}

export function registerDb(program: Command, deps: Deps, done: (code: number) => void): void {
	const db = program.command('db').description('the database, tm.db (with the daemon down)');
	db.command('recover')
		.description('rebuild a damaged tm.db from what can still be read; the damaged file is kept aside')
		.option('--force', 'rebuild even when no damage is found, or when the file is not recognisably tm’s')
		.action(async (options: RecoverOptions, command: Command) => {
			done(await runRecover({...command.optsWithGlobals(), ...options}, deps));
		});
}
