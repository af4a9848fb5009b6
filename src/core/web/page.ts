/**
 * The web page: one HTML file, one stylesheet, one script, all served from memory (no build
 * step, nothing from elsewhere). The task table is kept live by `/events?snapshot=1&tasks=1`;
 * clicking a task follows its log through `/api/logs/NAME/stream`; `/logs` shows the daemon log
 * (Taskmaster's "see the logs in the browser"). The script is plain ES2017 for any browser and
 * puts every text in the page with textContent, never as HTML.
 */

export const pageHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tm</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css">
</head>
<body>
<header>
<h1><a href="/" data-nav="">tm</a></h1>
<span id="summary"></span>
<nav><a href="/logs" data-nav="/logs">daemon log</a> <a href="/metrics">metrics</a></nav>
<span id="conn" class="conn down">connecting…</span>
</header>
<main>
<table id="tasks">
<thead><tr><th>name</th><th>state</th><th>pid</th><th>uptime</th><th>restarts</th><th>heartbeat</th><th>progress</th><th>reason</th></tr></thead>
<tbody></tbody>
</table>
<p id="empty" hidden>No tasks.</p>
<section id="log" hidden>
<div class="log-head"><h2 id="log-title"></h2><label><input type="checkbox" id="follow" checked> follow</label><a href="/" data-nav="">close</a></div>
<pre id="log-lines"></pre>
</section>
</main>
<script src="/app.js"></script>
</body>
</html>
`;

export const appCss = `:root { color-scheme: light dark; --muted: #888; --bad: #d33; --good: #2a2; --warn: #c80; --info: #38c; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; }
header { display: flex; gap: 1.2em; align-items: baseline; padding: .5em 1em; border-bottom: 1px solid var(--muted); flex-wrap: wrap; }
header h1 { margin: 0; font-size: 1.3em; }
header a { color: inherit; }
#summary { color: var(--muted); }
.conn { margin-left: auto; font-size: .85em; }
.conn.up { color: var(--good); }
.conn.down { color: var(--bad); }
main { padding: .5em 1em; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: .2em .6em; border-bottom: 1px solid rgba(128,128,128,.25); white-space: nowrap; }
td.reason { white-space: normal; color: var(--muted); }
tbody tr { cursor: pointer; }
tbody tr:hover, tbody tr.selected { background: rgba(128,128,128,.15); }
.state { font-weight: 600; }
.s-running { color: var(--good); }
.s-starting, .s-stopping, .s-queued { color: var(--info); }
.s-backoff, .s-paused { color: var(--warn); }
.s-fatal, .s-failed { color: var(--bad); }
.s-stopped, .s-completed { color: var(--muted); }
progress { width: 6em; vertical-align: middle; }
#log { margin-top: 1em; }
.log-head { display: flex; gap: 1.2em; align-items: baseline; }
.log-head h2 { margin: 0; font-size: 1.1em; }
#log-lines { margin: .4em 0; padding: .5em; max-height: 60vh; overflow: auto; border: 1px solid rgba(128,128,128,.4); font: 12px/1.35 ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; }
.line.stderr { color: var(--bad); }
.line .at { color: var(--muted); margin-right: .8em; }
`;

export const appJs = `'use strict';
(function () {
  var MAX_LINES = 2000;
  var tbody = document.querySelector('#tasks tbody');
  var rows = new Map();
  var order = [];
  var trs = new Map();
  var offset = 0;
  var selected = null;
  var logSource = null;
  var daemonBuffer = null;
  var daemonLastSeq = 0;
  var logGeneration = 0;
  var snapshots = 0;
  var $ = function (id) { return document.getElementById(id); };

  function duration(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's';
    if (s < 86400) return Math.floor(s / 3600) + 'h' + String(Math.floor(s / 60) % 60).padStart(2, '0') + 'm';
    return Math.floor(s / 86400) + 'd' + String(Math.floor(s / 3600) % 24).padStart(2, '0') + 'h';
  }
  function now() { return Date.now() + offset; }
  function cell(tr, name) { return tr.querySelector('.' + name); }

  function makeRow(id) {
    var tr = document.createElement('tr');
    tr.dataset.id = id;
    ['name', 'state', 'pid', 'uptime', 'restarts', 'heartbeat', 'progress', 'reason'].forEach(function (name) {
      var td = document.createElement('td');
      td.className = name;
      tr.appendChild(td);
    });
    var link = document.createElement('a');
    link.href = '/logs/' + encodeURIComponent(id);
    link.textContent = id;
    cell(tr, 'name').appendChild(link);
    tr.addEventListener('click', function (event) {
      event.preventDefault();
      navigate('/logs/' + encodeURIComponent(id));
    });
    return tr;
  }

  function fill(tr, t) {
    var state = cell(tr, 'state');
    state.textContent = t.state;
    state.className = 'state s-' + t.state;
    cell(tr, 'pid').textContent = t.pid === null ? '' : String(t.pid);
    cell(tr, 'restarts').textContent = String(t.restarts);
    cell(tr, 'reason').textContent = t.status ? t.reason + ' — ' + t.status : t.reason;
    var progress = cell(tr, 'progress');
    progress.textContent = '';
    if (t.progress !== null && t.progress !== undefined) {
      var bar = document.createElement('progress');
      bar.max = 100;
      bar.value = t.progress;
      progress.appendChild(bar);
      progress.appendChild(document.createTextNode(' ' + t.progress + '%' + (t.progressText ? ' ' + t.progressText : '')));
    }
    tick(tr, t);
  }

  function tick(tr, t) {
    cell(tr, 'uptime').textContent = t.startedAt ? duration(now() - Date.parse(t.startedAt)) : '';
    cell(tr, 'heartbeat').textContent = t.heartbeatAt ? duration(now() - Date.parse(t.heartbeatAt)) + ' ago' : '';
  }

  function render() {
    order = order.filter(function (id) { return rows.has(id); });
    rows.forEach(function (_t, id) { if (order.indexOf(id) < 0) order.push(id); });
    trs.forEach(function (tr, id) { if (!rows.has(id)) { tr.remove(); trs.delete(id); } });
    order.forEach(function (id) {
      var tr = trs.get(id);
      if (!tr) { tr = makeRow(id); trs.set(id, tr); }
      fill(tr, rows.get(id));
      tr.classList.toggle('selected', id === selected);
      tbody.appendChild(tr);
    });
    $('empty').hidden = rows.size > 0;
    var counts = {};
    rows.forEach(function (t) { counts[t.state] = (counts[t.state] || 0) + 1; });
    $('summary').textContent = Object.keys(counts).sort().map(function (k) { return counts[k] + ' ' + k; }).join(', ');
  }

  function setConn(up, text) {
    var conn = $('conn');
    conn.textContent = text;
    conn.className = 'conn ' + (up ? 'up' : 'down');
  }

  function connect() {
    var source = new EventSource('/events?snapshot=1&tasks=1');
    source.addEventListener('snapshot', function (e) {
      var doc = JSON.parse(e.data);
      offset = Date.parse(doc.now) - Date.now();
      rows.clear();
      order = [];
      doc.tasks.forEach(function (t) { rows.set(t.id, t); });
      render();
      setConn(true, 'live');
      // After a reconnect the daemon log may have missed lines: read it again.
      if (snapshots++ > 0 && selected === '') openDaemonLog();
    });
    source.addEventListener('tasks', function (e) {
      var doc = JSON.parse(e.data);
      offset = Date.parse(doc.now) - Date.now();
      doc.tasks.forEach(function (t) { rows.set(t.id, t); });
      doc.removed.forEach(function (id) { rows.delete(id); });
      render();
    });
    source.onmessage = function (e) {
      var ev = JSON.parse(e.data);
      var t = rows.get(ev.taskId);
      if (t) {
        t.state = ev.to;
        t.reason = ev.reason;
        t.pid = ev.pid;
        t.restarts = ev.restarts;
        t.attempt = ev.attempt;
        if (ev.to !== 'running' && ev.to !== 'paused') t.startedAt = null;
        else if (!t.startedAt) t.startedAt = ev.at;
        render();
      }
      daemonEvent(ev);
    };
    source.onopen = function () { setConn(true, 'live'); };
    source.onerror = function () { setConn(false, 'reconnecting…'); };
  }

  function addLine(at, text, stderr) {
    var pre = $('log-lines');
    var atBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 30;
    var div = document.createElement('div');
    div.className = 'line' + (stderr ? ' stderr' : '');
    var time = document.createElement('span');
    time.className = 'at';
    time.textContent = at ? at.slice(11, 23) : '';
    div.appendChild(time);
    div.appendChild(document.createTextNode(text));
    pre.appendChild(div);
    while (pre.childNodes.length > MAX_LINES) pre.removeChild(pre.firstChild);
    if ($('follow').checked && atBottom) pre.scrollTop = pre.scrollHeight;
  }

  function daemonText(entry) {
    if (entry.task !== undefined) {
      return entry.task + ' ' + entry.from + ' → ' + entry.to + ' (' + entry.reason + (entry.pid ? ', pid ' + entry.pid : '') + ')';
    }
    var rest = Object.keys(entry).filter(function (k) { return k !== 'time' && k !== 'type' && k !== 'message'; });
    var data = {};
    rest.forEach(function (k) { data[k] = entry[k]; });
    return (entry.message || '') + (rest.length ? ' ' + JSON.stringify(data) : '');
  }

  function daemonEvent(ev) {
    if (selected !== '') return;
    var entry = {time: ev.at, seq: ev.seq, task: ev.taskId, from: ev.from, to: ev.to, reason: ev.reason, pid: ev.pid};
    if (daemonBuffer) { daemonBuffer.push(entry); return; }
    if (ev.seq > daemonLastSeq) addLine(entry.time, daemonText(entry), entry.to === 'fatal' || entry.to === 'failed');
  }

  function closeLog() {
    logGeneration++;
    if (logSource) { logSource.close(); logSource = null; }
    daemonBuffer = null;
    $('log-lines').textContent = '';
  }

  function openDaemonLog() {
    closeLog();
    $('log-title').textContent = 'daemon log';
    daemonBuffer = [];
    var generation = logGeneration;
    fetch('/api/daemon-log?lines=500', {credentials: 'same-origin'}).then(function (r) { return r.json(); }).then(function (doc) {
      if (generation !== logGeneration) return;
      var buffered = daemonBuffer || [];
      daemonBuffer = null;
      daemonLastSeq = doc.lastSeq;
      doc.lines.forEach(function (entry) { addLine(entry.time, daemonText(entry), entry.to === 'fatal' || entry.to === 'failed'); });
      buffered.forEach(function (entry) {
        if (entry.seq > daemonLastSeq) addLine(entry.time, daemonText(entry), entry.to === 'fatal' || entry.to === 'failed');
      });
      daemonLastSeq = 0;
    });
  }

  function openTaskLog(id) {
    closeLog();
    $('log-title').textContent = id;
    logSource = new EventSource('/api/logs/' + encodeURIComponent(id) + '/stream?lines=500');
    logSource.addEventListener('reset', function () { $('log-lines').textContent = ''; });
    logSource.onmessage = function (e) {
      var line = JSON.parse(e.data);
      addLine(line.at, line.text, line.stream === 'stderr');
    };
  }

  function route() {
    var path = location.pathname;
    var match = /^\\/logs\\/(.+)$/.exec(path);
    if (match) {
      selected = decodeURIComponent(match[1]);
      openTaskLog(selected);
    } else if (/^\\/logs\\/?$/.test(path)) {
      selected = '';
      openDaemonLog();
    } else {
      selected = null;
      closeLog();
    }
    $('log').hidden = selected === null;
    render();
  }

  function navigate(path) {
    if (path !== location.pathname) history.pushState(null, '', path);
    route();
  }

  document.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('a[data-nav]');
    if (link) {
      event.preventDefault();
      navigate(link.dataset.nav || '/');
    }
  });
  window.addEventListener('popstate', route);
  setInterval(function () { trs.forEach(function (tr, id) { var t = rows.get(id); if (t) tick(tr, t); }); }, 1000);
  connect();
  route();
})();
`;
