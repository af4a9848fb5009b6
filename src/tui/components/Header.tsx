// @jsxRuntime automatic
// @jsxImportSource react
/**
 * The top row: host, daemon uptime, tasks per state, the slots in use and what the tasks holding
 * them claim of the memory and CPU capacity, host load and memory; or, while the daemon is away,
 * that it is and that the dashboard keeps retrying.
 */
import os from 'node:os';
import {cpuText, sizeText} from '../../core/capacity.js';
import {stateKinds} from '../../core/model.js';
import type {Segment} from '../columns.js';
import {ageOf, fit, shortBytes, shortDuration} from '../format.js';
import type {ConnectionState, LiveData} from '../live.js';
import type {Theme} from '../theme.js';
import {Line} from './Line.js';

/** Host facts: the daemon's sample when it sends one, else this machine's (the socket is local). */
export function hostFacts(data: LiveData): {hostname: string; load: readonly number[]; total: number; free: number} {
	const host = data.host;
	if (host) {
		return {hostname: host.hostname, load: host.load, total: host.memoryTotal, free: host.memoryFree};
	}

	return {hostname: os.hostname(), load: os.loadavg(), total: os.totalmem(), free: os.freemem()};
}

/** Several hosts: each one's name, green when connected, red (with why) when not. */
function linkSegments(links: ReadonlyMap<string, ConnectionState>, theme: Theme): Segment[] {
	return [...links].flatMap(([name, link], i) => [
		...(i === 0 ? [] : [{text: ' '}]),
		link.status === 'connected'
			? {text: `${theme.stateGlyph('running')}${name}`, hue: theme.hue('green')}
			: {text: `${theme.stateGlyph('fatal')}${name} ${link.status === 'connecting' && link.attempts === 0 ? 'connecting…' : `retrying${link.error ? `: ${link.error}` : ''}`}`, hue: theme.hue('red'), bold: true},
	]);
}

export function headerSegments(data: LiveData, theme: Theme, width: number): Segment[] {
	const dot = ` ${theme.dot} `;
	const {connection} = data;
	if (data.links !== null) {
		return hostsHeader(data, data.links, theme, width);
	}

	if (connection.status !== 'connected') {
		const what =
			connection.status === 'connecting' && connection.attempts === 0 && data.daemon === null
				? 'connecting…'
				: `disconnected — retrying${connection.attempts > 0 ? ` (${connection.attempts})` : ''}${connection.error ? `: ${connection.error}` : ''}`;
		return [{text: fit(`tm top${dot}${what}`, width, 'left', theme.ellipsis), hue: theme.hue('red'), bold: true}];
	}

	const facts = hostFacts(data);
	const up = data.daemon ? ageOf(data.daemon.startedAt, data.now) : null;
	const {counts} = data.tally;
	const states: Segment[] = [{text: `${data.tasks.size} tasks`}];
	for (const state of stateKinds) {
		const count = counts.get(state);
		if (count) {
			states.push({text: ` ${theme.stateGlyph(state)}${count}`, hue: theme.stateHue(state)});
		}
	}

	const used = shortBytes(facts.total - facts.free);
	const capacity = {full: capacityText(data, false), short: capacityText(data, true)};
	// From the most to the least said, the first that fits wins; the capacity stays to the end.
	const variants: Array<{title: boolean; host: boolean; load: number; mem: 'total' | 'used' | 'none'; cap: 'full' | 'short'}> = [
		{title: true, host: true, load: 3, mem: 'total', cap: 'full'},
		{title: true, host: true, load: 1, mem: 'total', cap: 'full'},
		{title: false, host: true, load: 1, mem: 'total', cap: 'full'},
		{title: false, host: true, load: 1, mem: 'used', cap: 'full'},
		{title: false, host: true, load: 1, mem: 'none', cap: 'full'},
		{title: false, host: true, load: 0, mem: 'none', cap: 'full'},
		{title: false, host: false, load: 0, mem: 'none', cap: 'full'},
		{title: false, host: false, load: 0, mem: 'none', cap: 'short'},
	];
	let segments: Segment[] = [];
	for (const variant of variants) {
		const lead = [variant.title ? 'tm top' : '', variant.host ? facts.hostname : '', up === null ? '' : `up ${shortDuration(up)}`].filter(Boolean);
		const cap = capacity[variant.cap];
		segments = [
			{text: lead.join(dot), bold: true},
			{text: dot},
			...states,
			...(cap === '' ? [] : [{text: `${dot}${cap.replaceAll(' · ', dot)}`}]),
			...(variant.load > 0 ? [{text: `${dot}load ${facts.load.slice(0, variant.load).map(l => l.toFixed(2)).join(' ')}`}] : []),
			...(variant.mem === 'none' ? [] : [{text: `${dot}mem ${used}${variant.mem === 'total' ? `/${shortBytes(facts.total)}` : ''}`}]),
		];
		if (segments.reduce((sum, s) => sum + s.text.length, 0) <= width) {
			break;
		}
	}

	// Pad to the full width so the inverse bar spans the row.
	const length = segments.reduce((sum, s) => sum + s.text.length, 0);
	if (length < width) {
		segments.push({text: ' '.repeat(width - length)});
	}

	return segments;
}

/**
 * The slots in use and the requests claimed against the capacity: `slots 3/8 · claimed 1.5G/12G
 * 2/4 CPU` (short: `slots 3/8 1.5G/12G 2/4cpu`); the limits from the daemon's document, what
 * is claimed from the task documents (`LiveData.tally`; the daemon counts the same way: `claimedOf`).
 */
export function capacityText(data: LiveData, short: boolean): string {
	const capacity = data.daemon?.capacity;
	if (capacity === undefined) {
		return '';
	}

	const {claimed} = data.tally;
	const slots = `slots ${claimed.slots}${capacity.slots === null ? '' : `/${capacity.slots}`}`;
	const memory = capacity.memory === null ? '' : `${sizeText(claimed.memory)}/${sizeText(capacity.memory)}`;
	const cpu = capacity.cpu === null ? '' : `${cpuText(claimed.cpu)}/${cpuText(capacity.cpu)}${short ? 'cpu' : ' CPU'}`;
	const resources = [memory, cpu].filter(Boolean);
	if (resources.length === 0) {
		return slots;
	}

	return short ? [slots, ...resources].join(' ') : `${slots} · claimed ${resources.join(' ')}`;
}

/** The top row with several hosts: their links, then the tasks per state of them all. */
function hostsHeader(data: LiveData, links: ReadonlyMap<string, ConnectionState>, theme: Theme, width: number): Segment[] {
	const dot = ` ${theme.dot} `;
	const {counts} = data.tally;
	const segments: Segment[] = [{text: 'tm top', bold: true}, {text: dot}, ...linkSegments(links, theme), {text: `${dot}${data.tasks.size} tasks`}];
	for (const state of stateKinds) {
		const count = counts.get(state);
		if (count) {
			segments.push({text: ` ${theme.stateGlyph(state)}${count}`, hue: theme.stateHue(state)});
		}
	}

	let length = 0;
	const fitted: Segment[] = [];
	for (const segment of segments) {
		const room = width - length;
		if (room <= 0) {
			break;
		}

		fitted.push(segment.text.length > room ? {...segment, text: fit(segment.text, room, 'left', theme.ellipsis)} : segment);
		length += Math.min(segment.text.length, room);
	}

	if (length < width) {
		fitted.push({text: ' '.repeat(width - length)});
	}

	return fitted;
}

export function Header({data, theme, width}: {data: LiveData; theme: Theme; width: number}) {
	return <Line segments={headerSegments(data, theme, width)} width={width} inverse />;
}
