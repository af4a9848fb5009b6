/**
 * A workaround for an Ink 6 memory leak. Ink measures every text node through a module-level
 * cache keyed by the whole text that is never emptied (vadimdemedes/ink#986, fixed upstream
 * with an LRU in #987): a dashboard whose log pane and ages change every frame would keep about
 * 2 KB per frame, 70 MB an hour, for as long as it stays open.
 *
 * The dashboard's lines are cut to their width before they reach Ink and never wrap, so their
 * size is simply their text's width by one line. After each commit, every truncating text node
 * gets a measure function that computes that without a cache. A node is measured once by
 * Ink's own function when it is created (before this runs); rows are keyed by position, so
 * nodes are created only when the layout changes.
 */

/** The parts of Ink's DOM node this relies on (ink/build/dom.d.ts). */
type InkNode = {
	nodeName: string;
	nodeValue?: string;
	childNodes?: InkNode[];
	style?: {textWrap?: string};
	yogaNode?: {setMeasureFunc(measure: () => {width: number; height: number}): void};
};

const patched = new WeakSet<object>();

/** The text of a node and its nested texts, without the styles. */
function plainText(node: InkNode): string {
	if (node.nodeName === '#text') {
		return node.nodeValue ?? '';
	}

	let text = '';
	for (const child of node.childNodes ?? []) {
		text += plainText(child);
	}

	return text;
}

const printable = /^[\u0020-\u007E]*$/;

/** Columns a line takes: one per code point (the dashboard draws no wide characters of its own). */
export function lineWidth(line: string): number {
	if (printable.test(line)) {
		return line.length;
	}

	let width = 0;
	for (const _ of line) {
		width++;
	}

	return width;
}

function measure(node: InkNode): {width: number; height: number} {
	const lines = plainText(node).split('\n');
	let width = 0;
	for (const line of lines) {
		width = Math.max(width, lineWidth(line));
	}

	return {width, height: lines.length};
}

/** Gives every truncating text node under `root` a measure function without Ink's cache. Returns how many it changed. */
export function boundTextMeasure(root: unknown): number {
	let count = 0;
	const visit = (node: InkNode): void => {
		if (node.nodeName === 'ink-text') {
			if (!patched.has(node) && node.yogaNode && node.style?.textWrap?.startsWith('truncate')) {
				node.yogaNode.setMeasureFunc(() => measure(node));
				patched.add(node);
				count++;
			}

			return;
		}

		for (const child of node.childNodes ?? []) {
			visit(child);
		}
	};

	if (root && typeof root === 'object') {
		visit(root as InkNode);
	}

	return count;
}
