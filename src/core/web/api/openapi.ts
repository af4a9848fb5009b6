/**
 * The OpenAPI 3.1 document of `/api/v1`, made from the operations themselves (operation.ts): the
 * paths, the parameters and bodies from the same zod schemas that check each request, and the
 * documents each answers with. Served at `/api/v1/openapi.json`; nothing else describes the API.
 */
import {z} from 'zod';
import {version} from '../../version.js';
import {errorSchema} from './documents.js';
import {isMutation} from './guard.js';
import type {Operation} from './operation.js';

type Json = Record<string, unknown>;

const componentsRef = '#/components/schemas/';

/** A schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), its named parts hoisted into `defs`. */
function jsonSchema(schema: z.ZodType, defs: Json, io: 'input' | 'output'): Json {
	const raw = z.toJSONSchema(schema, {io, unrepresentable: 'any'}) as Json;
	const {$schema: _, $defs, ...rest} = JSON.parse(JSON.stringify(raw).replaceAll('"#/$defs/', `"${componentsRef}`)) as Json & {$defs?: Json};
	Object.assign(defs, $defs ?? {});
	return rest;
}

function parameters(operation: Operation, defs: Json): Json[] {
	const inPath = [...operation.path.matchAll(/\{(\w+)\}/g)].map(match => ({
		name: match[1],
		in: 'path',
		required: true,
		schema: {type: 'string'},
		description: 'a task id, a program, a job name (percent-encoded)',
	}));
	const shape = (operation.query?.shape ?? {}) as Record<string, z.ZodType>;
	const inQuery = Object.entries(shape).map(([name, field]) => {
		const schema = jsonSchema(field, defs, 'input');
		return {name, in: 'query', required: false, schema, ...(schema['type'] === 'array' ? {style: 'form', explode: true} : {})};
	});
	return [...inPath, ...inQuery];
}

function responses(operation: Operation, defs: Json): Json {
	const out: Json = {};
	for (const [status, response] of Object.entries(operation.responses)) {
		const content = response.sse
			? {'text/event-stream': {schema: {type: 'string'}}}
			: response.schema === undefined
				? undefined
				: {'application/json': {schema: jsonSchema(response.schema, defs, 'output')}};
		out[status] = {description: response.description, ...(content === undefined ? {} : {content})};
	}

	out['default'] = {
		description: 'an error: the CLI\'s stable code (E_UNKNOWN_TASK 404, E_USAGE 400, E_UNAUTHORIZED 401, E_FORBIDDEN 403, E_CONFLICT 409, E_TOO_LARGE 413, E_TOO_MANY 429…)',
		content: {'application/json': {schema: {$ref: `${componentsRef}Error`}}},
	};
	return out;
}

/** The whole document; `operations` are the API's, in the order they are listed. */
export function openApiDocument(operations: Operation[]): Json {
	const defs: Json = {};
	jsonSchema(errorSchema, defs, 'output');
	const paths: Record<string, Json> = {};
	for (const operation of operations) {
		const path = `/api/v1${operation.path}`;
		const body = operation.body === undefined ? {} : {requestBody: {required: false, content: {'application/json': {schema: jsonSchema(operation.body, defs, 'input')}}}};
		paths[path] = {
			...paths[path],
			[operation.method]: {
				operationId: operation.id,
				summary: operation.summary,
				tags: [operation.tag],
				parameters: parameters(operation, defs),
				...body,
				responses: responses(operation, defs),
				// Reads may go without a token on loopback; a mutation needs it always.
				security: isMutation(operation.method.toUpperCase()) ? [{bearer: []}] : [{}, {bearer: []}],
			},
		};
	}

	return {
		openapi: '3.1.0',
		info: {title: 'tm', version, description: "The tm daemon's HTTP API: the same documents and errors as `tm … --json` (docs/web.md)."},
		servers: [{url: '/'}],
		paths,
		components: {schemas: defs, securitySchemes: {bearer: {type: 'http', scheme: 'bearer', description: '`http_token`, or `$TM_HOME/http.token` (`tm web token`)'}}},
	};
}
