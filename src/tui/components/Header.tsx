// @jsxRuntime automatic
// @jsxImportSource react
/**
 * The top row: host, daemon uptime, tasks per state, host load and memory; or, while the
 * daemon is away, that it is and that the dashboard keeps retrying.
 */
import os from 'node:os';
import {stateKinds} from '../../core/model.js';
import type {Segment} from '../columns.js';
import {ageOf, fit, shortBytes, shortDuration} from '../format.js';
import type {ConnectionState, LiveData} from '../live.js';
import type {Theme} from '../theme.js';
import {countStates} from '../view.js';
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
	const counts = countStates(data.tasks.values());
	const states: Segment[] = [{text: `${data.tasks.size} tasks`}];
	for (const state of stateKinds) {
		const count = counts.get(state);
		if (count) {
			states.push({text: ` ${theme.stateGlyph(state)}${count}`, hue: theme.stateHue(state)});
		}
	}

	const used = shortBytes(facts.total - facts.free);
	// From the most to the least said, the first that fits wins.
	const variants: Array<{title: boolean; host: boolean; load: number; memTotal: boolean}> = [
		{title: true, host: true, load: 3, memTotal: true},
		{title: true, host: true, load: 1, memTotal: true},
		{title: false, host: true, load: 1, memTotal: true},
		{title: false, host: true, load: 1, memTotal: false},
		{title: false, host: false, load: 1, memTotal: false},
	];
	let segments: Segment[] = [];
	for (const variant of variants) {
		const lead = [variant.title ? 'tm top' : '', variant.host ? facts.hostname : '', up === null ? '' : `up ${shortDuration(up)}`].filter(Boolean);
		segments = [
			{text: lead.join(dot), bold: true},
			{text: dot},
			...states,
			{text: `${dot}load ${facts.load.slice(0, variant.load).map(l => l.toFixed(2)).join(' ')}`},
			{text: `${dot}mem ${used}${variant.memTotal ? `/${shortBytes(facts.total)}` : ''}`},
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

/** The top row with several hosts: their links, then the tasks per state of them all. */
function hostsHeader(data: LiveData, links: ReadonlyMap<string, ConnectionState>, theme: Theme, width: number): Segment[] {
	const dot = ` ${theme.dot} `;
	const counts = countStates(data.tasks.values());
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
