/**
 * The web page in a real headless browser (Debian's chromium driven by playwright-core): the
 * task list, a state change shown without a reload (painted from the event alone), a task's log
 * lines as they arrive, and the daemon log at /logs. Skipped, saying why, where
 * /usr/bin/chromium is not installed.
 */
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {after, before, describe, it} from 'node:test';
import {chromium, type Browser, type Page} from 'playwright-core';
import {tm} from '../helpers/cli.js';
import {waitFor} from '../helpers/wait.js';
import {tickerCmd, webDaemon, type WebDaemon} from '../helpers/web-daemon.js';

const executablePath = '/usr/bin/chromium';
const skip = existsSync(executablePath) ? false : `${executablePath} is not installed (apt-get install chromium); browser test skipped`;
if (skip) {
	process.stdout.write(`# ${skip}\n`);
}

const config = `taskmaster:
  logfile: ./tmd.log
programs:
  ticker:
    cmd: ${tickerCmd}
    starttime: 0
  idle:
    cmd: sleep 1000
    starttime: 0
  off:
    cmd: sleep 1000
    autostart: false
`;

const timeout = 15_000;

describe('the web page in a real browser', {skip}, () => {
	let web: WebDaemon;
	let browser: Browser;
	let page: Page;

	/** The task table as the page shows it: [name, state] per row. */
	const table = (): Promise<string[][]> =>
		page.$$eval('#tasks tbody tr', rows => rows.map(row => [row.querySelector('.name')?.textContent ?? '', row.querySelector('.state')?.textContent ?? '']));
	/** Waits until the page shows `id` in `kind`. */
	const state = (id: string, kind: string) => page.locator(`#tasks tbody tr[data-id="${id}"] .state`, {hasText: new RegExp(`^${kind}$`)}).waitFor();
	/** Waits until the log pane shows a line containing `text`. */
	const line = (text: string) => page.locator('#log-lines .line', {hasText: text}).first().waitFor();
	const logLines = (): Promise<string[]> => page.$$eval('#log-lines .line', lines => lines.map(line => line.lastChild?.textContent ?? ''));

	before(async () => {
		web = await webDaemon(config, {socket: true});
		await web.waitState('ticker', 'running');
		await web.waitState('idle', 'running');
		browser = await chromium.launch({executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage']});
		page = await browser.newPage();
		page.setDefaultTimeout(timeout);
	});

	after(async () => {
		await browser?.close();
		await web?.cleanup();
	});

	it('shows the task list with states', async () => {
		const errors: string[] = [];
		page.on('pageerror', error => errors.push(error.message));
		page.on('console', message => {
			if (message.type() === 'error') {
				errors.push(message.text());
			}
		});
		await page.goto(`${web.url}/`);
		await page.locator('#conn', {hasText: /^live$/}).waitFor();
		await waitFor(table, rows => rows.length === 3, {what: 'three rows', timeout});
		assert.deepEqual(await table(), [['ticker', 'running'], ['idle', 'running'], ['off', 'stopped']]);
		assert.match(await page.textContent('#summary') ?? '', /2 running, 1 stopped/);
		assert.equal(await page.isHidden('#log'), true, 'no log until a task is chosen');
		assert.deepEqual(errors, [], 'no script errors, nothing blocked by the content security policy');
	});

	it('shows a state change without reloading', async () => {
		await page.evaluate('window.marker = "same page"');
		web.daemon.engine.get('idle').dispatch({type: 'stop'});
		await state('idle', 'stopped');
		assert.deepEqual(await table(), [['ticker', 'running'], ['idle', 'stopped'], ['off', 'stopped']]);
		assert.equal(await page.evaluate('window.marker'), 'same page', 'the page was not reloaded');

		web.daemon.engine.get('off').dispatch({type: 'start'});
		await state('off', 'running');
		const pid = await page.textContent('#tasks tbody tr[data-id="off"] .pid');
		assert.equal(pid, String(web.daemon.engine.get('off').pid));
	});

	it("clicking a task shows its log lines as they arrive", async () => {
		await page.click('#tasks tbody tr[data-id="ticker"]');
		assert.equal(new URL(page.url()).pathname, '/logs/ticker');
		assert.equal(await page.textContent('#log-title'), 'ticker');
		const first = await waitFor(logLines, lines => lines.length > 0, {what: 'log lines', timeout});
		assert.ok(first.every(line => /^tick \d+$/.test(line)), JSON.stringify(first.slice(0, 3)));
		const lastTick = (lines: string[]): number => Number(lines.at(-1)?.split(' ')[1] ?? 0);
		const shown = lastTick(first);
		// New lines appear while the page is open, in order, with nothing skipped.
		const later = await waitFor(logLines, lines => lastTick(lines) >= shown + 5, {what: 'five more lines', timeout});
		const ticks = later.map(line => Number(line.split(' ')[1]));
		assert.deepEqual(ticks, ticks.map((_t, i) => (ticks[0] ?? 0) + i), 'consecutive lines');
		assert.equal(await page.getAttribute('#tasks tbody tr[data-id="ticker"]', 'class'), 'selected');
	});

	it('shows the daemon log at /logs, and a task log by its address', async () => {
		await page.click('nav a[href="/logs"]');
		assert.equal(new URL(page.url()).pathname, '/logs');
		await line('idle running → stopping');
		const lines = await logLines();
		assert.ok(lines.some(line => line.startsWith('daemon started')), lines.slice(0, 3).join('\n'));
		assert.ok(!lines.some(line => /^tick \d+$/.test(line)), 'the daemon log, not a task log');
		web.daemon.engine.get('idle').dispatch({type: 'start'});
		await line('idle starting → running');

		// Opened directly, each line once (the page's first snapshot does not load it twice).
		await page.goto(`${web.url}/logs`);
		await line('idle starting → running');
		await page.locator('#conn', {hasText: /^live$/}).waitFor();
		const full = await page.$$eval('#log-lines .line', all => all.map(line => line.textContent ?? ''));
		assert.equal(new Set(full).size, full.length, 'no line twice');
		assert.equal(full.filter(line => /daemon started/.test(line)).length, 1);

		await page.goto(`${web.url}/logs/ticker`);
		await waitFor(logLines, lines => lines.length > 0, {what: 'log lines', timeout});
		assert.equal(await page.textContent('#log-title'), 'ticker');
	});

	it('paints a transition from its event alone: tm stop and tm start through the socket', async () => {
		// A second page that never hears `tasks` updates: only the snapshot and the events can change its rows.
		const eventsOnly = await browser.newPage();
		eventsOnly.setDefaultTimeout(timeout);
		await eventsOnly.addInitScript({
			content: `const add = EventSource.prototype.addEventListener;
EventSource.prototype.addEventListener = function (type, listener, options) {
  if (type !== 'tasks') add.call(this, type, listener, options);
};`,
		});
		try {
			await eventsOnly.goto(`${web.url}/`);
			await eventsOnly.locator('#conn', {hasText: /^live$/}).waitFor();
			const row = (id: string) => eventsOnly.$eval(`#tasks tbody tr[data-id="${id}"]`, tr => ['state', 'pid', 'restarts', 'reason'].map(name => tr.querySelector(`.${name}`)?.textContent ?? ''));
			const shows = (id: string, kind: string) => eventsOnly.locator(`#tasks tbody tr[data-id="${id}"] .state`, {hasText: new RegExp(`^${kind}$`)}).waitFor();
			const cli = (...args: string[]) => tm([...args, '--home', web.home], {cwd: web.dir, env: {HOME: web.dir}});
			await shows('idle', 'running');

			const stop = await cli('stop', 'idle');
			assert.equal(stop.code, 0, stop.err);
			await shows('idle', 'stopped');
			const stopped = web.events.findLast(e => e.taskId === 'idle' && e.to === 'stopped')?.task;
			assert.deepEqual(await row('idle'), ['stopped', '', String(stopped?.restarts), stopped?.reason]);

			const start = await cli('start', 'idle');
			assert.equal(start.code, 0, start.err);
			await shows('idle', 'running');
			const running = web.events.findLast(e => e.taskId === 'idle' && e.to === 'running')?.task;
			assert.deepEqual(await row('idle'), ['running', String(running?.pid), String(running?.restarts), running?.reason]);
			assert.equal(running?.pid, web.daemon.engine.get('idle').pid);
		} finally {
			await eventsOnly.close();
		}
	});
});
