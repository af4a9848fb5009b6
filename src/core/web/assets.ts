/**
 * The page's three files (`page/index.html`, `app.css`, `app.js`), served from memory. Run from
 * the sources they are read once, beside this module; inside `dist/tm` the build has put their
 * contents in the bundle (`__TM_PAGE__`, scripts/build.mjs), where nothing is read from disk.
 */
import {readFile} from 'node:fs/promises';
import path from 'node:path';

export type PageFile = 'index.html' | 'app.css' | 'app.js';

export type Page = Record<PageFile, string>;

declare const __TM_PAGE__: Page | undefined;

export const pageTypes: Record<PageFile, string> = {
	'index.html': 'text/html; charset=utf-8',
	'app.css': 'text/css; charset=utf-8',
	'app.js': 'text/javascript; charset=utf-8',
};

let loaded: Promise<Page> | null = null;

/** The page's files; read on the first call when not embedded. */
export function loadPage(): Promise<Page> {
	if (typeof __TM_PAGE__ === 'object') {
		return Promise.resolve(__TM_PAGE__);
	}

	loaded ??= readPage(path.join(import.meta.dirname, 'page')).catch((error: unknown) => {
		loaded = null;
		throw error;
	});
	return loaded;
}

async function readPage(dir: string): Promise<Page> {
	const read = (file: PageFile): Promise<string> => readFile(path.join(dir, file), 'utf8');
	const [html, css, js] = await Promise.all([read('index.html'), read('app.css'), read('app.js')]);
	return {'index.html': html, 'app.css': css, 'app.js': js};
}
