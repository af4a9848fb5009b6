/**
 * Micro benchmark of one dashboard frame: the Dashboard with 1,000 tasks and a streaming log
 * pane, rendered by Ink into a fake terminal at 80x24 and 200x60, 200 frames each. Reports
 * Ink's frame build time (layout excluded) and the bytes of a frame. No daemon, no terminal:
 * a regression check for the render path; `bench/top.ts` measures the real thing.
 * Run with `npx tsx bench/top-frame.ts`.
 */
// First: it loads React's production build, as `tm top` runs it.
const {renderDashboard} = await import('../test/helpers/dashboard-render.js');
const {LiveData} = await import('../src/tui/live.js');
const {LogFeed} = await import('../src/tui/log-feed.js');

const now = Date.now();
const tasks = Array.from({length: 1000}, (_, i) => ({
	id: `worker:${i}`,
	name: `worker:${i}`,
	program: 'worker',
	kind: 'service' as const,
	state: i % 50 === 7 ? ('backoff' as const) : ('running' as const),
	reason: 'started',
	pid: 2000 + i,
	startedAt: new Date(now - 65_000).toISOString(),
	restarts: i % 5,
	attempt: 1,
	exitCode: null,
	cpu: (i % 17) / 3,
	memory: 1_000_000 * (i % 90),
	cpuSeconds: null,
	heartbeatAt: new Date(now - 3000).toISOString(),
	progress: i % 3 === 0 ? i % 100 : null,
	progressText: null,
	status: null,
	priority: i % 4,
	backoffUntil: i % 50 === 7 ? new Date(now + 9000).toISOString() : null,
	eligibleAt: null,
	nextRunAt: null,
	watchdogMs: i % 2 === 0 ? 30_000 : null,
	heartbeatIntervalMs: 10_000,
	want: 'up' as const,
	cause: 'none' as const,
	failures: 0,
	maxRetries: 3,
	lastExit: null,
	checkpointBytes: 0,
	createdAt: new Date(now - 60_000).toISOString(),
	endedAt: null,
	cmd: 'worker --serve',
	cwd: '/srv',
	limits: {maxRuntimeMs: null, maxMemory: null, watchdogMs: null, stuck: null},
	requires: {memory: 0, cpu: 0},
}));

const frames = 200;
for (const [cols, rows] of [
	[80, 24],
	[200, 60],
] as const) {
	const data = new LiveData(0);
	data.applySnapshot({daemon: {pid: 1, startedAt: new Date(now).toISOString(), version: 'bench', home: '/', config: null, disk: {ok: true, reason: null, since: null, files: [], unsaved: 0}, capacity: {slots: null, memory: null, cpu: null, claimed: {slots: 0, memory: 0, cpu: 0}}}, tasks});
	data.connection = {status: 'connected', error: null, attempts: 0};
	const logs = new LogFeed(0);
	logs.reset('worker:0');
	logs.setStatus('following');
	const times: number[] = [];
	const {stdout, redraw, unmount} = renderDashboard(data, logs, cols, rows, ms => times.push(ms));
	const start = stdout.bytes;
	let seq = 0;
	for (let frame = 0; frame < frames; frame++) {
		for (let line = 0; line < 50; line++) {
			seq++;
			logs.push({seq, at: '', stream: line % 7 ? 'stdout' : 'stderr', text: `spew line ${seq} lorem ipsum dolor sit amet, consectetur adipiscing elit`}, false);
		}

		data.now = now + frame * 100;
		redraw();
		await new Promise(resolve => setTimeout(resolve, 1));
	}

	unmount();
	data.dispose();
	logs.dispose();
	times.sort((a, b) => a - b);
	const at = (q: number): string => (times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0).toFixed(1);
	process.stdout.write(`${cols}x${rows}: frame build p50 ${at(0.5)} ms, p95 ${at(0.95)} ms; ${((stdout.bytes - start) / frames).toFixed(0)} bytes a frame\n`);
}
