/**
 * Scrolling the log pane: following the newest line or held at a line (an absolute index in the
 * ring), and jumping to search matches.
 */
import type {Command} from './keymap.js';
import {done, withMessage, type ReduceContext, type Result, type UiState} from './state.js';

/** The end of the log window as shown now (following: the newest line). */
export function logEnd(state: UiState, ctx: ReduceContext): number {
	if (state.log.follow) {
		return ctx.log.end;
	}

	const lowest = Math.min(ctx.log.first + Math.max(1, ctx.logPage), ctx.log.end);
	return Math.max(lowest, Math.min(state.log.end, ctx.log.end));
}

function scrollLog(state: UiState, ctx: ReduceContext, delta: number): UiState {
	const end = logEnd(state, ctx) + delta;
	if (end >= ctx.log.end) {
		return {...state, log: {...state.log, follow: true, end: ctx.log.end}};
	}

	const lowest = Math.min(ctx.log.first + Math.max(1, ctx.logPage), ctx.log.end);
	return {...state, log: {...state.log, follow: false, end: Math.max(lowest, end)}};
}

/** Scrolls so that line `hit` shows about mid-pane; following stops. */
export function showLogLine(state: UiState, ctx: ReduceContext, hit: number): UiState {
	const end = Math.min(ctx.log.end, hit + Math.ceil(ctx.logPage / 2));
	return {...state, log: {...state.log, follow: false, end, hit}};
}

/** A key in the focused log pane, or null when `command` is not one of its. */
export function logCommand(state: UiState, ctx: ReduceContext, command: Command): Result | null {
	const page = Math.max(1, ctx.logPage);
	switch (command) {
		case 'down': {
			return done(scrollLog(state, ctx, 1));
		}

		case 'up': {
			return done(scrollLog(state, ctx, -1));
		}

		case 'pageDown': {
			return done(scrollLog(state, ctx, page));
		}

		case 'pageUp': {
			return done(scrollLog(state, ctx, -page));
		}

		case 'halfDown': {
			return done(scrollLog(state, ctx, Math.ceil(page / 2)));
		}

		case 'halfUp': {
			return done(scrollLog(state, ctx, -Math.ceil(page / 2)));
		}

		case 'top': {
			return done({...state, log: {...state.log, follow: false, end: Math.min(ctx.log.first + page, ctx.log.end)}});
		}

		case 'bottom': {
			return done({...state, log: {...state.log, follow: true, end: ctx.log.end}});
		}

		case 'follow': {
			return done(
				state.log.follow
					? withMessage({...state, log: {...state.log, follow: false, end: ctx.log.end}}, 'follow off')
					: withMessage({...state, log: {...state.log, follow: true, end: ctx.log.end}}, 'follow on'),
			);
		}

		case 'wrap': {
			return done({...state, log: {...state.log, wrap: !state.log.wrap}});
		}

		case 'search': {
			return done({...state, input: {kind: 'search', text: '', before: state.log.search}});
		}

		case 'next':
		case 'previous': {
			if (state.log.search === '') {
				return done(withMessage(state, 'no search yet: / to search', true));
			}

			const from = state.log.hit ?? (command === 'next' ? logEnd(state, ctx) : logEnd(state, ctx) - 1);
			const hit = ctx.log.find(state.log.search, from, command === 'next' ? -1 : 1);
			return done(hit === null ? withMessage(state, `no more matches for "${state.log.search}"`, true) : showLogLine(state, ctx, hit));
		}

		default: {
			return null;
		}
	}
}
