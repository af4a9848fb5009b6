/**
 * A job's label: free text beside its name. Anything printable is kept as given (HTML, quotes,
 * other scripts); control characters and overlong text are refused naming the field; the name
 * rule is untouched, since names address tasks.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {TmError} from '../../../src/core/errors.js';
import {labelProblem} from '../../../src/core/job-label.js';
import {jobSpec} from '../../../src/core/jobs.js';
import {daemonSpec} from '../../helpers/harness.js';

const spec = (params: Record<string, unknown>) => jobSpec({argv: ['true'], ...params} as Parameters<typeof jobSpec>[0], 'j-1', daemonSpec());

function refused(params: Record<string, unknown>, pattern: RegExp): void {
	assert.throws(() => spec(params), (error: unknown) => error instanceof TmError && error.code === 'E_USAGE' && pattern.test(error.message));
}

describe('a job label', () => {
	it('keeps any printable text as given, and none when absent or empty', () => {
		const hostile = '<img src=x onerror=window.__xss=1> "quoted" \'single\' & ünïcødé 日本';
		assert.equal(spec({label: hostile}).label, hostile);
		assert.equal(spec({}).label, null);
		assert.equal(spec({label: ''}).label, null);
		assert.equal(labelProblem('x'.repeat(200)), null);
	});

	it('refuses control characters and overlong text, naming the field', () => {
		refused({label: 'a\nb'}, /^run: label: a label is one line of text: no control characters \(found U\+000A at 2\)$/);
		refused({label: '\u001B[2J'}, /found U\+001B at 1/);
		refused({label: 'x\u0085'}, /found U\+0085 at 2/);
		refused({label: 'x'.repeat(201)}, /^run: label: a label has at most 200 characters, got 201$/);
		refused({label: 42}, /^run: label must be text, got 42$/);
	});

	it('leaves the name an identifier', () => {
		refused({name: '<img src=x>'}, /name must be letters, digits/);
		assert.equal(spec({name: 'backup', label: 'nightly <backup>'}).name, 'backup');
	});
});
