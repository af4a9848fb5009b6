import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {stopWaves} from '../../../src/core/dependencies.js';
import {makeSpec} from '../../helpers/spec.js';

const task = (id: string, dependsOn: Record<string, 'started'> = {}) => ({spec: makeSpec({id, program: id, name: id, dependsOn})});

describe('stopWaves', () => {
	it('stops dependents before what they depend on: web, then api, then db', () => {
		const db = task('db');
		const api = task('api', {db: 'started'});
		const web = task('web', {api: 'started'});
		const lone = task('lone');
		assert.deepEqual(
			stopWaves([db, api, web, lone]).map(wave => wave.map(t => t.spec.id)),
			[['web', 'lone'], ['api'], ['db']],
		);
	});

	it('puts a cycle in one last wave instead of looping', () => {
		const a = task('a', {b: 'started'});
		const b = task('b', {a: 'started'});
		assert.deepEqual(stopWaves([a, b]).map(wave => wave.map(t => t.spec.id)), [['a', 'b']]);
	});
});
