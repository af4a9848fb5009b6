/**
 * Text being typed: the table's filter (applied as it is typed, Esc clears it) and the log
 * search (run on Enter, from the newest line shown towards older ones).
 */
import type {KeyPress} from './keys.js';
import {logEnd, showLogLine} from './log-scroll.js';
import {done, withMessage, type ReduceContext, type Result, type TextInput, type UiState} from './state.js';

/** One key while `input` is being typed. */
export function reduceInput(state: UiState, input: TextInput, key: KeyPress, ctx: ReduceContext): Result {
	const apply = (text: string): UiState => {
		const next = {...state, input: {...input, text}};
		return input.kind === 'filter' ? {...next, filter: text, offset: 0} : next;
	};

	switch (key.name) {
		case 'enter': {
			if (input.kind === 'filter') {
				return done({...state, input: null, filter: input.text});
			}

			const search = input.text;
			if (search === '') {
				return done({...state, input: null, log: {...state.log, search: '', hit: null}});
			}

			const searching = {...state, input: null, log: {...state.log, search, hit: null}};
			const hit = ctx.log.find(search, logEnd(state, ctx), -1);
			return done(hit === null ? withMessage(searching, `"${search}" not found`, true) : showLogLine(searching, ctx, hit));
		}

		case 'escape': {
			return input.kind === 'filter' ? done({...state, input: null, filter: ''}) : done({...state, input: null});
		}

		case 'ctrl-c': {
			return done({...state, input: null}, {kind: 'quit'});
		}

		case 'backspace': {
			if (input.text === '') {
				return done({...state, input: null});
			}

			return done(apply(Array.from(input.text).slice(0, -1).join('')));
		}

		case 'ctrl-u': {
			return done(apply(''));
		}

		default: {
			return key.text === '' ? done(state) : done(apply(input.text + key.text));
		}
	}
}
