/**
 * The console in a real headless browser (Debian's chromium through playwright-core): restarting
 * a program by clicking (its new pid shows), a job from the form running with its output in the
 * log pane, and hostile text (a task printing a script tag, a job named like an img tag, a
 * command holding one) shown as text. Skipped, saying why, where /usr/bin/chromium is missing.
 */
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {chromium, type Browser, type Page} from 'playwright-core';
import {waitFor} from '../helpers/wait.js';
import {webDaemon, type WebDaemon} from '../helpers/web-daemon.js';

const executablePath = '/usr/bin/chromium';
const skip = existsSync(executablePath) ? false : `${executablePath} is not installed (apt-get install chromium); browser test skipped`;
if (skip) {
	process.stdout.write(`# ${skip}\n`);
}

const config = `programs:
  web:
    cmd: sleep 1000
    starttime: 0
  shout:
    cmd: "sh -c 'echo \\"<script>alert(1)</script>\\"; sleep 1000'"
    starttime: 0
`;

const timeout = 15_000;

describe('the console in a real browser', {skip}, () => {
	let web: WebDaemon;
	let browser: Browser;
	let page: Page;
	const dialogs: string[] = [];
	const logText = (): Promise<string[]> => page.$$eval('#log-lines .line', lines => lines.map(line => line.lastChild?.textContent ?? ''));

	before(async () => {
		web = await webDaemon(config);
		await web.waitState('web', 'running');
		await web.waitState('shout', 'running');
		const token = readFileSync(path.join(web.home, 'http.token'), 'utf8').trim();
		browser = await chromium.launch({executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage']});
		page = await browser.newPage();
		page.setDefaultTimeout(timeout);
		page.on('dialog', dialog => {
			dialogs.push(`${dialog.type()}: ${dialog.message()}`);
			void (dialog.type() === 'prompt' ? dialog.accept(token) : dialog.type() === 'confirm' ? dialog.accept() : dialog.dismiss());
		});
		await page.goto(`${web.url}/`);
		await page.locator('#conn', {hasText: /^live$/}).waitFor();
	});

	after(async () => {
		await browser?.close();
		await web?.cleanup();
	});

	it('restarts a program by clicking, after a confirmation, and shows its new pid', async () => {
		const before = web.daemon.engine.get('web').pid;
		await page.click('#tasks tbody tr[data-id="web"]');
		await page.click('#actions button[data-action="restart"]');
		await waitFor(() => web.daemon.engine.get('web').pid, pid => pid !== null && pid !== before, {what: 'a new pid', timeout});
		const pid = String(web.daemon.engine.get('web').pid);
		await page.locator('#tasks tbody tr[data-id="web"] .pid', {hasText: new RegExp(`^${pid}$`)}).waitFor();
		assert.ok(dialogs.includes('confirm: restart web?'), dialogs.join('\n'));
		assert.ok(dialogs.some(text => text.startsWith('prompt:')), 'the token was asked for');
		assert.equal(await page.evaluate("sessionStorage.getItem('tm-token')") !== null, true);
	});

	it('runs a job from the form and shows its output in the log pane', async () => {
		await page.fill('#job-command', 'echo from-the-form; echo to-stderr >&2');
		await page.fill('#job-priority', '3');
		await page.click('#job button[type="submit"]');
		await page.waitForURL(/\/logs\/j-/);
		const id = decodeURIComponent(new URL(page.url()).pathname.split('/')[2] ?? '');
		await page.locator(`#tasks tbody tr[data-id="${id}"] .state`, {hasText: /^completed$/}).waitFor();
		await waitFor(logText, lines => lines.includes('from-the-form') && lines.includes('to-stderr'), {what: 'the job output', timeout});
		assert.equal(await page.locator('#log-lines .line.stderr', {hasText: 'to-stderr'}).count(), 1, 'stderr marked');
		await page.locator('#spec', {hasText: 'echo from-the-form'}).waitFor();
	});

	it('shows hostile text as text', async () => {
		await page.click('#tasks tbody tr[data-id="shout"]');
		await waitFor(logText, lines => lines.includes('<script>alert(1)</script>'), {what: 'the script tag as text', timeout});
		await page.fill('#job-command', "echo '<img src=x onerror=alert(2)>'");
		await page.fill('#job-name', '<img src=x onerror=alert(3)>');
		await page.click('#job button[type="submit"]');
		await page.locator('#notice.bad', {hasText: '<img src=x onerror=alert(3)>'}).waitFor();
		await page.fill('#job-name', '');
		await page.click('#job button[type="submit"]');
		await waitFor(logText, lines => lines.includes('<img src=x onerror=alert(2)>'), {what: 'the img tag as text', timeout});
		await page.locator('#spec', {hasText: '<img src=x onerror=alert(2)>'}).waitFor();
		assert.equal(await page.locator('#log-lines img, #log-lines script, #notice img, #spec img').count(), 0);
		assert.deepEqual(dialogs.filter(text => text.startsWith('alert')), [], 'no script ran');
	});
});
