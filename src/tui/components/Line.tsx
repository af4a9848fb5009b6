// @jsxRuntime automatic
// @jsxImportSource react
/**
 * One screen row: a single Ink text node made of styled segments, cut at the pane's width.
 */
import {Text} from 'ink';
import type {Segment} from '../columns.js';

export type LineProps = {
	segments: readonly Segment[];
	/** Cut to this many columns here rather than by Ink (whose cut results it caches for ever). */
	width?: number;
	inverse?: boolean;
	bold?: boolean;
	dim?: boolean;
};

/** `segments` cut to `width` columns, the last one kept ending in `…`. */
export function fitSegments(segments: readonly Segment[], width: number): readonly Segment[] {
	let total = 0;
	for (const segment of segments) {
		total += segment.text.length;
	}

	if (total <= width) {
		return segments;
	}

	const fitted: Segment[] = [];
	let left = width;
	for (const segment of segments) {
		if (left <= 0) {
			break;
		}

		if (segment.text.length < left) {
			fitted.push(segment);
			left -= segment.text.length;
		} else {
			fitted.push({...segment, text: `${segment.text.slice(0, left - 1)}…`});
			left = 0;
		}
	}

	return fitted;
}

export function Line({segments, width, inverse, bold, dim}: LineProps) {
	const shown = width === undefined ? segments : fitSegments(segments, width);
	return (
		<Text wrap="truncate-end" inverse={inverse} bold={bold} dimColor={dim}>
			{shown.map((segment, i) =>
				segment.hue === undefined && !segment.bold && !segment.dim ? (
					segment.text
				) : (
					<Text key={i} color={segment.hue} bold={segment.bold} dimColor={segment.dim}>
						{segment.text}
					</Text>
				),
			)}
		</Text>
	);
}

/** A plain row of text. */
export function TextLine({text, width, inverse, bold, dim, hue}: {text: string; width?: number; inverse?: boolean; bold?: boolean; dim?: boolean; hue?: Segment['hue']}) {
	const shown = width !== undefined && text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text;
	return (
		<Text wrap="truncate-end" inverse={inverse} bold={bold} dimColor={dim} color={hue}>
			{shown === '' ? ' ' : shown}
		</Text>
	);
}
