/**
 * The route table: paths written as patterns (`/api/logs/:name/stream`), each `:name` one whole
 * segment, percent-decoded, and typed from the pattern itself, so a handler reads
 * `params.name` and the compiler knows which names exist. Routes are tried in the order added.
 */

/** The `:names` in a pattern: `/a/:x/b/:y` → `'x' | 'y'`. */
export type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
	? Name | ParamNames<Rest>
	: P extends `${string}:${infer Name}`
		? Name
		: never;

export type Params<P extends string> = {[K in ParamNames<P>]: string};

export type Handler<C, P extends string> = (context: C, params: Params<P>) => void | Promise<void>;

/** What a path resolves to: the handler to run, or why the path cannot be read. */
export type Resolved<C> = {ok: true; run(context: C): void | Promise<void>} | {ok: false; why: string};

type Route<C> = {segments: string[]; handle(context: C, params: Record<string, string>): void | Promise<void>};

export class Router<C> {
	readonly #routes: Array<Route<C>> = [];

	get<P extends string>(pattern: P, handler: Handler<C, P>): this {
		// The cast is what the pattern type promises: every `:name` of P gets a value in match().
		this.#routes.push({segments: pattern.split('/'), handle: handler as Route<C>['handle']});
		return this;
	}

	/** The route for `pathname`, or null when none matches. */
	resolve(pathname: string): Resolved<C> | null {
		const segments = pathname.split('/');
		for (const route of this.#routes) {
			const params = match(route.segments, segments);
			if (params === 'no') {
				continue;
			}

			if (params === 'bad-escape') {
				return {ok: false, why: 'bad escape in the path'};
			}

			return {ok: true, run: context => route.handle(context, params)};
		}

		return null;
	}
}

function match(pattern: string[], path: string[]): Record<string, string> | 'no' | 'bad-escape' {
	if (pattern.length !== path.length) {
		return 'no';
	}

	const params: Record<string, string> = {};
	for (const [i, want] of pattern.entries()) {
		const given = path[i] ?? '';
		if (!want.startsWith(':')) {
			if (want !== given) {
				return 'no';
			}

			continue;
		}

		if (given === '') {
			return 'no';
		}

		try {
			params[want.slice(1)] = decodeURIComponent(given);
		} catch {
			return 'bad-escape';
		}
	}

	return params;
}
