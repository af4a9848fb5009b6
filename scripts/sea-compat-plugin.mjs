// esbuild plugin that lets Ink 6 and yoga-layout 3 bundle into one CommonJS file (a Node SEA's
// main script must be CommonJS). It removes every top-level await (research/single-binary.md):
//   1. yoga-layout/dist/src/index.js: `wrapAssembly(await loadYoga())` -> synchronous
//      WebAssembly.Module/Instance through Emscripten's `instantiateWasm` hook.
//   2. yoga-layout/dist/binaries/yoga-wasm-base64-esm.js: drops the duplicate base64 wasm literal
//      (only the async path used it) and `import.meta.url`.
//   3. ink/build/reconciler.js: drops the DEV-only `await import('./devtools.js')` and
//      `await loadPackageJson()` (react-devtools-core is an optional peer we do not ship).
//   4. `bindings` (better-sqlite3's default addon loader) -> a stub; tm passes `nativeBinding`.
// Every rewrite asserts that its pattern matched, so a dependency upgrade fails the build loudly
// instead of producing a broken binary.
import fs from 'node:fs';

const wasmPrefix = 'data:application/octet-stream;base64,';

function mustReplace(source, from, to, what) {
	const out = typeof from === 'string' ? source.split(from).join(to) : source.replace(from, to);
	if (out === source) {
		throw new Error(`sea-compat: the pattern for ${what} was not found (did the dependency change?)`);
	}

	return out;
}

function wasmBase64(glue) {
	const match = /"data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)"/.exec(glue);
	if (!match) {
		throw new Error('sea-compat: the yoga wasm base64 literal was not found');
	}

	return match[1];
}

/** Names of the rewrites that ran, for the build's summary (and for a check that they still match). */
export const applied = new Set();

export const seaCompat = {
	name: 'sea-compat',
	setup(build) {
		build.onLoad({filter: /[\\/]yoga-layout[\\/]dist[\\/]src[\\/]index\.js$/}, async args => {
			const source = await fs.promises.readFile(args.path, 'utf8');
			const gluePath = new URL('../binaries/yoga-wasm-base64-esm.js', `file://${args.path}`);
			const b64 = wasmBase64(await fs.promises.readFile(gluePath, 'utf8'));
			const contents = mustReplace(
				source,
				'const Yoga = wrapAssembly(await loadYoga());',
				`const __yogaWasm = Buffer.from(${JSON.stringify(b64)}, 'base64');
const __yogaModule = {
	// Emscripten hook: instantiate synchronously instead of the async WebAssembly.instantiate().
	instantiateWasm(imports, successCallback) {
		const instance = new WebAssembly.Instance(new WebAssembly.Module(__yogaWasm), imports);
		successCallback(instance);
		return instance.exports;
	},
};
loadYoga(__yogaModule); // a promise, but with the synchronous hook the module is ready now
if (!__yogaModule.calledRun) throw new Error('yoga-layout did not initialise synchronously');
const Yoga = wrapAssembly(__yogaModule);`,
				'yoga top-level await',
			);
			applied.add('yoga');
			return {contents, loader: 'js'};
		});

		build.onLoad({filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/}, async args => {
			let source = await fs.promises.readFile(args.path, 'utf8');
			source = mustReplace(source, /"data:application\/octet-stream;base64,[A-Za-z0-9+/=]+"/, JSON.stringify(wasmPrefix), 'yoga wasm literal');
			source = mustReplace(source, 'import.meta.url', 'undefined', 'yoga import.meta.url');
			applied.add('yoga-glue');
			return {contents: source, loader: 'js'};
		});

		build.onLoad({filter: /[\\/]ink[\\/]build[\\/]reconciler\.js$/}, async args => {
			let source = await fs.promises.readFile(args.path, 'utf8');
			source = mustReplace(
				source,
				/if \(isDev\(\)\) \{\s*try \{\s*await import\('\.\/devtools\.js'\);[\s\S]*?\n\}\n/,
				'/* sea-compat: react-devtools hook removed */\n',
				'ink devtools await',
			);
			source = mustReplace(source, /isDev\(\)\s*\?\s*await loadPackageJson\(\)\s*:/, 'false ? undefined :', 'ink loadPackageJson await');
			source = mustReplace(source, "new URL('../package.json', import.meta.url)", "'package.json'", 'ink import.meta');
			applied.add('ink');
			return {contents: source, loader: 'js'};
		});

		build.onResolve({filter: /^bindings$/}, () => ({path: 'bindings-stub', namespace: 'sea-compat'}));
		build.onLoad({filter: /^bindings-stub$/, namespace: 'sea-compat'}, () => ({
			contents: "module.exports = () => { throw new Error('tm: better-sqlite3 must be given nativeBinding in the single executable'); };",
			loader: 'js',
		}));

		// pg's optional native client (pg.native, which tm never uses): not in the executable.
		build.onResolve({filter: /^pg-native$/}, () => ({path: 'pg-native-stub', namespace: 'sea-compat'}));
		build.onLoad({filter: /^pg-native-stub$/, namespace: 'sea-compat'}, () => ({
			contents: "throw new Error('tm: pg-native is not in the single executable; tm uses pg in pure JavaScript');",
			loader: 'js',
		}));
	},
};
