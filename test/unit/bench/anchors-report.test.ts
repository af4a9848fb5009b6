import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {
	cell,
	evaluateTargets,
	parseMeta,
	parseResults,
	parseStats,
	pick,
	renderReport,
	workloadTable,
	type TargetResult,
} from '../../../bench/anchors-report.js';

const T = '2026-11-23T10:00:00Z';
const row = (workload: string, tool: string, metric: string, unit: string, stats: string): string =>
	[T, workload, tool, metric, unit, stats].join('\t');
const s = (median: number, min: number, max: number, n = 5): string =>
	`n=${n} median=${median.toFixed(2)} min=${min.toFixed(2)} max=${max.toFixed(2)} mean=${median.toFixed(2)} p10=${min.toFixed(2)} p90=${max.toFixed(2)}`;

/** A run in run_all.sh's order (per workload: tm, pm2, supervisord), numbers near the anchors'. */
const sample = [
	row('w1', 'tm', 'daemon_rss_0prog', 'MiB', s(40, 39.5, 40.2)),
	row('w1', 'tm', 'daemon_rss_100prog', 'MiB', s(50, 49, 51)),
	row('w1', 'tm', 'daemon_cpu_idle_100prog_30s', '%core', '0.033 (0.01 s cpu in 30.0 s)'),
	row('w1', 'pm2', 'daemon_rss_100prog', 'MiB', s(68, 67.5, 68.9)),
	row('w1', 'supervisord', 'daemon_rss_100prog', 'MiB', s(28.2, 28.2, 28.2)),
	'',
	row('w2', 'tm', 'status_100prog', 'ms', 'n=20 median=100.0 min=90.0 max=130.0 mean=101.0 sd=9.0 p90=120.0'),
	row('w2', 'tm', 'baseline_node_e0', 'ms', 'n=20 median=70.0 min=60.0 max=90.0 mean=71.0 sd=5.0 p90=80.0'),
	row('w2', 'pm2', 'status_100prog', 'ms', 'n=20 median=229.0 min=202.0 max=328.0 mean=240.0 sd=30.0 p90=257.0'),
	row('w2', 'pm2', 'baseline_node_e0', 'ms', 'n=20 median=80.0 min=60.0 max=90.0 mean=71.0 sd=5.0 p90=80.0'),
	row('w2', 'supervisord', 'status_100prog', 'ms', 'n=20 median=240.0 min=205.0 max=317.0 mean=250.0 sd=30.0 p90=299.0'),
	row('w3', 'tm', 'crash_restart_latency', 'ms', s(4, 3, 9, 20)),
	row('w3', 'baseline-bash-loop', 'crash_restart_latency', 'ms', s(2, 1.5, 2.5, 20)),
	row('w3', 'pm2', 'crash_restart_latency', 'ms', s(11.4, 4.8, 21.7, 20)),
	row('w3', 'baseline-bash-loop', 'crash_restart_latency', 'ms', s(1, 0.9, 1.2, 20)),
	row('w4', 'tm', 'start_100_cold_reported_online', 'ms', s(900, 850, 1000)),
	row('w4', 'tm', 'start_100_warm_reported_online', 'ms', s(1200, 1100, 1300)),
	row('w4', 'supervisord', 'start_100_cold_reported_online', 'ms', s(2506, 2015, 2979)),
	row('w4', 'supervisord', 'start_100_warm_reported_online', 'ms', s(2195, 1930, 2703)),
	row('w5', 'tm', 'log_200MB_until_complete', 'ms', s(600, 550, 700, 3)),
	row('w5', 'tm', 'log_daemon_cpu', 's', s(0.5, 0.4, 0.6, 3)),
	row('w5', 'tm', 'log_daemon_peak_rss', 'MiB', `${s(70, 69, 71, 3)}  (idle before: 40.0)`),
	row('w5', 'tm', 'log_integrity', '-', 'reps_with_loss_or_damage=0 of 3 last: lines=2000000 bad_or_out_of_order=0 missing=0 extra_bytes=0'),
	row('w5', 'baseline-file', 'log_200MB_until_complete', 'ms', s(496, 450, 520, 3)),
	row('w5', 'supervisord', 'log_200MB_until_complete', 'ms', s(639, 483, 643, 3)),
	row('w5', 'supervisord', 'log_daemon_cpu', 's', s(0.35, 0.25, 0.38, 3)),
	row('w6', 'tm', 'stop_all_100_cmd', 'ms', s(300, 280, 350)),
	row('w6', 'supervisord', 'stop_all_100_cmd', 'ms', s(1178, 1165, 1242)),
	row('w6', 'supervisord', 'stop_all_100_all_gone', 'ms', s(1201, 1184, 1268)),
	'not a row',
].join('\n');

const probe = [
	row('w5', 'tm', 'log_10MB_until_complete', 'ms', s(80, 70, 95, 40)),
	row('w5', 'tm', 'log_integrity', '-', 'reps_with_loss_or_damage=1 of 40 last: lines=100000 bad_or_out_of_order=0 missing=0 extra_bytes=0'),
	row('w5', 'pm2', 'log_integrity', '-', 'reps_with_loss_or_damage=7 of 40 last: lines=99000 bad_or_out_of_order=1 missing=1000 extra_bytes=-100000'),
].join('\n');

