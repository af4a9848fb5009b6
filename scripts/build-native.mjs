#!/usr/bin/env node
// Compiles tm's own native addon (native/*.c → native/build/tm_spawn.node), run by `npm ci`
// (postinstall) and by `npm run build`. Node-API only, so the one file loads in the Node running
// the tests and in the Node embedded in dist/tm. Needs a C compiler, as better-sqlite3 does.
// Usage: node scripts/build-native.mjs [--headers DIR] [--out FILE]
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const option = name => {
	const at = args.indexOf(name);
	return at === -1 ? undefined : args[at + 1];
};

/** Node's headers: --headers, else $npm_config_nodedir/include/node, else beside the running node. */
function headers() {
	const candidates = [
		option('--headers'),
		process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
		path.join(path.dirname(path.dirname(process.execPath)), 'include', 'node'),
	].filter(Boolean);
	const found = candidates.find(dir => fs.existsSync(path.join(dir, 'node_api.h')));
	if (!found) {
		throw new Error(`node_api.h not found in ${candidates.join(', ')}: install Node with its headers or pass --headers DIR`);
	}

	return found;
}

const sources = ['spawn.c', 'spawn-join.c', 'bytes.c', 'memory.c', 'fd-limit.c', 'pipe-reader.c', 'proc-stats.c'].map(file => path.join(root, 'native', file));
const out = path.resolve(option('--out') ?? path.join(root, 'native', 'build', 'tm_spawn.node'));
fs.mkdirSync(path.dirname(out), {recursive: true});
const compiler = process.env.CC || 'cc';
const command = [compiler, '-std=gnu11', '-O2', '-fPIC', '-shared', '-Wall', '-Wextra', '-Werror', '-I', headers(), ...sources, '-o', `${out}.tmp`];
try {
	execFileSync(command[0], command.slice(1), {stdio: 'inherit'});
} catch (error) {
	process.stderr.write(`tm: cannot compile ${sources.map(source => path.relative(root, source)).join(' and ')} with ${compiler} (${error.message}); install a C compiler (apt-get install build-essential), as better-sqlite3 needs too\n`);
	process.exit(1);
}

fs.renameSync(`${out}.tmp`, out);
process.stdout.write(`tm: built ${path.relative(process.cwd(), out)}\n`);
