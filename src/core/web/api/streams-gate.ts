/**
 * The API's side of the stream cap: one more stream than {@link maxStreams} is refused with 429
 * and a JSON error before anything is written (the old paths keep their 503).
 */
import {maxStreams, type Streams} from '../streams.js';
import {ApiError} from './problems.js';

export function admitStream(streams: Streams): void {
	if (streams.size >= maxStreams) {
		throw new ApiError('E_TOO_MANY', `too many open streams (${maxStreams}); close some and retry`, {retryAfter: 5});
	}
}