const byText = (results: TargetResult[], text: RegExp): TargetResult => {
	const found = results.find(result => text.test(result.text));
	assert.ok(found, `no target matching ${text}`);
	return found;
};

describe('anchors-report: parsing', () => {
	it('reads every number of a lib.sh stats cell', () => {
		assert.deepEqual(parseStats('n=5 median=61.40 min=61.00 max=61.90 mean=61.44 p10=61.00 p90=61.90'), {
			n: 5,
			median: 61.4,
			min: 61,
			max: 61.9,
			mean: 61.44,
			p10: 61,
			p90: 61.9,
			sd: null,
			extra: '',
			raw: 'n=5 median=61.40 min=61.00 max=61.90 mean=61.44 p10=61.00 p90=61.90',
		});
	});

	it('reads the hyperfine cell of W2 (sd, no p10)', () => {
		const stats = parseStats('n=20 median=229.0 min=202.0 max=328.0 mean=240.0 sd=30.0 p90=257.0');
		assert.equal(stats.sd, 30);
		assert.equal(stats.p10, null);
		assert.equal(stats.median, 229);
	});

	it('reads a single value with text after it, and keeps text after the numbers', () => {
		const single = parseStats('0.033 (0.01 s cpu in 30.0 s)');
		assert.equal(single.n, 1);
		assert.equal(single.median, 0.033);
		assert.equal(single.max, 0.033);
		assert.equal(single.extra, '(0.01 s cpu in 30.0 s)');
		assert.equal(parseStats('n=3 median=70.00 min=69.00 max=71.00  (idle before: 40.0)').extra, '(idle before: 40.0)');
	});

	it('leaves free text without a median', () => {
		const stats = parseStats('reps_with_loss_or_damage=0 of 3 last: lines=10');
		assert.equal(stats.median, null);
		assert.equal(stats.extra, 'reps_with_loss_or_damage=0 of 3 last: lines=10');
	});

	it('parses rows in order, skips other lines, and ties a baseline to the run that recorded it', () => {
		const rows = parseResults(sample);
		assert.equal(rows.length, 28);
		assert.deepEqual(
			rows.filter(r => r.tool === 'baseline-bash-loop').map(r => [r.during, r.stats.median]),
			[
				['tm', 2],
				['pm2', 1],
			],
		);
		assert.equal(rows[0]?.during, null);
		assert.equal(rows[0]?.unit, 'MiB');
	});

	it('takes the last row of a repeated metric, and a baseline from the asked run', () => {
		const rows = parseResults(`${sample}\n${row('w6', 'tm', 'stop_all_100_cmd', 'ms', s(250, 240, 260))}`);
		assert.equal(pick(rows, 'w6', 'tm', 'stop_all_100_cmd')?.stats.median, 250);
		assert.equal(pick(rows, 'w3', 'baseline-bash-loop', 'crash_restart_latency', 'tm')?.stats.median, 2);
		assert.equal(pick(rows, 'w3', 'baseline-bash-loop', 'crash_restart_latency')?.stats.median, 1);
		assert.equal(pick(rows, 'w6', 'pm2', 'stop_all_100_cmd'), undefined);
	});

	it('reads meta.tsv keys and values', () => {
		const meta = parseMeta('nproc\t2\ncpu\tAMD EPYC 7B13\nbroken line\n');
		assert.equal(meta.get('nproc'), '2');
		assert.equal(meta.get('cpu'), 'AMD EPYC 7B13');
		assert.equal(meta.size, 2);
	});
});

