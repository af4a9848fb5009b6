// `npm run build`: the single executable dist/tm (research/single-binary.md and
// single-binary-node24.md are the recipes):
//   1. the pinned Node 24 and better-sqlite3 compiled for it, GC stress checked (scripts/runtime.mjs)
//   2. esbuild: bin/tm.ts -> dist/tm.cjs, one CommonJS file (sea-compat plugin for Ink and yoga);
//      commands stay lazy: `tm --version` evaluates only the command line itself; the web page's
//      files are inlined (__TM_PAGE__)
//   3. Ink probe: the dashboard's libraries bundle and render in the embedded Node
//   4. the SEA blob (the bundle, its V8 code cache, the addon as an asset), made by that Node
//   5. a stripped copy of that Node with the blob injected (postject), checked, renamed to dist/tm
// Must run through npm (`npm run build`), which provides node-gyp. Nothing in node_modules changes.
import {execFileSync, spawnSync} from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import {createRequire} from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import {checkAddon, ensureAddon, ensureRuntime} from './runtime.mjs';
import {applied, seaCompat} from './sea-compat-plugin.mjs';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');
const require = createRequire(import.meta.url);
const fuse = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const started = Date.now();
const timings = [];
const log = message => process.stdout.write(`build: ${message}\n`);

async function step(name, work) {
	const t0 = Date.now();
	const result = await work();
	timings.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
	return result;
}

/** An environment for the embedded Node with nothing that changes how it runs. */
function cleanEnv(extra = {}) {
	const env = {...process.env, ...extra};
	delete env.NODE_OPTIONS;
	return env;
}

function checkVersions() {
	const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
	const source = /version = '([^']+)'/.exec(fs.readFileSync(path.join(root, 'src/core/version.ts'), 'utf8'))?.[1];
	if (pkg !== source) {
		throw new Error(`package.json says ${pkg} but src/core/version.ts says ${source}; make them agree`);
	}

	return pkg;
}

async function bundle(entry, outfile, runtime, define = {}) {
	const result = await esbuild.build({
		entryPoints: [path.join(root, entry)],
		outfile,
		bundle: true,
		platform: 'node',
		target: `node${runtime.version.split('.')[0]}`,
		format: 'cjs',
		minify: true,
		legalComments: 'none',
		metafile: true,
		logLevel: 'silent',
		// import.meta: for the sources' run-from-the-repository paths, never taken inside the executable.
		define: {'process.env.NODE_ENV': '"production"', 'import.meta.dirname': 'undefined', 'import.meta.url': 'undefined', ...define},
		plugins: [seaCompat],
	});
	if (result.warnings.length > 0) {
		const text = await esbuild.formatMessages(result.warnings, {kind: 'warning'});
		throw new Error(`esbuild warnings in ${entry} (a warning here is a broken executable later):\n${text.join('')}`);
	}

	// The executable holds one file: nothing may be left to load from disk at run time.
	const external = Object.values(result.metafile.outputs).flatMap(output => output.imports.filter(i => i.external && !i.path.startsWith('node:')));
	const builtins = new Set(require('node:module').builtinModules);
	const missing = external.filter(i => !builtins.has(i.path));
	if (missing.length > 0) {
		throw new Error(`${entry}: the bundle would load ${missing.map(i => `${i.path} (${i.kind})`).join(', ')} at run time`);
	}

	return result.metafile;
}

/**
 * What every command line evaluates, `tm --version` included: the entry's static imports. Only
 * the command line itself may be there; a command's code loads when it is named (program.ts).
 */
