/**
 * A large config on stdout, to measure `tm validate` (issue 16): N programs (10,000) of one kind.
 *   plain    cmd, autostart, stoptime, an env of 2, numprocs 2 (1.2 MB for 10,000)
 *   rich     plain and 10 more keys: autorestart, exitcodes, startretries, starttime, stopsignal,
 *            stdout, workingdir, umask, backoff and log maps (3.7 MB)
 *   anchors  the first program's settings merged into every other (`<<: *defaults`)
 * Measure with `/usr/bin/time -v node --import tsx bin/tm.ts validate -c FILE` (maximum resident
 * set size, elapsed and CPU time), e.g.
 *   npx tsx bench/config-gen.ts 10000 rich > /tmp/rich.yaml
 */
const count = Number(process.argv[2] ?? 10_000);
const kind = process.argv[3] ?? 'plain';
if (!Number.isInteger(count) || count < 1 || !['plain', 'rich', 'anchors'].includes(kind)) {
	process.stderr.write('usage: tsx bench/config-gen.ts [N] [plain|rich|anchors]\n');
	process.exit(2);
}

const lines = ['programs:'];
for (let i = 0; i < count; i++) {
	const merged = kind === 'anchors' && i > 0;
	lines.push(kind === 'anchors' && i === 0 ? `  prog-${i}: &defaults` : `  prog-${i}:`);
	lines.push(...(merged ? ['    <<: *defaults'] : []), `    cmd: /bin/sleep ${1000 + i}`);
	if (!merged) {
		lines.push('    autostart: false', '    stoptime: 5s', '    env: {A: "1", B: "2"}');
	}

	if (kind === 'rich') {
		lines.push('    autorestart: unexpected', '    exitcodes: [0, 2]', '    startretries: 3', '    starttime: 1', '    stopsignal: TERM');
		lines.push(`    stdout: /tmp/tm-logs/prog-${i}.out`, '    workingdir: /tmp', '    umask: "022"');
		lines.push('    backoff: {initial: 1s, max: 30s}', '    log: {max_size: 10M, backups: 3}');
	}

	lines.push('    numprocs: 2');
}

process.stdout.write(`${lines.join('\n')}\n`);
