/**
 * The console in a real headless browser (Debian's chromium through playwright-core): restarting
 * a program by clicking (its new pid shows), a job from the form running with its output in the
 * log pane, and hostile text (a task printing a script tag, a job name like an img tag refused, a
 * job labelled like one and a command holding one) shown as text. Skipped, saying why, where /usr/bin/chromium is missing.
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

	it('shows hostile text as text: output, a refused name, a job labelled like an img tag', async () => {
		await page.click('#tasks tbody tr[data-id="shout"]');
		await waitFor(logText, lines => lines.includes('<script>alert(1)</script>'), {what: 'the script tag as text', timeout});
		await page.fill('#job-command', "echo '<img src=x onerror=alert(2)>'");
		// A name addresses the task (tm stop NAME, globs, /logs/NAME): it stays an identifier, and the refusal is text.
		await page.fill('#job-name', '<img src=x onerror=alert(3)>');
		await page.click('#job button[type="submit"]');
		await page.locator('#notice.bad', {hasText: '<img src=x onerror=alert(3)>'}).waitFor();
		// A label is free text: the job is named by it in the table and its spec.
		const hostile = '<img src=x onerror=window.__xss=1>';
		await page.fill('#job-name', '');
		await page.fill('#job-label', hostile);
		await page.click('#job button[type="submit"]');
		await page.waitForURL(/\/logs\/j-/);
		const id = decodeURIComponent(new URL(page.url()).pathname.split('/')[2] ?? '');
		await waitFor(logText, lines => lines.includes('<img src=x onerror=alert(2)>'), {what: 'the img tag as text', timeout});
		await page.locator('#spec', {hasText: '<img src=x onerror=alert(2)>'}).waitFor();
		await page.locator('#spec', {hasText: `label: ${hostile}`}).waitFor();
		const label = page.locator(`#tasks tbody tr[data-id="${id}"] .name .label`);
		await label.filter({hasText: hostile}).waitFor();
		assert.equal(await label.textContent(), hostile, 'the label, character for character');
		assert.equal(web.daemon.engine.get(id).spec.label, hostile);
		assert.equal(await page.locator('#tasks img, #log-lines img, #log-lines script, #notice img, #spec img').count(), 0);
		// Reloaded, the row is painted from the snapshot rather than from an event.
		await page.reload();
		await page.locator(`#tasks tbody tr[data-id="${id}"] .name .label`, {hasText: hostile}).waitFor();
		assert.equal(await page.locator('#tasks img').count(), 0);
		assert.equal(await page.evaluate('typeof window.__xss'), 'undefined', 'no handler ran');
		assert.deepEqual(dialogs.filter(text => text.startsWith('alert')), [], 'no script ran');
	});
});
