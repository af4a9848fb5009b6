/**
 * What `npm run setup` gives a newcomer: `package.json`'s `bin` names a file `npm run build:tsc`
 * makes, and that file is a working `tm`, web console included (its page files are copied
 * beside the compiled code). The setup script itself runs the same steps.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {existsSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');

describe('the tm command npm link installs', () => {
	it('is the compiled CLI, which build:tsc makes, and it runs', {timeout: 120_000}, () => {
		const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {bin: {tm: string}; scripts: Record<string, string>};
		const built = spawnSync('npm', ['run', '-s', 'build:tsc'], {cwd: root, encoding: 'utf8'});
		assert.equal(built.status, 0, built.stderr);
		const bin = path.join(root, pkg.bin.tm);
		assert.ok(existsSync(bin), `${pkg.bin.tm} exists after npm run build:tsc`);
		assert.match(readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/);
		for (const file of ['index.html', 'app.css', 'app.js']) {
			assert.ok(statSync(path.join(root, 'dist/src/core/web/page', file)).size > 0, `the console's ${file} is beside the compiled web view`);
		}

		const version = spawnSync(process.execPath, [bin, 'version', '--json'], {cwd: root, encoding: 'utf8'});
		assert.equal(version.status, 0, version.stderr);
		assert.match(version.stdout, /"tm"/);
		const setup = readFileSync(path.join(root, 'scripts/setup.sh'), 'utf8');
		assert.equal(pkg.scripts['setup'], 'bash scripts/setup.sh');
		for (const step of ['npm_config_nodedir', 'npm ci', 'npm run -s build:tsc', 'npm link', 'tm up -c examples/demo.yaml']) {
			assert.ok(setup.includes(step), `setup.sh runs ${step}`);
		}
	});
});
