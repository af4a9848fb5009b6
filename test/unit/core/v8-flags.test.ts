/**
 * V8 settings per process. The daemon without V8's optimizing compilers: in a real Node process, a function called a
 * million times stays unoptimized after applyDaemonJit, and is optimized with TM_JIT=full (the
 * control that shows the probe can tell).
 */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import path from 'node:path';
import {describe, it} from 'node:test';
import {applyDaemonJit, applyDashboardHeap} from '../../../src/core/v8-flags.js';

const module = path.resolve(import.meta.dirname, '../../../src/core/v8-flags.ts');

// V8's OptimizationStatus bits: kOptimized (16), kMaglevved (32), kTurboFanned (64).
const optimizedBits = 16 | 32 | 64;

/** The status bits of a hot function in a child that applied the daemon's choice under `env`. */
function hotStatus(env: Record<string, string>): number {
	const script = `
		const {applyDaemonJit} = await import(${JSON.stringify(module)});
		const jit = applyDaemonJit(process.env);
		function add(a, b) { return a + b; }
		let sum = 0;
		for (let i = 0; i < 1e6; i++) sum = add(sum, i) % 1000;
		const status = new Function('f', 'return %GetOptimizationStatus(f)')(add);
		process.stdout.write(JSON.stringify({jit, status}));`;
	const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script], {
		env: {...process.env, ...env},
		encoding: 'utf8',
		timeout: 60_000,
	});
	const {jit, status} = JSON.parse(out) as {jit: string; status: number};
	assert.equal(jit, env['TM_JIT'] === 'full' ? 'full' : 'baseline');
	return status;
}

describe('the daemon JIT', () => {
	it('leaves hot code unoptimized; TM_JIT=full optimizes it', () => {
		assert.equal(hotStatus({TM_JIT: ''}) & optimizedBits, 0);
		assert.notEqual(hotStatus({TM_JIT: 'full'}) & optimizedBits, 0);
	});

	it('tm top asks for a heap that grows slowly', () => {
		const set: string[] = [];
		applyDashboardHeap(flags => set.push(flags));
		assert.deepEqual(set, ['--optimize-for-size']);
	});

	it('sets both flags unless TM_JIT=full', () => {
		const set: string[] = [];
		assert.equal(
			applyDaemonJit({}, flags => set.push(flags)),
			'baseline',
		);
		assert.deepEqual(set, ['--no-maglev', '--no-turbofan']);
		assert.equal(
			applyDaemonJit({TM_JIT: 'full'}, flags => set.push(flags)),
			'full',
		);
		assert.equal(set.length, 2);
	});
});
