// @ts-check
/**
 * The console's controls, beside the live view of app.js: start/stop/restart of the task shown
 * (each asked to confirm), the job form, the queue with what each task waits for, the task's spec
 * and history, and the keys of `tm top`. Changes go to `/api/v1` with the token, asked for once
 * and kept in this tab's sessionStorage (never a cookie). Every text is set as text, never HTML.
 */
'use strict';

/**
 * @typedef {import('../../ipc/methods.js').QueueDoc} QueueDoc
 * @typedef {import('../../ipc/methods.js').TaskDetail} TaskDetail
 * @typedef {{taskId: string, runs: Array<{attempt: number, pid: number | null, startedAt: number, endedAt: number | null, exitCode: number | null, exitSignal: string | null}>, events: Array<{at: number, type: string, data: {from?: string, to?: string, reason?: string, cause?: string}}>}} TaskHistory
 */

(function () {
	const tokenKey = 'tm-token';

	/** @param {string} id @returns {HTMLElement} */
	function $(id) {
		const element = document.getElementById(id);
		if (!element) throw new Error(`the page has no #${id}`);
		return element;
	}

	/** @param {string} text @param {boolean} [bad] */
	function notice(text, bad = false) {
		const p = $('notice');
		p.textContent = text;
		p.className = bad ? 'bad' : '';
	}

	/** @param {boolean} again */
	function token(again) {
		let value = again ? null : sessionStorage.getItem(tokenKey);
		if (value === null) {
			value = (window.prompt('The token for changes (tm web token prints it):') ?? '').trim();
			if (value !== '') sessionStorage.setItem(tokenKey, value);
		}

		return value;
	}

	/**
	 * A call to the API; a change carries the token, asked for again once when refused.
	 * @param {string} method @param {string} path @param {unknown} [body] @returns {Promise<any>}
	 */
	async function api(method, path, body) {
		for (let attempt = 0; ; attempt++) {
			/** @type {Record<string, string>} */
			const headers = {'Content-Type': 'application/json'};
			if (method !== 'GET') headers['Authorization'] = `Bearer ${token(attempt > 0)}`;
			const response = await fetch(`/api/v1${path}`, {method, headers, ...(body === undefined ? {} : {body: JSON.stringify(body)})});
			const doc = await response.json();
			if (response.status === 401 && method !== 'GET' && attempt === 0) {
				sessionStorage.removeItem(tokenKey);
				continue;
			}

			if (!response.ok) throw new Error(`${doc.error?.code ?? response.status}: ${doc.error?.message ?? ''}`);
			return doc;
		}
	}

	/** The task the page shows, or null. */
	function selected() {
		const match = /^\/logs\/(.+)$/.exec(location.pathname);
		return match ? decodeURIComponent(match[1] ?? '') : null;
	}

	/** @param {string} path */
	function go(path) {
		history.pushState(null, '', path);
		window.dispatchEvent(new PopStateEvent('popstate'));
	}

	/** @param {string} action */
	async function act(action) {
		const name = selected();
		if (name === null || !window.confirm(`${action} ${name}?`)) return;
		notice(`${action} ${name}…`);
		try {
			const doc = await api('POST', `/tasks/${encodeURIComponent(name)}/${action}`, {});
			notice(`${action} ${name}: ${doc.results.map((/** @type {{name: string, state: string}} */ r) => `${r.name} ${r.state}`).join(', ')}`);
			void showDetail();
		} catch (error) {
			notice(`${action} ${name}: ${/** @type {Error} */ (error).message}`, true);
		}
	}

	/** @param {string} id */
	const value = id => /** @type {HTMLInputElement} */ ($(id)).value.trim();

	async function submitJob() {
		/** @type {Record<string, unknown>} */
		const body = {command: value('job-command'), priority: Number(value('job-priority') || 0)};
		if (value('job-name') !== '') body['name'] = value('job-name');
		if (value('job-label') !== '') body['label'] = value('job-label');
		if (value('job-runtime') !== '') body['maxRuntimeMs'] = Number(value('job-runtime')) * 1000;
		if (value('job-memory') !== '') body['maxMemory'] = Number(value('job-memory')) * 1048576;
		try {
			const doc = await api('POST', '/jobs', body);
			notice(`submitted ${doc.name}`);
			go(`/logs/${encodeURIComponent(doc.id)}`);
		} catch (error) {
			notice(`the job was not submitted: ${/** @type {Error} */ (error).message}`, true);
		}
	}

	async function showQueue() {
		try {
			/** @type {QueueDoc} */
			const doc = await api('GET', '/queue');
			const items = doc.tasks.map(task => {
				const li = document.createElement('li');
				li.textContent = `${task.name} (priority ${task.priority}): ${task.reason}`;
				return li;
			});
			$('queue').replaceChildren(...items);
			$('queue-empty').hidden = items.length > 0;
		} catch {
			// The view may be reconnecting; the next turn tries again.
		}
	}

	async function showDetail() {
		const name = selected();
		$('actions').hidden = name === null;
		$('detail').hidden = name === null;
		if (name === null) return;
		try {
			/** @type {TaskDetail} */
			const task = await api('GET', `/tasks/${encodeURIComponent(name)}`);
			const limits = task.limits;
			$('spec').textContent = [
				...(task.label === undefined ? [] : [`label: ${task.label}`]),
				`cmd: ${task.cmd}`,
				`cwd: ${task.cwd}`,
				`kind: ${task.kind}, priority ${task.priority}, autorestart ${task.autorestart}, stopsignal ${task.stopsignal}`,
				`limits: max_runtime ${limits.maxRuntimeMs ?? '-'} ms, max_memory ${limits.maxMemory ?? '-'} B, watchdog ${limits.watchdogMs ?? '-'} ms`,
				`state: ${task.state} (${task.cause}: ${task.reason})`,
				`logs: ${task.logs.stdout}, ${task.logs.stderr}`,
			].join('\n');
			/** @type {TaskHistory} */
			const past = await api('GET', `/tasks/${encodeURIComponent(name)}/history?limit=15`);
			$('history').replaceChildren(
				...past.events.map(event => {
					const li = document.createElement('li');
					li.textContent = `${new Date(event.at).toLocaleTimeString()} ${event.data.from ?? ''} → ${event.data.to ?? event.type} ${event.data.cause ?? ''} ${event.data.reason ?? ''}`;
					return li;
				}),
			);
		} catch (error) {
			$('spec').textContent = /** @type {Error} */ (error).message;
		}
	}

	/** `tm top`'s keys: j/k move, Enter opens, s/x/r act, f follows, n a new job, Esc closes. */
	function key(/** @type {KeyboardEvent} */ event) {
		if (event.target instanceof HTMLInputElement || event.ctrlKey || event.metaKey || event.altKey) return;
		const rows = [...document.querySelectorAll('#tasks tbody tr')].map(tr => /** @type {HTMLElement} */ (tr).dataset['id'] ?? '');
		const at = rows.indexOf(selected() ?? '');
		const move = (/** @type {number} */ by) => {
			const next = rows[Math.max(0, Math.min(rows.length - 1, at + by))];
			if (next !== undefined) go(`/logs/${encodeURIComponent(next)}`);
		};
		/** @type {Record<string, () => void>} */
		const keys = {
			j: () => move(1),
			ArrowDown: () => move(1),
			k: () => move(-1),
			ArrowUp: () => move(-1),
			s: () => void act('start'),
			x: () => void act('stop'),
			r: () => void act('restart'),
			f: () => $('follow').click(),
			n: () => $('job-command').focus(),
			Escape: () => go('/'),
		};
		const run = keys[event.key];
		if (run) {
			event.preventDefault();
			run();
		}
	}

	$('actions').addEventListener('click', event => {
		const action = event.target instanceof HTMLElement ? event.target.dataset['action'] : undefined;
		if (action) void act(action);
	});
	$('job').addEventListener('submit', event => {
		event.preventDefault();
		void submitJob();
	});
	document.addEventListener('keydown', key);
	// app.js routes on clicks and popstate; the detail follows the address.
	new MutationObserver(() => void showDetail()).observe($('log-title'), {childList: true, characterData: true, subtree: true});
	window.addEventListener('popstate', () => void showDetail());
	setInterval(() => void showQueue(), 2000);
	void showQueue();
	void showDetail();
})();