describe('anchors-report: targets', () => {
	const results = evaluateTargets(parseResults(sample), parseResults(probe));

	it('judges each ratio against its limit', () => {
		assert.equal(byText(results, /RSS/).verdict, 'met'); // 50 ≤ 0.8 × 68
		assert.equal(byText(results, /pm2 jlist/).verdict, 'met'); // 100 ≤ 0.5 × 229
		assert.equal(byText(results, /supervisorctl status/).verdict, 'met'); // 100 ≤ 0.5 × 240
		assert.equal(byText(results, /zero backoff/).verdict, 'met'); // 4 ≤ 11.4
		assert.equal(byText(results, /shell-loop/).verdict, 'met'); // 4 ≤ 3 × 2 (the floor of tm's own run, not pm2's 1)
		assert.equal(byText(results, /cold/).verdict, 'met'); // 900 ≤ 0.4 × 2506
		assert.equal(byText(results, /warm/).verdict, 'not met'); // 1200 > 0.4 × 2195
		assert.equal(byText(results, /200 MB/).verdict, 'met'); // 600 ≤ 639
		assert.equal(byText(results, /daemon CPU/).verdict, 'not met'); // 0.5 > 0.35
		assert.equal(byText(results, /command time/).verdict, 'met'); // 300 ≤ 0.3 × 1178
		assert.equal(byText(results, /every process is gone/).verdict, 'no data');
		assert.match(byText(results, /every process is gone/).note, /no tm row/);
		assert.equal(byText(results, /RSS/).ratio, '0.74× (limit 0.8×)');
	});

	it('takes lines lost from the loss probe when it ran, else from the W5 reps', () => {
		const loss = byText(results, /lines lost/);
		assert.equal(loss.verdict, 'not met');
		assert.equal(loss.tm, '1 of 40 reps lost or damaged lines');
		assert.match(loss.reference, /pm2: 7 of 40 reps/);
		const noProbe = byText(evaluateTargets(parseResults(sample), []), /lines lost/);
		assert.equal(noProbe.verdict, 'met');
		assert.match(noProbe.note, /no loss probe/);
	});

	it('has no data without rows and says when the size differs from the target', () => {
		const small = parseResults(
			[row('w4', 'tm', 'start_5_cold_reported_online', 'ms', s(300, 290, 310)), row('w4', 'supervisord', 'start_5_cold_reported_online', 'ms', s(1000, 900, 1100))].join('\n'),
		);
		const cold = byText(evaluateTargets(small, []), /cold/);
		assert.equal(cold.verdict, 'met');
		assert.match(cold.note, /measured at 5 programs, the target is for 100 programs/);
		assert.ok(evaluateTargets([], []).every(result => result.verdict === 'no data'));
	});
});

describe('anchors-report: rendering', () => {
	const rows = parseResults(sample);

	it('formats a cell as median (min–max), a single value alone, free text without its tail', () => {
		assert.equal(cell(pick(rows, 'w4', 'supervisord', 'start_100_cold_reported_online')), '2506 (2015–2979)');
		assert.equal(cell(pick(rows, 'w1', 'tm', 'daemon_cpu_idle_100prog_30s')), '0.033 (0.01 s cpu in 30.0 s)');
		assert.equal(cell(pick(rows, 'w5', 'tm', 'log_integrity')), 'reps_with_loss_or_damage=0 of 3');
		assert.equal(cell(undefined), '–');
	});

	it('puts a column per tool and tm’s ratio to each anchor in a workload table', () => {
		const table = workloadTable(rows, 'w1');
		assert.match(table, /^\| metric \| unit \| tm median \(min–max\) \| pm2 median \(min–max\) \| supervisord median \(min–max\) \| tm ÷ pm2 \| tm ÷ supervisord \|/);
		assert.match(table, /\| daemon_rss_100prog \| MiB \| 50\.0 \(49\.0–51\.0\) \| 68\.0 \(67\.5–68\.9\) \| 28\.2 \(28\.2–28\.2\) \| 0\.74× \| 1\.77× \|/);
		assert.match(workloadTable(rows, 'w2'), /\| baseline_node_e0 \| ms \| 70\.0 \(60\.0–90\.0\) \| 80\.0 \(60\.0–90\.0\) \| – \| – \| – \|/);
		assert.match(workloadTable(rows, 'w3'), /baseline-bash-loop median/);
		assert.equal(workloadTable(rows, 'w9'), '_No rows for this workload._\n');
	});

	it('renders the whole report with machine, targets, every workload and the command', () => {
		const meta = parseMeta('nproc\t2\ncpu\tAMD EPYC\nloadavg_start\t3.10 2.00 1.00\ntm\t0.1.0 via dist/tm\nenv\tN=100\ncommand\tnpm run bench:anchors\nprobe\tLINES=100000 REPS=40 BASELINE=0\n');
		const report = renderReport({rows, probe: parseResults(probe), meta, resultsPath: '/r/results.tsv', probePath: '/r/lossprobe/results.tsv'});
		assert.match(report, /^# Benchmarks: tm against pm2 and supervisord\n/);
		assert.match(report, /\| CPU \| 2 × AMD EPYC \|/);
		assert.match(report, /Warning:\*\* the 1-minute load average was 3\.1 on 2 cores/);
		assert.match(report, /## Targets \(issue 8\): 8 of 12 met \(1 without data\)/);
		assert.match(report, /\| W4 \| start 100 programs, warm, until reported running ≤ 0\.4× supervisord \| 1200 \(1100–1300\) \| supervisord: 2195 \(1930–2703\) \| 0\.55× \(limit 0\.4×\) \| \*\*not met\*\* \|/);
		for (const title of ['W1: daemon memory', 'W2: control-command', 'W3: crash-restart', 'W4: start throughput', 'W5: log throughput', 'W5 loss probe', 'W6: stop latency']) {
			assert.ok(report.includes(title), title);
		}

		assert.match(report, /\| pm2 \| 7 of 40 \| lines=99000 bad_or_out_of_order=1 missing=1000 extra_bytes=-100000 \|/);
		assert.match(report, /```sh\nN=100 npm run bench:anchors\n```/);
		assert.ok(report.endsWith('\n') && !report.endsWith('\n\n'));
	});
});
