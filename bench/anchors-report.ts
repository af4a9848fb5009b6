/**
 * Turns the anchor benchmarks' results.tsv (tm, pm2 and supervisord on the six workloads of
 * ../shared/bench/anchors) into docs/benchmarks.md: per workload a table of medians with their
 * spread and tm's ratio to each anchor, the issue-8 targets marked met / not met, the machine,
 * the tool versions and the command that reproduces it.
 *
 * Run with `npx tsx bench/anchors-report.ts RESULTS.tsv [--meta META.tsv] [--probe PROBE.tsv]
 * > docs/benchmarks.md`. META (written by bench/anchors.sh) defaults to meta.tsv beside RESULTS,
 * PROBE (the W5 loss probe's results.tsv) to lossprobe/results.tsv beside it; both are optional.
 * results.tsv rows: `time  workload  tool  metric  unit  stats` (stats as written by lib.sh).
 */
import {existsSync, readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {parseArgs} from 'node:util';

/** The numbers of one stats cell; null where the cell does not give them. */
export type Stats = {
	n: number | null;
	median: number | null;
	min: number | null;
	max: number | null;
	mean: number | null;
	p10: number | null;
	p90: number | null;
	sd: number | null;
	/** Text after the numbers, e.g. `(idle before: 24.6)`. */
	extra: string;
	raw: string;
};

export type Row = {
	time: string;
	workload: string;
	tool: string;
	metric: string;
	unit: string;
	stats: Stats;
	/** For a baseline row: the tool whose run recorded it (the last non-baseline tool before it in that workload). */
	during: string | null;
};

const statKeys = ['n', 'median', 'min', 'max', 'mean', 'p10', 'p90', 'sd'] as const;
const numberPattern = /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i;

/**
 * One stats cell: `n=.. median=.. min=.. max=.. mean=.. p10=.. p90=..` (any subset, `sd=` too),
 * or a single value with optional text after it (`0.033 (0.01 s cpu in 30.0 s)`), or free text.
 */
export function parseStats(text: string): Stats {
	const stats: Stats = {n: null, median: null, min: null, max: null, mean: null, p10: null, p90: null, sd: null, extra: '', raw: text};
	const tokens = text.trim().split(/\s+/).filter(Boolean);
	let used = 0;
	for (const token of tokens) {
		const match = /^([a-z0-9]+)=(.*)$/i.exec(token);
		const key = match?.[1] as (typeof statKeys)[number] | undefined;
		if (!match || key === undefined || !statKeys.includes(key) || !numberPattern.test(match[2] ?? '')) {
			break;
		}

		stats[key] = Number(match[2]);
		used++;
	}

	if (used === 0 && tokens[0] !== undefined && numberPattern.test(tokens[0])) {
		const value = Number(tokens[0]);
		Object.assign(stats, {n: 1, median: value, min: value, max: value, mean: value});
		used = 1;
	}

	stats.extra = tokens.slice(used).join(' ');
	return stats;
}

export const isBaseline = (tool: string): boolean => tool.startsWith('baseline');

/** Rows of a results.tsv, in file order; lines that are not 6 tab-separated fields are skipped. */
export function parseResults(tsv: string): Row[] {
	const rows: Row[] = [];
	const lastTool = new Map<string, string>();
	for (const line of tsv.split('\n')) {
		const fields = line.replace(/\r$/, '').split('\t');
		if (fields.length < 6) {
			continue;
		}

		const [time, workload, tool, metric, unit] = fields as [string, string, string, string, string];
		const stats = parseStats(fields.slice(5).join('\t'));
		if (!isBaseline(tool)) {
			lastTool.set(workload, tool);
		}

		rows.push({time, workload, tool, metric, unit, stats, during: isBaseline(tool) ? (lastTool.get(workload) ?? null) : null});
	}

	return rows;
}

/** `key <TAB> value` lines (meta.tsv). */
export function parseMeta(tsv: string): Map<string, string> {
	const meta = new Map<string, string>();
	for (const line of tsv.split('\n')) {
		const tab = line.indexOf('\t');
		if (tab > 0) {
			meta.set(line.slice(0, tab), line.slice(tab + 1).trim());
		}
	}

	return meta;
}

/**
 * The row for (workload, tool, metric): the last one in the file (a re-run wins). For a baseline
 * tool, the one recorded during `during`'s run when there is one.
 */
export function pick(rows: Row[], workload: string, tool: string, metric: string | RegExp, during?: string): Row | undefined {
	const matches = rows.filter(
		row => row.workload === workload && row.tool === tool && (typeof metric === 'string' ? row.metric === metric : metric.test(row.metric)),
	);
	const preferred = during === undefined ? [] : matches.filter(row => row.during === during);
	return (preferred.length > 0 ? preferred : matches).at(-1);
}

/** `reps_with_loss_or_damage=K of R` from a log_integrity cell. */
export function lossOf(row: Row | undefined): {lost: number; reps: number} | null {
	const match = row ? /reps_with_loss_or_damage=(\d+) of (\d+)/.exec(row.stats.raw) : null;
	return match ? {lost: Number(match[1]), reps: Number(match[2])} : null;
}

// ------------------------------------------------------------------------------ targets

export type Verdict = 'met' | 'not met' | 'no data';

export type TargetResult = {
	workload: string;
	text: string;
	metric: string;
	tm: string;
	reference: string;
	ratio: string;
	verdict: Verdict;
	note: string;
};

type RatioTarget = {
	workload: string;
	text: string;
	metric: RegExp;
	/** The size the target is defined for (the metric's first capture), e.g. 100 programs. */
	size?: number;
	sizeUnit?: string;
	against: string;
	factor: number;
};

/** Issue 8: tm's median must be at most `factor` × the reference's median. */
export const ratioTargets: readonly RatioTarget[] = [
	{workload: 'w1', text: 'daemon RSS with 100 programs ≤ 0.8× pm2', metric: /^daemon_rss_([1-9]\d*)prog$/, size: 100, against: 'pm2', factor: 0.8},
	{workload: 'w2', text: '`tm status --json` ≤ 0.5× `pm2 jlist`', metric: /^status_(\d+)prog$/, size: 100, against: 'pm2', factor: 0.5},
	{workload: 'w2', text: '`tm status --json` ≤ 0.5× `supervisorctl status`', metric: /^status_(\d+)prog$/, size: 100, against: 'supervisord', factor: 0.5},
	{workload: 'w3', text: 'crash-restart latency (zero backoff) ≤ pm2', metric: /^crash_restart_latency$/, against: 'pm2', factor: 1},
	{workload: 'w3', text: 'crash-restart latency ≤ 3× the shell-loop floor', metric: /^crash_restart_latency$/, against: 'baseline-bash-loop', factor: 3},
	{workload: 'w4', text: 'start 100 programs, cold, until reported running ≤ 0.4× supervisord', metric: /^start_(\d+)_cold_reported_online$/, size: 100, against: 'supervisord', factor: 0.4},
	{workload: 'w4', text: 'start 100 programs, warm, until reported running ≤ 0.4× supervisord', metric: /^start_(\d+)_warm_reported_online$/, size: 100, against: 'supervisord', factor: 0.4},
	{workload: 'w5', text: '200 MB of output until all in the log ≤ 1.0× supervisord', metric: /^log_(\d+)MB_until_complete$/, size: 200, sizeUnit: ' MB', against: 'supervisord', factor: 1},
	{workload: 'w5', text: 'daemon CPU for the 200 MB ≤ supervisord', metric: /^log_daemon_cpu$/, against: 'supervisord', factor: 1},
	{workload: 'w6', text: '`stop all` of 100, command time ≤ 0.3× supervisord', metric: /^stop_all_(\d+)_cmd$/, size: 100, against: 'supervisord', factor: 0.3},
	{workload: 'w6', text: '`stop all` of 100, until every process is gone ≤ 0.3× supervisord', metric: /^stop_all_(\d+)_all_gone$/, size: 100, against: 'supervisord', factor: 0.3},
];

export function evaluateRatio(rows: Row[], target: RatioTarget): TargetResult {
	const tm = pick(rows, target.workload, 'tm', target.metric);
	const metric = tm?.metric ?? target.metric.source.replaceAll(/[\^$]/g, '');
	const reference = isBaseline(target.against)
		? pick(rows, target.workload, target.against, target.metric, 'tm')
		: pick(rows, target.workload, target.against, tm?.metric ?? target.metric);
	const base = {workload: target.workload, text: target.text, metric, tm: cell(tm), reference: `${target.against}: ${cell(reference)}`};
	const notes: string[] = [];
	const size = tm && target.size !== undefined ? Number(target.metric.exec(tm.metric)?.[1]) : undefined;
	if (size !== undefined && size !== target.size) {
		const unit = target.sizeUnit ?? ' programs';
		notes.push(`measured at ${size}${unit}, the target is for ${target.size}${unit}`);
	}

	if (isBaseline(target.against) && reference?.during && reference.during !== 'tm') {
		notes.push(`floor from the ${reference.during} run`);
	}

	const a = tm?.stats.median ?? null;
	const b = reference?.stats.median ?? null;
	if (a === null || b === null || b <= 0) {
		const missing = [a === null ? 'tm' : null, b === null ? target.against : null].filter(Boolean).join(' and ');
		notes.unshift(missing ? `no ${missing} row` : `${target.against} is 0`);
		return {...base, ratio: '–', verdict: 'no data', note: notes.join('; ')};
	}

	return {...base, ratio: `${formatRatio(a / b)} (limit ${target.factor}×)`, verdict: a <= target.factor * b ? 'met' : 'not met', note: notes.join('; ')};
}

/** Zero lines lost: the W5 loss probe (many small reps) if it ran, else the 200 MB reps. */
export function evaluateLoss(rows: Row[], probe: Row[]): TargetResult {
	const fromProbe = lossOf(pick(probe, 'w5', 'tm', 'log_integrity'));
	const fromMain = lossOf(pick(rows, 'w5', 'tm', 'log_integrity'));
	const used = fromProbe ?? fromMain;
	const source = fromProbe ? 'loss probe' : fromMain ? 'the W5 reps (no loss probe ran)' : '';
	const others = ['pm2', 'supervisord']
		.map(tool => {
			const loss = lossOf(pick(probe, 'w5', tool, 'log_integrity')) ?? lossOf(pick(rows, 'w5', tool, 'log_integrity'));
			return loss ? `${tool}: ${loss.lost} of ${loss.reps} reps` : null;
		})
		.filter(Boolean)
		.join(', ');
	return {
		workload: 'w5',
		text: 'zero lines lost in the loss probe',
		metric: 'log_integrity',
		tm: used ? `${used.lost} of ${used.reps} reps lost or damaged lines` : '–',
		reference: others || '–',
		ratio: '–',
		verdict: used === null ? 'no data' : used.lost === 0 ? 'met' : 'not met',
		note: source,
	};
}

export function evaluateTargets(rows: Row[], probe: Row[]): TargetResult[] {
	const results = ratioTargets.map(target => evaluateRatio(rows, target));
	const cpu = results.findIndex(result => result.workload === 'w5' && result.metric === 'log_daemon_cpu');
	results.splice(cpu + 1, 0, evaluateLoss(rows, probe));
	return results;
}

// ------------------------------------------------------------------------------ formatting

export function formatNumber(value: number): string {
	const abs = Math.abs(value);
	return abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : abs >= 1 ? value.toFixed(2) : value.toFixed(3);
}

export function formatRatio(ratio: number): string {
	return `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}×`;
}

/** `median (min–max)`, a single value as it is, free text as written. */
export function cell(row: Row | undefined): string {
	if (!row) {
		return '–';
	}

	const {median, min, max, n, extra, raw} = row.stats;
	if (median === null) {
		return escape(raw.replace(/ last: .*/, ''));
	}

	const spread = min !== null && max !== null && (n ?? 0) > 1 ? ` (${formatNumber(min)}–${formatNumber(max)})` : '';
	return `${formatNumber(median)}${spread}${extra ? ` ${escape(extra)}` : ''}`;
}

const escape = (text: string): string => text.replaceAll('|', '\\|');

const anchors = ['pm2', 'supervisord'];

const workloads: ReadonlyArray<{id: string; title: string; what: string}> = [
	{
		id: 'w1',
		title: 'W1: daemon memory and idle CPU',
		what: 'RSS of the daemon process(es) with 0 and with N `sleep 100000` programs (5 samples, 1 s apart); CPU over IDLE_S seconds idle. Lower is better.',
	},
	{
		id: 'w2',
		title: 'W2: control-command latency with N programs up',
		what: 'hyperfine `-N` (no shell), 2 warm-ups: the status command (`tm status --json`, `pm2 jlist`, `supervisorctl status`) and a no-op (`tm version`, which does not contact the daemon; `pm2 -v` and `supervisorctl version`, which do). The baselines are measured again in each tool\'s run. Lower is better.',
	},
	{
		id: 'w3',
		title: 'W3: crash-restart latency',
		what: 'A program that exits 1 at once; latency = its next start stamp minus its previous exit stamp, 20 restarts, minimum restart delay (tm: `backoff: {initial: 0s, max: 0s}`). The bash loop is the floor. Lower is better.',
	},
	{
		id: 'w4',
		title: 'W4: start throughput',
		what: 'Bring up N `sleep` programs from a config. cold: no daemon (`tm up -c`); warm: an empty daemon is up (`tm reload`). cmd = the command returns; procs_alive = N live children; reported_online = the tool\'s own status says N running (includes one status call). Lower is better.',
	},
	{
		id: 'w5',
		title: 'W5: log throughput',
		what: 'One program writes numbered 100-byte lines to stdout; the supervisor logs them to a file without rotation. until_complete = from the start command until the file holds every byte. MB/s: higher is better; everything else lower is better.',
	},
	{
		id: 'w6',
		title: 'W6: stop latency',
		what: '`stop all` of N programs that exit at once on SIGTERM; cmd = the command returns; all_gone = no child of the daemon is left. Lower is better.',
	},
];

function toolsOf(rows: Row[]): string[] {
	const found = [...new Set(rows.map(row => row.tool))];
	const main = ['tm', ...anchors].filter(tool => found.includes(tool));
	return [...main, ...found.filter(tool => !main.includes(tool)).sort()];
}

/** One workload's table: a row per metric, a column per tool, tm's ratio to each anchor. */
export function workloadTable(rows: Row[], workload: string): string {
	const mine = rows.filter(row => row.workload === workload);
	if (mine.length === 0) {
		return '_No rows for this workload._\n';
	}

	const tools = toolsOf(mine);
	const ratios = tools.includes('tm') ? anchors.filter(tool => tools.includes(tool)) : [];
	const metrics = [...new Set(mine.map(row => row.metric))];
	const header = ['metric', 'unit', ...tools.map(tool => `${tool} median (min–max)`), ...ratios.map(tool => `tm ÷ ${tool}`)];
	const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`];
	for (const metric of metrics) {
		const unit = mine.find(row => row.metric === metric)?.unit ?? '';
		const cells = tools.map(tool => cell(pick(mine, workload, tool, metric, isBaseline(tool) ? 'tm' : undefined)));
		const tm = pick(mine, workload, 'tm', metric)?.stats.median ?? null;
		const ratioCells = ratios.map(tool => {
			const other = pick(mine, workload, tool, metric)?.stats.median ?? null;
			return tm === null || other === null || other <= 0 || metric.startsWith('baseline') ? '–' : formatRatio(tm / other);
		});
		lines.push(`| ${metric} | ${unit} | ${[...cells, ...ratioCells].join(' | ')} |`);
	}

	return `${lines.join('\n')}\n`;
}

function probeTable(probe: Row[]): string {
	const tools = toolsOf(probe.filter(row => row.metric === 'log_integrity'));
	if (tools.length === 0) {
		return '_The loss probe did not run (PROBE=0)._\n';
	}

	const lines = ['| tool | reps with lost or damaged lines | last rep | until complete, median (min–max) ms |', '|---|---:|---|---:|'];
	for (const tool of tools) {
		const row = pick(probe, 'w5', tool, 'log_integrity');
		const loss = lossOf(row);
		const last = row ? escape(row.stats.raw.replace(/.* last: /, '')) : '–';
		lines.push(`| ${tool} | ${loss ? `${loss.lost} of ${loss.reps}` : '–'} | ${last} | ${cell(pick(probe, 'w5', tool, /^log_\d+MB_until_complete$/))} |`);
	}

	return `${lines.join('\n')}\n`;
}

/** Machine and versions: from meta.tsv, else (marked) from the machine rendering the report. */
function machineTable(meta: Map<string, string>): string {
	const local = meta.size === 0;
	const get = (key: string, fallback: () => string): string => meta.get(key) ?? (local ? fallback() : '–');
	const rows: Array<[string, string]> = [
		['date (UTC)', get('started', () => '–') + (meta.get('finished') ? ` to ${meta.get('finished')}` : '')],
		['CPU', `${get('nproc', () => String(os.availableParallelism()))} × ${get('cpu', () => os.cpus()[0]?.model ?? '?')}`],
		['memory', get('memory', () => `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`)],
		['kernel', get('kernel', () => os.release())],
		['OS', get('os', () => '–')],
		['load average at the start', get('loadavg_start', () => '–')],
		['tm', get('tm', () => '–')],
		['tm commit', get('commit', () => '–')],
		['node', get('node', () => process.version)],
		['pm2', get('pm2', () => '–')],
		['supervisord', get('supervisord', () => '–')],
		['python3', get('python3', () => '–')],
		['hyperfine', get('hyperfine', () => '–')],
		['perl', get('perl', () => '–')],
	];
	const note = local ? '\n_meta.tsv was missing: the machine rows describe the machine that rendered this report, not necessarily the one that measured._\n' : '';
	return `| item | value |\n|---|---|\n${rows.map(([key, value]) => `| ${key} | ${escape(value)} |`).join('\n')}\n${note}`;
}

export type ReportInput = {rows: Row[]; probe: Row[]; meta: Map<string, string>; resultsPath: string; probePath: string | null};

export function renderReport({rows, probe, meta, resultsPath, probePath}: ReportInput): string {
	const targets = evaluateTargets(rows, probe);
	const met = targets.filter(target => target.verdict === 'met').length;
	const judged = targets.filter(target => target.verdict !== 'no data').length;
	const out: string[] = [];
	out.push('# Benchmarks: tm against pm2 and supervisord\n');
	const measured = toolsOf(rows).filter(tool => !isBaseline(tool));
	out.push(
		'Generated by `npm run bench:anchors` (`bench/anchors.sh`, `bench/anchors-report.ts`); do not edit by hand. ' +
			'The workloads are the anchor benchmarks in `../shared/bench/anchors` (README there); tm is plugged in through ' +
			`\`bench/adapters/tm.sh\`. Tools measured, in the same run on the same machine: ${measured.join(', ')}. ` +
			'Each cell is the median with (min–max) over the reps; ratios are tm\'s median over the other tool\'s median.\n',
	);
	const load = Number(meta.get('loadavg_start')?.split(/\s+/)[0]);
	const cores = Number(meta.get('nproc'));
	if (Number.isFinite(load) && Number.isFinite(cores) && cores > 0 && load > cores / 2) {
		out.push(`> **Warning:** the 1-minute load average was ${load} on ${cores} cores when the run started; the timings are noisy.\n`);
	}

	out.push('## Machine and versions\n', machineTable(meta));
	out.push(`## Targets (issue 8): ${met} of ${targets.length} met${judged < targets.length ? ` (${targets.length - judged} without data)` : ''}\n`);
	out.push('| workload | target | tm | reference | tm ÷ reference | verdict | note |', '|---|---|---|---|---|---|---|');
	for (const target of targets) {
		const verdict = target.verdict === 'not met' ? '**not met**' : target.verdict;
		out.push(`| ${target.workload.toUpperCase()} | ${target.text} | ${target.tm} | ${target.reference} | ${target.ratio} | ${verdict} | ${escape(target.note)} |`);
	}

	out.push('');
	for (const workload of workloads) {
		out.push(`## ${workload.title}\n`, `${workload.what}\n`, workloadTable(rows, workload.id));
		if (workload.id === 'w5') {
			out.push(
				'### W5 loss probe\n',
				`W5 again with many small reps (\`${meta.get('probe') ?? 'LINES=100000 REPS=40 BASELINE=0'}\`), a fresh program per rep: a supervisor that closes the log when the child exits, before the pipe is drained, loses the tail of the output (pm2 7.0.4 does, in about 1 rep of 6).\n`,
				probeTable(probe),
			);
		}
	}

	const command = meta.get('command') ?? 'npm run bench:anchors';
	const env = meta.get('env');
	out.push(
		'## How to reproduce\n',
		'```sh',
		`${env ? `${env} ` : ''}${command}`,
		'```\n',
		'On a quiet machine (the timings are wall-clock; on 2 cores the CLI, the daemon and the children compete). ' +
			'`bench/README.md` lists the settings each tool gets, the environment variables and how to run one workload alone.\n',
		`Raw results: \`${resultsPath}\`${probePath ? `, loss probe: \`${probePath}\`` : ''}${meta.get('results_dir') ? ` (console log: \`${meta.get('results_dir')}/run.log\`)` : ''}.\n`,
	);
	return `${out.join('\n').replaceAll(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

// ------------------------------------------------------------------------------ main

function main(argv: string[]): number {
	const {values, positionals} = parseArgs({args: argv, allowPositionals: true, options: {meta: {type: 'string'}, probe: {type: 'string'}}});
	const resultsPath = positionals[0];
	if (resultsPath === undefined || !existsSync(resultsPath)) {
		process.stderr.write('usage: npx tsx bench/anchors-report.ts RESULTS.tsv [--meta META.tsv] [--probe PROBE.tsv] > docs/benchmarks.md\n');
		if (resultsPath !== undefined) {
			process.stderr.write(`anchors-report: ${resultsPath} does not exist\n`);
		}

		return 2;
	}

	const dir = path.dirname(resultsPath);
	const metaPath = values.meta ?? path.join(dir, 'meta.tsv');
	const probeGuess = values.probe ?? path.join(dir, 'lossprobe', 'results.tsv');
	const probePath = existsSync(probeGuess) ? probeGuess : null;
	const rows = parseResults(readFileSync(resultsPath, 'utf8'));
	if (rows.length === 0) {
		process.stderr.write(`anchors-report: no result rows in ${resultsPath}\n`);
		return 1;
	}

	process.stdout.write(
		renderReport({
			rows,
			probe: probePath ? parseResults(readFileSync(probePath, 'utf8')) : [],
			meta: existsSync(metaPath) ? parseMeta(readFileSync(metaPath, 'utf8')) : new Map(),
			resultsPath: path.resolve(resultsPath),
			probePath: probePath ? path.resolve(probePath) : null,
		}),
	);
	return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
	process.exitCode = main(process.argv.slice(2));
}
