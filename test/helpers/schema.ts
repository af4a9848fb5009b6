/**
 * The JSON Schemas of `docs/schemas/` (one per `--json` document), compiled once with ajv
 * (draft 2020-12, strict), to check what a command printed against what the docs promise.
 */
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {Ajv2020} from 'ajv/dist/2020.js';

export const schemaDir = path.resolve(import.meta.dirname, '../../docs/schemas');

/** ISO-8601 in UTC as `Date.prototype.toISOString` writes it, and a real instant. */
const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let ajv: Ajv2020 | null = null;

function compiler(): Ajv2020 {
	if (ajv === null) {
		// Strict, except that `required` may name a property described elsewhere (if/then).
		ajv = new Ajv2020({strict: true, strictRequired: false, allErrors: true, allowUnionTypes: true});
		ajv.addFormat('date-time', {type: 'string', validate: text => isoTime.test(text) && !Number.isNaN(Date.parse(text))});
		for (const file of schemaFiles()) {
			ajv.addSchema(JSON.parse(readFileSync(path.join(schemaDir, file), 'utf8')) as object);
		}
	}

	return ajv;
}

/** Every schema file, by name (`status.schema.json`, …). */
export function schemaFiles(): string[] {
	return readdirSync(schemaDir)
		.filter(file => file.endsWith('.schema.json'))
		.sort();
}

/** Why `value` does not match `docs/schemas/<name>.schema.json`, or null when it does. */
export function schemaErrors(name: string, value: unknown): string | null {
	const validate = compiler().getSchema(`${name}.schema.json`);
	assert.ok(validate, `no schema docs/schemas/${name}.schema.json`);
	if (validate(value)) {
		return null;
	}

	return (validate.errors ?? []).map(error => `${error.instancePath || '/'} ${error.message ?? ''} (${error.schemaPath})`).join('; ');
}

/** Fails unless `value` matches `docs/schemas/<name>.schema.json`. */
export function assertSchema(name: string, value: unknown): void {
	const errors = schemaErrors(name, value);
	assert.equal(errors, null, `${name}: ${errors}\n${JSON.stringify(value, null, 2).slice(0, 2000)}`);
}

/** Parses one JSON document printed by a command, failing with the text when it is not JSON. */
export function parseDocument(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		assert.fail(`not one JSON document: ${JSON.stringify(text.slice(0, 500))}`);
	}
}
