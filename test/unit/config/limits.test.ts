/**
 * The config's limits: how far aliases may expand (`aliases.ts`), and log file names that must
 * fit a file name (`log-names.ts`, by the rule of `core/paths.ts`).
 */
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {aliasLimits} from '../../../src/core/config/aliases.js';
import {formatIssue} from '../../../src/core/config/issue.js';
import {loadConfigText} from '../../../src/core/config/load.js';
import {parseYaml} from '../../../src/core/config/parse.js';
import {dependencyHints} from '../../../src/core/config/validate.js';
import {defaultLogNames, fileNameExcess, fileNameLimit, longestLogName, rotatedLogPath} from '../../../src/core/paths.js';

/** `a:` an anchored list of `size` zeros, `b:` a list of `aliases` aliases to it. */
function fan(size: number, aliases: number): string {
	return `a: &a [${Array.from({length: size}, () => '0').join(', ')}]\nb: [${Array.from({length: aliases}, () => '*a').join(', ')}]\n`;
}

function issuesOf(text: string): string[] {
	const result = loadConfigText(text, 'tm.yaml');
	return result.ok ? [] : result.error.map(formatIssue);
}

describe('alias limits', () => {
	test('aliases may add 100 nodes per node written: 200 × 200 fits, 205 × 205 does not', () => {
		// Written: the top map, 2 keys, 2 lists, the zeros and the aliases; each alias adds `size` nodes.
		assert.equal(aliasLimits.perWrittenNode, 100);
		assert.ok(parseYaml(fan(200, 200), 'tm.yaml').ok, '40,000 added, 40,500 allowed');
		const refused = parseYaml(fan(205, 205), 'tm.yaml');
		assert.ok(!refused.ok);
		assert.equal(refused.error.length, 1);
		// 42,025 added, 41,500 allowed: the 203rd alias is the one that passes.
		assert.equal(refused.error[0]?.line, 2);
		assert.equal(refused.error[0]?.col, 5 + 4 * 202);
		assert.match(refused.error[0]?.message ?? '', /^alias \*a passes the limit on aliases: with every alias expanded this file would hold 42,440 YAML nodes, written with 415;/);
	});

	test('and 1,000,000 in all, whatever the size of the file', () => {
		assert.equal(aliasLimits.total, 1_000_000);
		assert.ok(parseYaml(fan(10_000, 100), 'tm.yaml').ok, 'exactly 1,000,000 added');
		assert.ok(!parseYaml(fan(10_000, 101), 'tm.yaml').ok);
	});

	test('forty levels of nine aliases are refused at once, never expanded', {timeout: 5000}, () => {
		const lines = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
		for (let level = 1; level < 40; level++) {
			lines.push(`l${level}: &l${level} [${Array.from({length: 9}, () => `*l${level - 1}`).join(', ')}]`);
		}

		const result = parseYaml(lines.join('\n'), 'tm.yaml');
		assert.ok(!result.ok);
		assert.match(result.error[0]?.message ?? '', /would hold [\d,]+ YAML nodes/);
	});

	test('an alias inside its own anchor is refused where it is, in a list, a map or a merge', () => {
		assert.deepEqual(issuesOf('programs:\n  web:\n    cmd: a\n    exitcodes: &x [0, *x]\n'), [
			'tm.yaml:4:23 alias *x is inside the node &x names, so it never ends; point it at a node outside',
		]);
		assert.equal(issuesOf('programs:\n  web:\n    cmd: a\n    env: &x {A: *x}\n').length, 1);
		assert.equal(issuesOf('programs:\n  web: &x\n    cmd: a\n    <<: *x\n').length, 1);
	});

	test('an alias stands for the last node its anchor named before it', () => {
		const result = loadConfigText('programs:\n  a: &p\n    cmd: one\n  b:\n    <<: *p\n  c: &p\n    cmd: two\n  d:\n    <<: *p\n', 'tm.yaml');
		assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
		assert.deepEqual(
			result.value.programs.map(program => program.cmd),
			['one', 'one', 'two', 'two'],
		);
	});

	test('a value read through an alias is the anchored value', () => {
		const result = loadConfigText('programs:\n  a:\n    cmd: one\n    env: &e {A: "1", B: "2"}\n    exitcodes: &c [0, 3]\n  b:\n    cmd: two\n    env: *e\n    exitcodes: *c\n', 'tm.yaml');
		assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
		assert.deepEqual(result.value.programs[1]?.env, {A: '1', B: '2'});
		assert.deepEqual(result.value.programs[1]?.exitcodes, [0, 3]);
	});
});

