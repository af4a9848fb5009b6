/**
 * Raw terminal input to key names. Ink 6's `useInput` cannot tell F-keys apart and hands over
 * several keys typed quickly (or pasted, or batched by SSH) as one string, so the dashboard
 * reads stdin itself and names every key here: printable characters by themselves (`j`, `G`,
 * `/`), the rest by name (`up`, `pagedown`, `enter`, `escape`, `tab`, `shift-tab`,
 * `backspace`, `delete`, `ctrl-c`, `f1`…`f12`, `space`).
 */

export type KeyPress = {
	/** The key's name: the character itself for printable keys. */
	name: string;
	/** What the key types into a text field, or '' for keys that type nothing. */
	text: string;
};

const csiTilde: Record<string, string> = {
	'1': 'home',
	'2': 'insert',
	'3': 'delete',
	'4': 'end',
	'5': 'pageup',
	'6': 'pagedown',
	'7': 'home',
	'8': 'end',
	'11': 'f1',
	'12': 'f2',
	'13': 'f3',
	'14': 'f4',
	'15': 'f5',
	'17': 'f6',
	'18': 'f7',
	'19': 'f8',
	'20': 'f9',
	'21': 'f10',
	'23': 'f11',
	'24': 'f12',
};

const csiFinal: Record<string, string> = {
	A: 'up',
	B: 'down',
	C: 'right',
	D: 'left',
	H: 'home',
	F: 'end',
	Z: 'shift-tab',
	P: 'f1',
	Q: 'f2',
	R: 'f3',
	S: 'f4',
};

const ss3Final: Record<string, string> = {...csiFinal, M: 'enter'};

/** linux console F1-F5: ESC [ [ A … E. */
const linuxF: Record<string, string> = {A: 'f1', B: 'f2', C: 'f3', D: 'f4', E: 'f5'};

const named = (name: string): KeyPress => ({name, text: ''});

function controlKey(code: number): KeyPress {
	switch (code) {
		case 0x0d:
		case 0x0a: {
			return named('enter');
		}

		case 0x09: {
			return named('tab');
		}

		case 0x7f:
		case 0x08: {
			return named('backspace');
		}

		case 0x00: {
			return named('ctrl-space');
		}

		default: {
			return named(`ctrl-${String.fromCharCode(code + 0x60)}`);
		}
	}
}

/**
 * The keys in one chunk of raw input, in order. A lone ESC is `escape`; ESC followed by a
 * character that starts no known sequence is `escape` then that key (nothing in the dashboard
 * uses Alt). Mouse reports and unknown sequences are dropped.
 */
export function parseKeys(chunk: string): KeyPress[] {
	const keys: KeyPress[] = [];
	let i = 0;
	while (i < chunk.length) {
		const ch = chunk[i]!;
		const code = ch.charCodeAt(0);
		if (ch === '\u001B') {
			const next = chunk[i + 1];
			if (next === '[') {
				// CSI: parameters (0x30-0x3F), intermediates (0x20-0x2F), one final byte (0x40-0x7E).
				if (chunk[i + 2] === '[' && chunk[i + 3] && linuxF[chunk[i + 3]!]) {
					keys.push(named(linuxF[chunk[i + 3]!]!));
					i += 4;
					continue;
				}

				let j = i + 2;
				while (j < chunk.length && chunk.charCodeAt(j) >= 0x20 && chunk.charCodeAt(j) <= 0x3f) {
					j++;
				}

				const final = chunk[j];
				if (final === undefined) {
					// A cut sequence: drop it.
					break;
				}

				const params = chunk.slice(i + 2, j);
				i = j + 1;
				if (params.startsWith('<')) {
					continue; // an SGR mouse report
				}

				const first = params.split(';')[0] ?? '';
				const modifier = Number(params.split(';')[1] ?? '1') - 1;
				let name = final === '~' ? csiTilde[first] : csiFinal[final];
				if (name === undefined) {
					continue;
				}

				if (modifier > 0 && name !== 'shift-tab') {
					const prefix = (modifier & 4 ? 'ctrl-' : '') + (modifier & 2 ? 'alt-' : '') + (modifier & 1 ? 'shift-' : '');
					name = prefix + name;
				}

				keys.push(named(name));
				continue;
			}

			if (next === 'O' && chunk[i + 2] !== undefined && ss3Final[chunk[i + 2]!]) {
				keys.push(named(ss3Final[chunk[i + 2]!]!));
				i += 3;
				continue;
			}

			keys.push(named('escape'));
			i++;
			continue;
		}

		if (code < 0x20 || code === 0x7f) {
			keys.push(controlKey(code));
			i++;
			continue;
		}

		const cp = chunk.codePointAt(i) ?? code;
		const char = String.fromCodePoint(cp);
		keys.push(char === ' ' ? {name: 'space', text: ' '} : {name: char, text: char});
		i += char.length;
	}

	return keys;
}
