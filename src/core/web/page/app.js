// @ts-check
/**
 * The web page's script: a reducer over `/events?snapshot=1&tasks=1`. The snapshot sets the rows,
 * each event puts its task's whole document in place, each `tasks` update puts the documents
 * that changed without an event; nothing is fetched per event and no reason text is parsed.
 * Clicking a task follows its log (`/api/logs/NAME/stream`); `/logs` shows the daemon log. Every
 * text goes into the page with textContent, never as HTML. Plain browser JavaScript, checked
 * by `tsc -p src/core/web/page` against the wire types.
 */
'use strict';

/**
 * @typedef {import('../../ipc/methods.js').TaskStatus} Task
 * @typedef {import('../../ipc/methods.js').EventDoc} TaskEvent
 * @typedef {import('../../ipc/methods.js').TasksUpdate} TasksUpdate
 * @typedef {import('../../ipc/methods.js').StatusDoc & {lastSeq: number, now: string}} Snapshot
 * @typedef {import('../../ipc/methods.js').LogLineDoc} LogLine
 * @typedef {{[key: string]: unknown, time?: string, seq?: number, task?: string, from?: string, to?: string, reason?: string, pid?: number | null, message?: string}} DaemonEntry
 * @typedef {{file: string | null, lastSeq: number, lines: DaemonEntry[]}} DaemonLog
 */

