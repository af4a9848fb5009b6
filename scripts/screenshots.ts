/**
 * `npm run screenshots`: docs/images/console.png and console-task.png, the console of a real
 * daemon (a temp home, a few programs and a job) in Debian's headless chromium. Run it after
 * changing the page, and commit the images (README.md and docs/web.md show them).
 */
import path from 'node:path';
import {chromium} from 'playwright-core';
import {waitFor} from '../test/helpers/wait.js';
import {tickerCmd, webDaemon} from '../test/helpers/web-daemon.js';

const out = path.join(import.meta.dirname, '../docs/images');
const config = `programs:
  web:
    cmd: ${tickerCmd}
    starttime: 0
  worker:
    cmd: sleep 1000
    numprocs: 2
    starttime: 0
  backup:
    cmd: sleep 1000
    autostart: false
  flaky:
    cmd: "sh -c 'echo starting; echo oops >&2; exit 3'"
    startretries: 1
    autorestart: false
`;

const web = await webDaemon(config);
const browser = await chromium.launch({executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu']});
try {
	await web.waitState('web', 'running');
	const page = await browser.newPage({viewport: {width: 1200, height: 760}});
	await page.goto(`${web.url}/`);
	await page.locator('#conn', {hasText: /^live$/}).waitFor();
	// CPU and memory come with the second sample.
	await waitFor(() => page.textContent('#tasks tbody tr[data-id="web"] .mem'), text => (text ?? '') !== '', {what: 'memory shown', timeout: 15_000});
	await page.screenshot({path: path.join(out, 'console.png')});
	await page.click('#tasks tbody tr[data-id="web"]');
	await page.locator('#log-lines .line').first().waitFor();
	await page.locator('#history li').first().waitFor();
	await page.screenshot({path: path.join(out, 'console-task.png'), fullPage: true});
	process.stdout.write(`screenshots: ${out}/console.png, console-task.png\n`);
} finally {
	await browser.close();
	await web.cleanup();
}
