// `npm run bench:startup`: how long `dist/tm --version` takes next to a bare `node -e 0`.
// Runs are interleaved (one of each command per round) so that the noise of a shared machine
// falls on all commands alike; each line gives the minimum and the median of the rounds, after
// two warm-up rounds (on a busy machine the minimum is the steadier figure).
// Both with the environment as it is and without NODE_EXTRA_CA_CERTS, which Node 20 reads
// eagerly at start (about 40 ms here) and Node 24 lazily.
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {pin} from './runtime.mjs';

const root = path.resolve(import.meta.dirname, '..');
const tm = path.join(root, 'dist/tm');
const node24 = path.join(root, `.cache/node-v${pin.version}-linux-x64/bin/node`);
const rounds = Number(process.env.ROUNDS ?? 20);
if (!fs.existsSync(tm)) {
	process.stderr.write('dist/tm is missing: npm run build first\n');
	process.exit(1);
}

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-bench-'));
const commands = [
	[`node -e 0 (${process.version}, PATH)`, process.execPath, ['-e', '0']],
	...(fs.existsSync(node24) ? [[`node -e 0 (v${pin.version}, embedded)`, node24, ['-e', '0']]] : []),
	['dist/tm --version', tm, ['--version']],
	['dist/tm version --json (loads SQLite)', tm, ['version', '--json']],
];

function measure(env) {
	const samples = commands.map(() => []);
	for (let round = -2; round < rounds; round++) {
		commands.forEach(([, command, args], i) => {
			const t0 = process.hrtime.bigint();
			const result = spawnSync(command, args, {env, stdio: 'ignore'});
			const ms = Number(process.hrtime.bigint() - t0) / 1e6;
			if (result.status !== 0) {
				throw new Error(`${command} ${args.join(' ')} exited with ${result.status}`);
			}

			if (round >= 0) {
				samples[i].push(ms);
			}
		});
	}

	return samples.map(list => {
		list.sort((a, b) => a - b);
		return {min: list[0], median: list[Math.floor(list.length / 2)]};
	});
}

const base = {...process.env, HOME: home, XDG_CACHE_HOME: path.join(home, 'cache')};
delete base.NODE_OPTIONS;
const without = {...base};
delete without.NODE_EXTRA_CA_CERTS;
const envs = [
	[`as is${base.NODE_EXTRA_CA_CERTS ? ' (NODE_EXTRA_CA_CERTS set)' : ''}`, base],
	['NODE_EXTRA_CA_CERTS unset', without],
];
process.stdout.write(`${rounds} interleaved runs, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}: min / median\n`);
for (const [label, env] of envs) {
	const medians = measure(env);
	process.stdout.write(`\n${label}\n`);
	commands.forEach(([name], i) => {
		const {min, median} = medians[i];
		process.stdout.write(`  ${min.toFixed(1).padStart(6)} / ${median.toFixed(1).padStart(6)} ms  ${name}\n`);
	});
}

fs.rmSync(home, {recursive: true, force: true});
