/**
 * Every command's --help lists the options every command takes (--json, --home, --socket).
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {tm} from '../../helpers/cli.js';

describe('tm COMMAND --help', () => {
	it('lists --json, --home and --socket for each command', async () => {
		const help = await tm(['--help']);
		const commands = [...help.out.matchAll(/^ {2}([a-z]+)\b/gm)].map(match => match[1]!).filter(name => name !== 'help');
		assert.ok(commands.length >= 20, `the commands of tm --help: ${commands.join(' ')}`);
		for (const command of commands) {
			const result = await tm([command, '--help']);
			assert.equal(result.code, 0, `${command}: ${result.err}`);
			for (const option of ['--json', '--home <dir>', '--socket <path>']) {
				assert.ok(result.out.includes(option), `tm ${command} --help lists ${option}:\n${result.out}`);
			}
		}
	});
});
