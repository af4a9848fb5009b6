/**
 * `/api/v1` against a real daemon: each endpoint, each error status, and every answer checked
 * against the served OpenAPI document (itself checked as OpenAPI 3.1) by openapi-backend; a
 * mutation without a token or with a wrong one is 401, a foreign Host or Origin is 403.
 */
import assert from 'node:assert/strict';
import {readFileSync, statSync} from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {Validator} from '@seriousme/openapi-schema-validator';
import {OpenAPIBackend} from 'openapi-backend';
import {waitFor} from '../helpers/wait.js';
import {webDaemon, type WebDaemon} from '../helpers/web-daemon.js';

const config = ['programs:', '  web:', '    cmd: sleep 1000', '    starttime: 0', '  idle:', '    cmd: sleep 1000', '    autostart: false', ''].join('\n');

type Answer = {status: number; headers: http.IncomingHttpHeaders; body: unknown};

describe('/api/v1', () => {
	let web: WebDaemon;
	let token: string;
	let api: OpenAPIBackend;
	const checked = new Set<string>();

	/** One request over node:http (which, unlike fetch, sends the Host and Origin given). */
	const request = (method: string, route: string, options: {body?: unknown; headers?: Record<string, string>; raw?: string} = {}): Promise<Answer> =>
		new Promise((resolve, reject) => {
			const text = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
			const req = http.request(`${web.url}${route}`, {method, headers: {...(text === undefined ? {} : {'content-type': 'application/json'}), ...options.headers}}, res => {
				let data = '';
				res.setEncoding('utf8');
				res.on('data', chunk => (data += chunk));
				res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body: data === '' ? null : JSON.parse(data)}));
			});
			req.on('error', reject);
			req.end(text);
		});
	const auth = (): Record<string, string> => ({authorization: `Bearer ${token}`});

	/** The answer, checked against the document's schema for this operation and status. */
	async function call(operationId: string, method: string, route: string, options: Parameters<typeof request>[2] = {}): Promise<Answer> {
		const answer = await request(method, route, options);
		const result = api.validateResponse(answer.body, operationId, answer.status);
		assert.deepEqual(result.errors ?? [], [], `${method} ${route} ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
		checked.add(operationId);
		return answer;
	}

	before(async () => {
		web = await webDaemon(config);
		await web.waitState('web', 'running');
		token = readFileSync(path.join(web.home, 'http.token'), 'utf8').trim();
		const doc = (await request('GET', '/api/v1/openapi.json')).body as Record<string, unknown>;
		const verdict = await new Validator().validate(doc as never);
		assert.ok(verdict.valid, JSON.stringify(verdict.errors));
		assert.equal(doc['openapi'], '3.1.0');
		// quick: its own check of the document knows OpenAPI 3.0 only; the one above is 3.1's. Answers are still checked by ajv.
		api = new OpenAPIBackend({definition: doc as never, quick: true, validate: true});
		await api.init();
	});

	after(async () => web?.cleanup());

	it('made its token at first start, mode 0600', () => {
		assert.match(token, /^[0-9a-f]{48}$/);
		assert.equal(statSync(path.join(web.home, 'http.token')).mode & 0o777, 0o600);
	});

	it('reads: tasks, one task, logs, history, queue, host, status, daemon log, health', async () => {
		const tasks = (await call('listTasks', 'GET', '/api/v1/tasks')).body as {tasks: Array<{id: string; cause: string}>};
		assert.deepEqual(tasks.tasks.map(task => task.id).sort(), ['idle', 'web']);
		assert.ok(tasks.tasks.every(task => typeof task.cause === 'string'));
		const stopped = (await call('listTasks', 'GET', '/api/v1/tasks?state=stopped')).body as {tasks: Array<{id: string}>};
		assert.deepEqual(stopped.tasks.map(task => task.id), ['idle']);
		assert.equal(((await call('getTask', 'GET', '/api/v1/tasks/web')).body as {program: string}).program, 'web');
		assert.equal((await call('getTask', 'GET', '/api/v1/tasks/nope')).status, 404);
		assert.equal((await call('taskLogs', 'GET', '/api/v1/tasks/web/logs?lines=5')).status, 200);
		assert.equal((await call('taskLogs', 'GET', '/api/v1/tasks/web/logs?lines=-1')).status, 400);
		assert.equal((await call('taskHistory', 'GET', '/api/v1/tasks/web/history?limit=5')).status, 200);
		assert.equal((await call('taskHistory', 'GET', '/api/v1/tasks/web/history?cause=nonsense')).status, 400);
		assert.equal((await call('history', 'GET', '/api/v1/history?since=1h&limit=3')).status, 200);
		assert.equal((await call('queue', 'GET', '/api/v1/queue')).status, 200);
		assert.equal((await call('host', 'GET', '/api/v1/host')).status, 200);
		assert.equal((await call('status', 'GET', '/api/v1/status')).status, 200);
		assert.equal((await call('daemonLog', 'GET', '/api/v1/daemon-log?lines=10')).status, 200);
		assert.equal((await call('healthz', 'GET', '/api/v1/healthz')).status, 200);
		assert.equal((await call('openapi', 'GET', '/api/v1/openapi.json')).status, 200);
		const missing = await request('GET', '/api/v1/nothing');
		assert.equal(missing.status, 404);
		assert.equal((missing.body as {error: {code: string}}).error.code, 'E_NOT_FOUND');
	});

	it('refuses a mutation without the token or with a wrong one (401), and a foreign Host or Origin (403)', async () => {
		const none = await call('restartTask', 'POST', '/api/v1/tasks/web/restart', {body: {}});
		assert.equal(none.status, 401);
		assert.equal((none.body as {error: {code: string}}).error.code, 'E_UNAUTHORIZED');
		assert.equal(none.headers['www-authenticate'], 'Bearer realm="tm"');
		const wrong = await call('restartTask', 'POST', '/api/v1/tasks/web/restart', {body: {}, headers: {authorization: 'Bearer nope'}});
		assert.equal(wrong.status, 401);
		const host = await call('listTasks', 'GET', '/api/v1/tasks', {headers: {host: 'evil.example:4242'}});
		assert.equal(host.status, 403);
		assert.equal((host.body as {error: {code: string}}).error.code, 'E_FORBIDDEN');
		const origin = await call('restartTask', 'POST', '/api/v1/tasks/web/restart', {body: {}, headers: {...auth(), origin: 'http://evil.example'}});
		assert.equal(origin.status, 403);
		const port = new URL(web.url).port;
		const own = await call('stopTask', 'POST', '/api/v1/tasks/idle/stop', {body: {}, headers: {...auth(), origin: `http://127.0.0.1:${port}`}});
		assert.equal(own.status, 200, JSON.stringify(own.body));
	});

	it('controls programs: restart gives a new pid, start and stop, signal, scale; a conflict is 409', async () => {
		const before = web.daemon.engine.get('web').pid;
		const restarted = await call('restartTask', 'POST', '/api/v1/tasks/web/restart', {body: {}, headers: auth()});
		assert.equal(restarted.status, 200);
		assert.notEqual(web.daemon.engine.get('web').pid, before);
		assert.equal((await call('startTask', 'POST', '/api/v1/tasks/idle/start', {body: {}, headers: auth()})).status, 200);
		assert.equal((await call('signalTask', 'POST', '/api/v1/tasks/idle/signal', {body: {signal: 'HUP'}, headers: auth()})).status, 200);
		assert.equal((await call('signalTask', 'POST', '/api/v1/tasks/idle/signal', {body: {signal: 'NOPE'}, headers: auth()})).status, 400);
		assert.equal((await call('stopTask', 'POST', '/api/v1/tasks/idle/stop', {body: {wait: true}, headers: auth()})).status, 200);
		const conflict = await call('pauseTask', 'POST', '/api/v1/tasks/idle/pause', {body: {}, headers: auth()});
		assert.equal(conflict.status, 409, JSON.stringify(conflict.body));
		assert.equal((conflict.body as {error: {code: string}}).error.code, 'E_CONFLICT');
		assert.equal((await call('scaleProgram', 'POST', '/api/v1/programs/web/scale', {body: {count: 1}, headers: auth()})).status, 200);
		assert.equal((await call('scaleSlots', 'POST', '/api/v1/slots', {body: {slots: 4}, headers: auth()})).status, 200);
		assert.equal((await call('startTask', 'POST', '/api/v1/tasks/nope/start', {body: {}, headers: auth()})).status, 404);
	});

	it('submits a job (201, Location), which runs, with its label as given; bad bodies are 400 naming the field, a huge one 413', async () => {
		const made = await call('submitJob', 'POST', '/api/v1/jobs', {body: {command: 'echo hello-api', priority: 5}, headers: auth()});
		assert.equal(made.status, 201);
		const {id} = made.body as {id: string};
		assert.equal(made.headers.location, `/api/v1/tasks/${id}`);
		await waitFor(async () => ((await request('GET', made.headers.location ?? '')).body as {state: string}).state, state => state === 'completed', {what: 'the job to complete'});
		const logs = (await call('taskLogs', 'GET', `/api/v1/tasks/${id}/logs`)).body as {lines: Array<{text: string}>};
		assert.deepEqual(logs.lines.map(line => line.text), ['hello-api']);
		const unknown = await call('submitJob', 'POST', '/api/v1/jobs', {body: {command: 'true', bogus: 1}, headers: auth()});
		assert.equal(unknown.status, 400);
		assert.equal((unknown.body as {error: {field: string}}).error.field, 'body.bogus');
		assert.equal((await call('submitJob', 'POST', '/api/v1/jobs', {body: {priority: 1}, headers: auth()})).status, 400);
		assert.equal((await call('submitJob', 'POST', '/api/v1/jobs', {raw: '{nope', headers: auth()})).status, 400);
		const doc = (await request('GET', '/api/v1/openapi.json')).body as {paths: Record<string, {post: {requestBody: {content: Record<string, {schema: {properties: Record<string, {type: string; maxLength?: number}>}}>}}}>};
		assert.deepEqual(doc.paths['/api/v1/jobs']?.post.requestBody.content['application/json']?.schema.properties['label'], {
			type: 'string',
			maxLength: 200,
			description: 'free text shown beside its name (any printable text, one line); it addresses nothing',
		});
		const label = '<img src=x onerror=window.__xss=1> nightly';
		const labelled = (await call('submitJob', 'POST', '/api/v1/jobs', {body: {argv: ['true'], label}, headers: auth()})).body as {id: string};
		assert.equal(((await call('getTask', 'GET', `/api/v1/tasks/${labelled.id}`)).body as {label?: string}).label, label, 'kept as given');
		const listed = (await call('listTasks', 'GET', '/api/v1/tasks')).body as {tasks: Array<{id: string; label?: string}>};
		assert.equal(listed.tasks.find(task => task.id === labelled.id)?.label, label);
		assert.equal(listed.tasks.find(task => task.id === id)?.label, undefined, 'absent when none');
		for (const [bad, message] of [['two\nlines', /^body\.label: a label is one line of text/], ['x'.repeat(201), /^body\.label: /]] as const) {
			const refused = await call('submitJob', 'POST', '/api/v1/jobs', {body: {argv: ['true'], label: bad}, headers: auth()});
			assert.equal(refused.status, 400);
			assert.equal((refused.body as {error: {field: string}}).error.field, 'body.label');
			assert.match((refused.body as {error: {message: string}}).error.message, message);
		}

		const huge = await call('submitJob', 'POST', '/api/v1/jobs', {body: {command: 'x'.repeat(100_000)}, headers: auth()});
		assert.equal(huge.status, 413);
		assert.equal((await call('cancelTask', 'POST', `/api/v1/tasks/${id}/cancel`, {body: {}, headers: auth()})).status, 409);
		assert.equal((await call('retryTask', 'POST', `/api/v1/tasks/${id}/retry`, {body: {}, headers: auth()})).status, 409);
		const sleeper = (await call('submitJob', 'POST', '/api/v1/jobs', {body: {argv: ['sleep', '100']}, headers: auth()})).body as {id: string};
		await web.waitState(sleeper.id, 'running');
		assert.equal((await call('pauseTask', 'POST', `/api/v1/tasks/${sleeper.id}/pause`, {body: {}, headers: auth()})).status, 200);
		assert.equal((await call('resumeTask', 'POST', `/api/v1/tasks/${sleeper.id}/resume`, {body: {}, headers: auth()})).status, 200);
		assert.equal((await call('cancelTask', 'POST', `/api/v1/tasks/${sleeper.id}/cancel`, {body: {}, headers: auth()})).status, 200);
	});

	it('reloads with a dry run', async () => {
		const plan = await call('reload', 'POST', '/api/v1/reload', {body: {dryRun: true}, headers: auth()});
		assert.equal(plan.status, 200, JSON.stringify(plan.body));
		assert.equal((plan.body as {applied: boolean}).applied, false);
	});

	it('streams events for named tasks only, and a task name that means nothing is 404', async () => {
		assert.equal((await call('events', 'GET', '/api/v1/events?task=nope')).status, 404);
		assert.equal((await call('followTaskLogs', 'GET', '/api/v1/tasks/nope/logs/stream')).status, 404);
		const text = await new Promise<string>((resolve, reject) => {
			const req = http.get(`${web.url}/api/v1/events?task=idle`, res => {
				let data = '';
				res.setEncoding('utf8');
				res.on('data', chunk => {
					data += chunk;
					if (/"taskId":"idle"[\s\S]*"to":"running"/.test(data)) {
						req.destroy();
						resolve(data);
					}
				});
			});
			req.on('error', error => (error.message.includes('aborted') ? undefined : reject(error)));
			setTimeout(() => void request('POST', '/api/v1/tasks/web/restart', {body: {}, headers: auth()}).then(() => request('POST', '/api/v1/tasks/idle/start', {body: {}, headers: auth()})), 200);
		});
		assert.doesNotMatch(text, /"taskId":"web"/, 'only the task asked for');
		checked.add('followTaskLogs');
	});

	it('has checked every operation of the document', () => {
		const all = api.definition.paths === undefined ? [] : Object.values(api.definition.paths).flatMap(item => Object.values(item ?? {}).map(operation => (operation as {operationId: string}).operationId));
		assert.deepEqual(all.filter(id => !checked.has(id)), []);
	});
});
