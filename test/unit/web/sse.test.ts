import assert from 'node:assert/strict';
import {EventEmitter} from 'node:events';
import type {IncomingMessage, ServerResponse} from 'node:http';
import {describe, it} from 'node:test';
import {lastEventId, maxBacklogBytes, maxBurstBytes, SseStream} from '../../../src/core/web/sse.js';
import {parsePrometheusText} from '../../helpers/prom-text.js';

/** Enough of a ServerResponse: records what is written; `writableLength` is what the peer has not read. */
function fakeResponse() {
	const written: string[] = [];
	const response = Object.assign(new EventEmitter(), {
		writableLength: 0,
		destroyed: false,
		ended: false,
		headers: {} as Record<string, string>,
		writeHead(status: number, headers: Record<string, string>) {
			response.headers = {status: String(status), ...headers};
		},
		write(text: string) {
			written.push(text);
			return true;
		},
		end() {
			response.ended = true;
			response.emit('close');
		},
		destroy() {
			response.destroyed = true;
			response.emit('close');
		},
	});
	return {response, written, stream: new SseStream(response as unknown as ServerResponse)};
}

describe('SSE stream', () => {
	it('writes the retry hint, then frames with id, event and one JSON data line', () => {
		const {response, written, stream} = fakeResponse();
		assert.equal(response.headers['Content-Type'], 'text/event-stream; charset=utf-8');
		assert.equal(response.headers['Cache-Control'], 'no-store');
		stream.send({id: 7, data: {text: 'a\nb\r\nc'}});
		stream.send({event: 'reset', data: {why: 'x'}});
		stream.comment('keep-alive\nnot a field');
		assert.deepEqual(written, [
			'retry: 2000\n\n',
			'id: 7\ndata: {"text":"a\\nb\\r\\nc"}\n\n',
			'event: reset\ndata: {"why":"x"}\n\n',
			': keep-alive not a field\n\n',
		]);
	});

	it('lets a burst queue up, but drops a client whose backlog does not shrink between two checks', () => {
		const {response, stream} = fakeResponse();
		response.writableLength = maxBacklogBytes * 3;
		assert.equal(stream.send({id: 1, data: 'burst'}), true);
		assert.equal(stream.checkBacklog(), true, 'first sight of the backlog');
		response.writableLength = maxBacklogBytes * 2;
		assert.equal(stream.checkBacklog(), true, 'it shrank: the client reads');
		response.writableLength = maxBacklogBytes / 2;
		assert.equal(stream.checkBacklog(), true);
		response.writableLength = maxBacklogBytes + 10;
		assert.equal(stream.checkBacklog(), true);
		assert.equal(stream.checkBacklog(), false, 'the same backlog a second later: it does not read');
		assert.equal(response.destroyed, true);
		assert.equal(stream.send({id: 2, data: 'after'}), false);
	});

	it('drops a client at once past the burst cap, rather than buffering without limit', () => {
		const {response, stream} = fakeResponse();
		let closed = 0;
		stream.onClose(() => closed++);
		assert.equal(stream.send({id: 1, data: 'fine'}), true);
		response.writableLength = maxBurstBytes + 1;
		assert.equal(stream.send({id: 2, data: 'too much'}), false);
		assert.equal(response.destroyed, true);
		assert.equal(stream.closed, true);
		assert.equal(stream.send({id: 3, data: 'after'}), false);
		assert.equal(closed, 1);
		stream.onClose(() => closed++);
		assert.equal(closed, 2, 'a listener added after the close runs at once');
	});

	it('reads Last-Event-ID from the header, else from ?lastEventId=', () => {
		const request = (headers: Record<string, string>) => ({headers}) as unknown as IncomingMessage;
		assert.equal(lastEventId(request({'last-event-id': '42'}), new URLSearchParams()), 42);
		assert.equal(lastEventId(request({}), new URLSearchParams('lastEventId=5')), 5);
		assert.equal(lastEventId(request({'last-event-id': '3'}), new URLSearchParams('lastEventId=5')), 3);
		assert.equal(lastEventId(request({'last-event-id': 'abc'}), new URLSearchParams()), null);
		assert.equal(lastEventId(request({'last-event-id': '-1'}), new URLSearchParams()), null);
		assert.equal(lastEventId(request({}), new URLSearchParams()), null);
	});
});

describe('the exposition checker used by the metrics tests', () => {
	const ok = '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1",y="q\\"\\\\\\n"} 3\n# HELP b B.\n# TYPE b gauge\nb +Inf\n';

	it('accepts well-formed text', () => {
		const families = parsePrometheusText(ok);
		assert.deepEqual(families.get('a_total')?.samples, [{name: 'a_total', labels: {x: '1', y: 'q"\\\n'}, value: 3}]);
		assert.equal(families.get('b')?.samples[0]?.value, Number.POSITIVE_INFINITY);
	});

	it('rejects what a scraper or promtool would', () => {
		for (const [bad, why] of [
			['# HELP a A.\n# TYPE a counter\na 1\n', /should end in _total/],
			['# TYPE a gauge\na 1\n', /no HELP/],
			['# HELP a A.\n# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n', /duplicate series/],
			['# HELP a A.\n# TYPE a gauge\na{x=1} 1\n', /not quoted/],
			['# HELP a A.\n# TYPE a gauge\na{x="\\t"} 1\n', /bad escape/],
			['# HELP a A.\n# TYPE a gauge\na one\n', /bad value/],
			['# HELP a A.\n# TYPE a gauge\n# HELP b B.\n# TYPE b gauge\na 1\n', /outside its family/],
			['# HELP 1a A.\n', /bad metric name/],
			['# HELP a A.\n# TYPE a gauge\na{__x="1"} 1\n', /bad label name/],
		] as const) {
			assert.throws(() => parsePrometheusText(bad), why, bad);
		}
	});
});
