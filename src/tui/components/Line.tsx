// @jsxRuntime automatic
// @jsxImportSource react
/**
 * One screen row: a single Ink text node made of styled segments, cut at the pane's width.
 */
import {Text} from 'ink';
import type {Segment} from '../columns.js';

export type LineProps = {segments: readonly Segment[]; inverse?: boolean; bold?: boolean; dim?: boolean};

export function Line({segments, inverse, bold, dim}: LineProps) {
	return (
		<Text wrap="truncate-end" inverse={inverse} bold={bold} dimColor={dim}>
			{segments.map((segment, i) =>
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
export function TextLine({text, inverse, bold, dim, hue}: {text: string; inverse?: boolean; bold?: boolean; dim?: boolean; hue?: Segment['hue']}) {
	return (
		<Text wrap="truncate-end" inverse={inverse} bold={bold} dimColor={dim} color={hue}>
			{text === '' ? ' ' : text}
		</Text>
	);
}
