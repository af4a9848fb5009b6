/**
 * A terminal whose locale is not UTF-8 (LANG=C, a serial console) gets ASCII only: the theme
 * picks ASCII glyphs, and every write passes through this map, so a dash or an ellipsis written
 * outside the theme (an empty cell, a cut name) cannot reach it as UTF-8 bytes. Each glyph maps
 * to one column, so Ink's layout stays right.
 */
const ascii: Record<string, string> = {
	'–': '-',
	'—': '-',
	'─': '-',
	'…': '~',
	'·': '|',
	'│': '|',
	'┃': '|',
	'‖': '|',
	'→': '>',
	'←': '<',
	'↑': '^',
	'↓': 'v',
	'▲': '^',
	'▼': 'v',
	'✔': 'v',
	'✘': 'x',
	'●': '*',
	'○': 'o',
	'◌': '.',
	'◔': 'o',
	'◑': 'o',
	'↻': '@',
	'§': 'S',
};
const glyphs = new RegExp(`[${Object.keys(ascii).join('')}█▉▊▋▌▍▎▏]`, 'gu');

/** `text` with tm's glyphs in ASCII (block elements become `#`). */
export function toAscii(text: string): string {
	return text.replace(glyphs, glyph => ascii[glyph] ?? '#');
}

/** From now on, `stream` writes tm's glyphs as ASCII. */
export function asciiWrites(stream: NodeJS.WriteStream): void {
	const original = stream.write;
	stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
		const text = typeof chunk === 'string' ? toAscii(chunk) : chunk;
		return (original as (...args: unknown[]) => boolean).call(this, text, ...rest);
	} as typeof stream.write;
}
