/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: it
 * throws, naming the line, on anything a scraper would reject or `promtool check metrics` would
 * flag (bad names, bad escapes, samples outside their family, duplicate series, a TYPE after
 * its samples, counters without `_total`, families without HELP).
 */
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';

export type Sample = {name: string; labels: Record<string, string>; value: number};
export type Family = {name: string; type: string; help: string; samples: Sample[]};

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const types = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, where: string): number {
	if (text === '+Inf') return Number.POSITIVE_INFINITY;
	if (text === '-Inf') return Number.NEGATIVE_INFINITY;
	if (text === 'NaN') return Number.NaN;
	if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) {
		throw new Error(`${where}: bad value ${JSON.stringify(text)}`);
	}

	return Number(text);
}

/** `{a="x",b="y\"z"}` → labels, and where the braces end. */
function parseLabels(line: string, start: number, where: string): {labels: Record<string, string>; end: number} {
	const labels: Record<string, string> = {};
	let i = start + 1;
	while (line[i] !== '}') {
		const eq = line.indexOf('=', i);
		const name = line.slice(i, eq);
		if (eq < 0 || !labelName.test(name) || name.startsWith('__')) {
			throw new Error(`${where}: bad label name ${JSON.stringify(name)}`);
		}

		if (line[eq + 1] !== '"') {
			throw new Error(`${where}: label ${name} is not quoted`);
		}

		let value = '';
		let j = eq + 2;
		for (; j < line.length && line[j] !== '"'; j++) {
			if (line[j] === '\\') {
				const next = line[++j];
				if (next === 'n') value += '\n';
				else if (next === '\\' || next === '"') value += next;
				else throw new Error(`${where}: bad escape \\${next ?? ''} in label ${name}`);
			} else {
				value += line[j];
			}
		}

		if (line[j] !== '"') {
			throw new Error(`${where}: unterminated value of label ${name}`);
		}

		if (Object.hasOwn(labels, name)) {
			throw new Error(`${where}: label ${name} twice`);
		}

		labels[name] = value;
		i = j + 1;
		if (line[i] === ',') {
			i++;
		} else if (line[i] !== '}') {
			throw new Error(`${where}: expected , or } after label ${name}`);
		}
	}

	return {labels, end: i + 1};
}

export function parsePrometheusText(text: string): Map<string, Family> {
	const families = new Map<string, Family>();
	const series = new Set<string>();
	let current: Family | null = null;
	const closed = new Set<string>();
	const family = (name: string): Family => {
		let found = families.get(name);
		if (!found) {
			found = {name, type: 'untyped', help: '', samples: []};
			families.set(name, found);
		}

		return found;
	};

	text.split('\n').forEach((line, index) => {
		const where = `line ${index + 1}`;
		if (line.trim() === '') {
			return;
		}

		const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
		if (meta) {
			const [, kind, name = '', rest = ''] = meta;
			if (!metricName.test(name)) throw new Error(`${where}: bad metric name ${name}`);
			if (current && current.name !== name) closed.add(current.name);
			if (closed.has(name)) throw new Error(`${where}: ${kind} for ${name} after its family ended`);
			const f = family(name);
			if (kind === 'TYPE') {
				if (!types.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
				if (f.samples.length > 0) throw new Error(`${where}: TYPE of ${name} after its samples`);
				f.type = rest;
			} else {
				f.help = rest;
			}

			current = f;
			return;
		}

		if (line.startsWith('#')) {
			return;
		}

		const nameEnd = line.search(/[{ ]/);
		const name = line.slice(0, nameEnd);
		if (!metricName.test(name)) throw new Error(`${where}: bad metric name ${JSON.stringify(name)}`);
		let labels: Record<string, string> = {};
		let rest = nameEnd;
		if (line[nameEnd] === '{') {
			({labels, end: rest} = parseLabels(line, nameEnd, where));
		}

		const parts = line.slice(rest).trim().split(/\s+/);
		if (parts.length < 1 || parts.length > 2) throw new Error(`${where}: expected a value and an optional timestamp`);
		const value = parseValue(parts[0] ?? '', where);
		const base = current && (name === current.name || /^(.*)_(bucket|sum|count)$/.exec(name)?.[1] === current.name) ? current : null;
		if (!base) throw new Error(`${where}: sample ${name} outside its family (no TYPE/HELP just before it)`);
		const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
		if (series.has(key)) throw new Error(`${where}: duplicate series ${key}`);
		series.add(key);
		base.samples.push({name, labels, value});
	});

	for (const f of families.values()) {
		if (f.help === '') throw new Error(`${f.name}: no HELP`);
		if (f.type === 'counter' && !f.name.endsWith('_total')) throw new Error(`${f.name}: a counter's name should end in _total`);
		if (f.type === 'counter' && f.samples.some(s => s.value < 0)) throw new Error(`${f.name}: negative counter`);
	}

	return families;
}

/** `promtool check metrics` on `text` when promtool is installed: null when it is not, else its problems ('' when none). */
export function promtoolCheck(text: string): string | null {
	const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find(file => existsSync(file));
	if (!promtool) {
		return null;
	}

	const result = spawnSync(promtool, ['check', 'metrics'], {input: text, encoding: 'utf8', timeout: 20_000});
	return result.status === 0 ? '' : `${result.stdout}${result.stderr}`.trim() || `exit ${result.status}`;
}