describe('log file names', () => {
	test('core/paths owns the names: default names, rotated files, the limit', () => {
		assert.deepEqual(defaultLogNames('web:3'), {stdout: 'web:3.out.log', stderr: 'web:3.err.log'});
		assert.equal(rotatedLogPath('/var/log/web.log', 12), '/var/log/web.log.12');
		assert.equal(longestLogName('/var/log/web.log', {maxSize: 1024, backups: 12}), 'web.log.12');
		assert.equal(longestLogName('/var/log/web.log', {maxSize: 0, backups: 12}), 'web.log', 'max_size 0 never rotates');
		assert.equal(longestLogName('/var/log/web.log', {maxSize: 1024, backups: 0}), 'web.log', 'backups 0 truncates in place');
		assert.equal(fileNameLimit, 255);
		assert.equal(fileNameExcess('é'.repeat(128)), 1, 'bytes, not characters');
	});

	test('the rotated files count: 247 characters fit only when the log does not rotate into old files', () => {
		const name = 'w'.repeat(247);
		assert.equal(issuesOf(`programs:\n  ${name}:\n    cmd: a\n    log: {max_size: 0}\n`).length, 0);
		assert.equal(issuesOf(`programs:\n  ${name}:\n    cmd: a\n    log: {backups: 0}\n`).length, 0);
		assert.deepEqual(issuesOf(`programs:\n  ${name}:\n    cmd: a\n`), [
			`tm.yaml:2:3 programs.${name}: the log file name "${'w'.repeat(24)}…${'w'.repeat(10)}.out.log.5" would be 257 bytes, over the limit of 255 for a file name: shorten the program name to at most 245 characters`,
		]);
	});

	test('stdout and stderr as written, placeholders and instance numbers expanded, are refused at the key', () => {
		const name = 'v'.repeat(249);
		const issues = issuesOf(`programs:\n  ${name}:\n    cmd: a\n    numprocs: 2\n    stdout: /var/log/%(program_name)s.log\n    stderr: /var/log/e.log\n`);
		// v….log → v….1.log (instances share no file) → v….1.log.5 (rotated): 249 + 6 + 2 bytes.
		assert.deepEqual(issues, [
			`tm.yaml:5:13 programs.${name}.stdout: the log file name "${'v'.repeat(24)}…${'v'.repeat(12)}.1.log.5" would be 257 bytes, over the limit of 255 for a file name: shorten it`,
		]);
	});
});

describe('did you mean, bounded', () => {
	test('only the first unknown dependencies get a hint: each costs a pass over every program name', () => {
		const programs = Array.from({length: 25}, (_, i) => `  web-${i}:\n    cmd: a\n    depends_on: [wbe-${i}]\n`);
		const issues = issuesOf(`programs:\n${programs.join('')}`);
		assert.equal(issues.length, 25);
		assert.equal(dependencyHints, 20);
		assert.equal(issues.filter(issue => issue.includes('did you mean')).length, 20);
		assert.match(issues[0] ?? '', /unknown program "wbe-0"; did you mean "web-0"\?$/);
		assert.match(issues[24] ?? '', /unknown program "wbe-24"$/);
	});
});

describe('numprocs limit', () => {
	test('10,000 instances of a program are accepted, more than 100,000 refused naming the key and the range', () => {
		const many = loadConfigText('programs:\n  web:\n    cmd: sleep 1000\n    numprocs: 10000\n', 'tm.yaml');
		assert.ok(many.ok);
		assert.equal(many.value.programs[0]?.numprocs, 10_000);
		assert.deepEqual(issuesOf('programs:\n  web:\n    cmd: a\n    numprocs: 100001\n'), ['tm.yaml:4:15 programs.web.numprocs: expected an integer from 1 to 100000, got 100001']);
	});
});