function checkEager(meta) {
	const allowed = [/^bin\//, /^src\/commands\/program\.ts$/, /^src\/core\/version\.ts$/, /node_modules\/commander\//];
	const eager = new Set();
	const stack = ['bin/tm.ts'];
	while (stack.length > 0) {
		const file = stack.pop();
		if (!eager.has(file)) {
			eager.add(file);
			stack.push(...(meta.inputs[file]?.imports ?? []).filter(i => !i.external && i.kind !== 'dynamic-import').map(i => i.path));
		}
	}

	const ok = file => allowed.some(pattern => pattern.test(file));
	const extra = [...eager].filter(file => !ok(file));
	if (extra.length > 0) {
		const culprits = [...eager]
			.filter(ok)
			.flatMap(file => (meta.inputs[file]?.imports ?? []).filter(i => !i.external && i.kind !== 'dynamic-import' && !ok(i.path)).map(i => `${file} imports ${i.path}`));
		throw new Error(`every command line (even tm --version) would load ${extra.length} more files: ${culprits.join('; ')}. Import them from the command's own module instead`);
	}
}

/** The web view's page (src/core/web/assets.ts): its files go into the bundle, as nothing is read from disk there. */
function webPage() {
	const dir = path.join(root, 'src/core/web/page');
	const files = fs.readdirSync(dir).filter(file => /\.(html|css|js)$/.test(file));
	return Object.fromEntries(files.map(file => [file, fs.readFileSync(path.join(dir, file), 'utf8')]));
}

async function main() {
	const version = checkVersions();
	const runtime = await step('runtime', () => ensureRuntime(log));
	const addon = await step('addon', () => ensureAddon(runtime, log));
	const gc = await step('GC stress check', () => checkAddon(runtime, addon));
	log(gc);
	// tm's own addon (Node-API: one build serves every Node), compiled against the embedded Node's headers.
	const spawnAddon = path.join(dist, 'tm_spawn.node');
	await step('spawn addon', () =>
		execFileSync(process.execPath, [path.join(root, 'scripts/build-native.mjs'), '--headers', path.join(runtime.nodedir, 'include/node'), '--out', spawnAddon], {stdio: 'ignore'}),
	);

	fs.mkdirSync(dist, {recursive: true});
	for (const name of ['tm', 'tm.cjs', 'meta.json', 'sea-config.json', 'sea-prep.blob', 'ink-probe.cjs']) {
		fs.rmSync(path.join(dist, name), {force: true});
	}

	const addonBytes = fs.readFileSync(addon);
	const addonHash = crypto.createHash('sha256').update(addonBytes).update(fs.readFileSync(spawnAddon)).update(runtime.abi).digest('hex').slice(0, 16);
	const main = path.join(dist, 'tm.cjs');
	const meta = await step('bundle', () => bundle('bin/tm.ts', main, runtime, {__TM_ADDON_HASH__: JSON.stringify(addonHash), __TM_PAGE__: JSON.stringify(webPage())}));
	fs.writeFileSync(path.join(dist, 'meta.json'), JSON.stringify(meta));
	checkEager(meta);
	log(`dist/tm.cjs ${(fs.statSync(main).size / 1024).toFixed(0)} KiB, addon ${addonHash}`);

	if (!applied.has('ink')) {
		// Until a command imports Ink, check the plugin on a probe so the dashboard can land as is.
		const probe = path.join(dist, 'ink-probe.cjs');
		const out = await step('ink probe', async () => {
			await bundle('scripts/ink-probe.mjs', probe, runtime);
			return execFileSync(runtime.node, [probe], {encoding: 'utf8', env: cleanEnv()});
		});
		if (!out.includes('ink ok')) {
			throw new Error(`the Ink probe did not render:\n${out}`);
		}

		fs.rmSync(probe);
	}

	const seaConfig = path.join(dist, 'sea-config.json');
	const blob = path.join(dist, 'sea-prep.blob');
	fs.writeFileSync(
		seaConfig,
		JSON.stringify(
			{
				main,
				output: blob,
				disableExperimentalSEAWarning: true,
				useCodeCache: true,
				// NODE_OPTIONS (--require, --inspect, …) from the user's shell never reaches tm's runtime.
				execArgvExtension: 'none',
				// A 1 MiB young generation (16 MiB by default): the daemon's W1 RSS with 100 programs 51 → 45 MiB,
				// job throughput unchanged within the noise (bench/jobs.ts).
				execArgv: ['--max-semi-space-size=1'],
				assets: {'better_sqlite3.node': addon, 'tm_spawn.node': spawnAddon},
			},
			null,
			'\t',
		),
	);
	// The blob must come from the very Node it is injected into (another one crashes at start).
	await step('blob', () => execFileSync(runtime.node, ['--experimental-sea-config', seaConfig], {stdio: 'ignore', env: cleanEnv()}));

	const tmp = path.join(dist, `tm.tmp-${process.pid}`);
	await step('inject', () => {
		fs.copyFileSync(runtime.node, tmp);
		fs.chmodSync(tmp, 0o755);
		if (spawnSync('strip', [tmp]).status !== 0) {
			log('strip is not available: the executable keeps its debug symbols (about 18 MB more)');
		}

		// postject (LIEF) prints a harmless "Can't find string offset for section name" per note section.
		const postject = spawnSync(process.execPath, [require.resolve('postject/dist/cli.js'), tmp, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', fuse], {encoding: 'utf8'});
		if (postject.status !== 0) {
			throw new Error(`postject failed (status ${postject.status}):\n${postject.stdout}${postject.stderr}`);
		}
	});

	await step('verify', () => {
		if (!fs.readFileSync(tmp).includes(`${fuse}:1`)) {
			throw new Error('the SEA fuse was not flipped: the blob was not injected');
		}

		const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-build-'));
		try {
			// No node on PATH, an empty HOME: the addon is extracted and loaded from the executable.
			const env = {PATH: '/nonexistent', HOME: home};
			const said = execFileSync(tmp, ['--version'], {encoding: 'utf8', env}).trim();
			if (said !== version) {
				throw new Error(`dist/tm --version printed ${JSON.stringify(said)}, expected ${version}`);
			}

			const doc = JSON.parse(execFileSync(tmp, ['version', '--json'], {encoding: 'utf8', env}));
			if (doc.node !== runtime.version || !/^3\.\d+\.\d+$/.test(doc.sqlite)) {
				throw new Error(`dist/tm version --json: ${JSON.stringify(doc)}`);
			}

			log(`dist/tm version --json: ${JSON.stringify(doc)}`);
		} finally {
			fs.rmSync(home, {recursive: true, force: true});
		}
	});
	fs.renameSync(tmp, path.join(dist, 'tm'));
	const size = fs.statSync(path.join(dist, 'tm')).size;
	log(`dist/tm ${(size / 1e6).toFixed(1)} MB (node ${runtime.version}) in ${((Date.now() - started) / 1000).toFixed(1)} s: ${timings.join(', ')}`);
}

try {
	await main();
} catch (error) {
	process.stderr.write(`build: ${error instanceof Error ? error.message : String(error)}\n`);
	for (const file of fs.existsSync(dist) ? fs.readdirSync(dist) : []) {
		if (file.startsWith('tm.tmp-')) {
			fs.rmSync(path.join(dist, file), {force: true});
		}
	}

	process.exitCode = 1;
}
