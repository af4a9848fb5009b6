/**
 * The page's files (`page/index.html`, `app.css`, `app.js`, `console.js`), served from memory. Run from
 * the sources they are read once, beside this module; inside `dist/tm` the build has put their
 * contents in the bundle (`__TM_PAGE__`, scripts/build.mjs), where nothing is read from disk.
 */
import {readFile} from 'node:fs/promises';
import path from 'node:path';

/** The page's files; scripts/build.mjs embeds every .html, .css and .js of page/. */
export const pageFiles = ['index.html', 'app.css', 'app.js', 'console.js'] as const;

export type PageFile = (typeof pageFiles)[number];

export type Page = Record<PageFile, string>;

declare const __TM_PAGE__: Page | undefined;

export const pageTypes: Record<PageFile, string> = {
	'index.html': 'text/html; charset=utf-8',
	'app.css': 'text/css; charset=utf-8',
	'app.js': 'text/javascript; charset=utf-8',
	'console.js': 'text/javascript; charset=utf-8',
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
	const texts = await Promise.all(pageFiles.map(file => readFile(path.join(dir, file), 'utf8')));
	return Object.fromEntries(pageFiles.map((file, i) => [file, texts[i] ?? ''])) as Page;
}
