import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {Router} from '../../../src/core/web/router.js';

describe('web router', () => {
	const router = new Router<string[]>()
		.get('/', seen => void seen.push('page'))
		.get('/logs', seen => void seen.push('daemon log'))
		.get('/logs/:name', (seen, {name}) => void seen.push(`log ${name}`))
		.get('/api/logs/:name/stream', (seen, {name}) => void seen.push(`stream ${name}`))
		.get('/a/:x/b/:y', (seen, {x, y}) => void seen.push(`${x} ${y}`));

	const run = (path: string): string[] | string | null => {
		const route = router.resolve(path);
		if (route === null || !route.ok) {
			return route?.why ?? null;
		}

		const seen: string[] = [];
		void route.run(seen);
		return seen;
	};

	it('matches whole segments, with the parameters decoded', () => {
		for (const [path, expected] of [
			['/', ['page']],
			['/logs', ['daemon log']],
			['/logs/web:0', ['log web:0']],
			['/logs/a%2Fb%20c', ['log a/b c']],
			['/api/logs/worker/stream', ['stream worker']],
			['/a/1/b/2', ['1 2']],
		] as const) {
			assert.deepEqual(run(path), expected, path);
		}
	});

	it('runs the first route added when two match', () => {
		const seen: string[] = [];
		const first = new Router<string[]>().get('/x/:a', (s, {a}) => void s.push(`param ${a}`)).get('/x/y', s => void s.push('fixed'));
		const route = first.resolve('/x/y');
		assert.ok(route?.ok);
		void route.run(seen);
		assert.deepEqual(seen, ['param y']);
	});

	it('matches nothing for other paths, an empty parameter or extra segments', () => {
		for (const path of ['', '/nope', '/logs/', '/logs/a/b', '/api/logs//stream', '/api/logs/x/stream/more', '/a/1/b']) {
			assert.equal(run(path), null, path);
		}
	});

	it('says so when a parameter is not valid percent-encoding', () => {
		assert.equal(run('/logs/%E0%A4%A'), 'bad escape in the path');
	});
});