(function () {
	const maxLines = 2000;
	const columns = ['name', 'state', 'pid', 'uptime', 'cpu', 'mem', 'restarts', 'heartbeat', 'progress', 'reason'];

	/** @param {string} id @returns {HTMLElement} */
	function $(id) {
		const element = document.getElementById(id);
		if (!element) {
			throw new Error(`the page has no #${id}`);
		}

		return element;
	}

	const tbody = /** @type {HTMLTableSectionElement} */ (document.querySelector('#tasks tbody'));
	const logLines = $('log-lines');
	const follow = /** @type {HTMLInputElement} */ ($('follow'));

	/** The documents, by task id: the whole model of the table. @type {Map<string, Task>} */
	const rows = new Map();
	/** Row order: first seen first. @type {string[]} */
	let order = [];
	/** @type {Map<string, HTMLTableRowElement>} */
	const trs = new Map();
	/** The daemon's clock minus this browser's, so ages are the daemon's. */
	let offset = 0;
	/** The task whose log is shown, '' for the daemon log, null for none. @type {string | null} */
	let selected = null;
	/** @type {EventSource | null} */
	let logSource = null;
	/** Events that arrive while the daemon log loads, shown after it when newer. @type {DaemonEntry[] | null} */
	let daemonBuffer = null;
	/** Bumped on every change of the log pane: an answer for an older one is dropped. */
	let logGeneration = 0;
	let snapshots = 0;

	/** @param {number} ms */
	function duration(ms) {
		const s = Math.max(0, Math.floor(ms / 1000));
		const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
		if (s < 60) return `${s}s`;
		if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
		if (s < 86400) return `${Math.floor(s / 3600)}h${pad(Math.floor(s / 60) % 60)}m`;
		return `${Math.floor(s / 86400)}d${pad(Math.floor(s / 3600) % 24)}h`;
	}

	const now = () => Date.now() + offset;

	/** @param {HTMLTableRowElement} tr @param {string} name @returns {HTMLElement} */
	function cell(tr, name) {
		const td = tr.querySelector(`.${name}`);
		if (!(td instanceof HTMLElement)) {
			throw new Error(`the row has no .${name}`);
		}

		return td;
	}

	/** @param {string} id */
	function makeRow(id) {
		const tr = document.createElement('tr');
		tr.dataset.id = id;
		for (const name of columns) {
			const td = document.createElement('td');
			td.className = name;
			tr.append(td);
		}

		const link = document.createElement('a');
		link.href = `/logs/${encodeURIComponent(id)}`;
		link.textContent = id;
		// A job's label: free text (any printable characters), put in as text like everything else.
		const label = document.createElement('span');
		label.className = 'label';
		cell(tr, 'name').append(link, label);
		tr.addEventListener('click', event => {
			event.preventDefault();
			navigate(`/logs/${encodeURIComponent(id)}`);
		});
		return tr;
	}

	/** @param {HTMLTableRowElement} tr @param {Task} task */
	function fill(tr, task) {
		const state = cell(tr, 'state');
		state.textContent = task.state;
		state.className = `state s-${task.state}`;
		const label = cell(tr, 'name').querySelector('.label');
		if (label) label.textContent = task.label ?? '';
		cell(tr, 'pid').textContent = task.pid === null ? '' : String(task.pid);
		cell(tr, 'restarts').textContent = String(task.restarts);
		cell(tr, 'cpu').textContent = task.cpu === null ? '' : `${task.cpu.toFixed(1)}%`;
		cell(tr, 'mem').textContent = task.memory === null ? '' : `${(task.memory / 1048576).toFixed(1)} MiB`;
		// A delayed job says when it may start, in the reader's local time.
		const reason = task.eligibleAt ? `delayed until ${new Date(task.eligibleAt).toLocaleString()}` : task.reason;
		cell(tr, 'reason').textContent = task.status ? `${reason} — ${task.status}` : reason;
		const progress = cell(tr, 'progress');
		progress.textContent = '';
		if (task.progress !== null) {
			const bar = document.createElement('progress');
			bar.max = 100;
			bar.value = task.progress;
			progress.append(bar, ` ${task.progress}%${task.progressText ? ` ${task.progressText}` : ''}`);
		}

		tick(tr, task);
	}

	/** The cells that age with time. @param {HTMLTableRowElement} tr @param {Task} task */
	function tick(tr, task) {
		cell(tr, 'uptime').textContent = task.startedAt && task.endedAt === null ? duration(now() - Date.parse(task.startedAt)) : '';
		cell(tr, 'heartbeat').textContent = task.heartbeatAt ? `${duration(now() - Date.parse(task.heartbeatAt))} ago` : '';
	}

	function render() {
		order = order.filter(id => rows.has(id));
		for (const id of rows.keys()) {
			if (!order.includes(id)) order.push(id);
		}

		for (const [id, tr] of trs) {
			if (!rows.has(id)) {
				tr.remove();
				trs.delete(id);
			}
		}

		for (const id of order) {
			const task = rows.get(id);
			if (!task) continue;
			let tr = trs.get(id);
			if (!tr) {
				tr = makeRow(id);
				trs.set(id, tr);
			}

			fill(tr, task);
			tr.classList.toggle('selected', id === selected);
			tbody.append(tr);
		}

		$('empty').hidden = rows.size > 0;
		/** @type {Record<string, number>} */
		const counts = {};
		for (const task of rows.values()) counts[task.state] = (counts[task.state] ?? 0) + 1;
		$('summary').textContent = Object.keys(counts)
			.sort()
			.map(state => `${counts[state]} ${state}`)
			.join(', ');
	}

	/** @param {boolean} up @param {string} text */
	function setConn(up, text) {
		const conn = $('conn');
		conn.textContent = text;
		conn.className = `conn ${up ? 'up' : 'down'}`;
	}

	/** @template T @param {Event} event @returns {T} */
	const dataOf = event => JSON.parse(/** @type {MessageEvent<string>} */ (event).data);

	function connect() {
		const source = new EventSource('/events?snapshot=1&tasks=1');
		source.addEventListener('snapshot', event => {
			/** @type {Snapshot} */
			const doc = dataOf(event);
			offset = Date.parse(doc.now) - Date.now();
			rows.clear();
			order = [];
			for (const task of doc.tasks) rows.set(task.id, task);
			render();
			setConn(true, 'live');
			// After a reconnect the daemon log may have missed lines: read it again.
			if (snapshots++ > 0 && selected === '') openDaemonLog();
		});
		source.addEventListener('tasks', event => {
			/** @type {TasksUpdate} */
			const update = dataOf(event);
			offset = Date.parse(update.at) - Date.now();
			for (const task of update.tasks) rows.set(task.id, task);
			for (const id of update.removed) rows.delete(id);
			render();
		});
		source.addEventListener('message', event => {
			/** @type {TaskEvent} */
			const ev = dataOf(event);
			rows.set(ev.taskId, ev.task);
			render();
			daemonEvent(ev);
		});
		source.addEventListener('open', () => setConn(true, 'live'));
		source.addEventListener('error', () => setConn(false, 'reconnecting…'));
	}

	/** @param {string | undefined} at @param {string} text @param {boolean} stderr */
	function addLine(at, text, stderr) {
		const atBottom = logLines.scrollHeight - logLines.scrollTop - logLines.clientHeight < 30;
		const div = document.createElement('div');
		div.className = `line${stderr ? ' stderr' : ''}`;
		const time = document.createElement('span');
		time.className = 'at';
		time.textContent = at ? at.slice(11, 23) : '';
		div.append(time, document.createTextNode(text));
		logLines.append(div);
		while (logLines.childNodes.length > maxLines) logLines.firstChild?.remove();
		if (follow.checked && atBottom) logLines.scrollTop = logLines.scrollHeight;
	}

	/** One daemon log entry in words. @param {DaemonEntry} entry */
	function daemonText(entry) {
		if (entry.task !== undefined) {
			return `${entry.task} ${entry.from} → ${entry.to} (${entry.reason}${entry.pid ? `, pid ${entry.pid}` : ''})`;
		}

		/** @type {Record<string, unknown>} */
		const data = {};
		for (const key of Object.keys(entry)) {
			if (key !== 'time' && key !== 'type' && key !== 'message') data[key] = entry[key];
		}

		return (entry.message ?? '') + (Object.keys(data).length > 0 ? ` ${JSON.stringify(data)}` : '');
	}

	/** @param {DaemonEntry} entry */
	const addDaemonLine = entry => addLine(entry.time, daemonText(entry), entry.to === 'fatal' || entry.to === 'failed');

	/** @param {TaskEvent} ev */
	function daemonEvent(ev) {
		if (selected !== '') return;
		const entry = {time: ev.at, seq: ev.seq, task: ev.taskId, from: ev.from, to: ev.to, reason: ev.reason, pid: ev.pid};
		if (daemonBuffer) {
			daemonBuffer.push(entry);
		} else {
			addDaemonLine(entry);
		}
	}

	function closeLog() {
		logGeneration++;
		logSource?.close();
		logSource = null;
		daemonBuffer = null;
		logLines.textContent = '';
	}

	function openDaemonLog() {
		closeLog();
		$('log-title').textContent = 'daemon log';
		daemonBuffer = [];
		const generation = logGeneration;
		fetch('/api/daemon-log?lines=500', {credentials: 'same-origin'})
			.then(response => /** @type {Promise<DaemonLog>} */ (response.json()))
			.then(doc => {
				if (generation !== logGeneration) return;
				const buffered = daemonBuffer ?? [];
				daemonBuffer = null;
				for (const entry of doc.lines) addDaemonLine(entry);
				// What came while the log loaded, less what it already had.
				for (const entry of buffered) {
					if ((entry.seq ?? 0) > doc.lastSeq) addDaemonLine(entry);
				}
			})
			.catch(() => {
				if (generation === logGeneration) addLine(undefined, 'the daemon log could not be read', true);
			});
	}

	/** @param {string} id */
	function openTaskLog(id) {
		closeLog();
		$('log-title').textContent = id;
		const source = new EventSource(`/api/logs/${encodeURIComponent(id)}/stream?lines=500`);
		source.addEventListener('reset', () => {
			logLines.textContent = '';
		});
		source.addEventListener('message', event => {
			/** @type {LogLine} */
			const line = dataOf(event);
			addLine(line.at, line.text, line.stream === 'stderr');
		});
		logSource = source;
	}

	function route() {
		const path = location.pathname;
		const task = /^\/logs\/(.+)$/.exec(path);
		if (task) {
			selected = decodeURIComponent(task[1] ?? '');
			openTaskLog(selected);
		} else if (/^\/logs\/?$/.test(path)) {
			selected = '';
			openDaemonLog();
		} else {
			selected = null;
			closeLog();
		}

		$('log').hidden = selected === null;
		render();
	}

	/** @param {string} path */
	function navigate(path) {
		if (path !== location.pathname) history.pushState(null, '', path);
		route();
	}

	document.addEventListener('click', event => {
		const link = event.target instanceof Element ? event.target.closest('a[data-nav]') : null;
		if (link instanceof HTMLElement) {
			event.preventDefault();
			navigate(link.dataset.nav || '/');
		}
	});
	window.addEventListener('popstate', route);
	setInterval(() => {
		for (const [id, tr] of trs) {
			const task = rows.get(id);
			if (task) tick(tr, task);
		}
	}, 1000);
	connect();
	route();
})();
