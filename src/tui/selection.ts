/**
 * Moving through the table: the selection by task id, and the first row shown kept so the
 * selection stays in view.
 */
import type {Command} from './keymap.js';
import {scrollOffset} from './layout.js';
import {done, selectedIndex, type ReduceContext, type Result, type UiState} from './state.js';

function moveTo(state: UiState, ctx: ReduceContext, index: number): UiState {
	const {rows, tablePage} = ctx;
	if (rows.length === 0) {
		return state;
	}

	const target = Math.max(0, Math.min(rows.length - 1, index));
	return {...state, selected: rows[target]!.id, offset: scrollOffset(state.offset, target, tablePage, rows.length)};
}

/** A movement key in the table (or the detail), or null when `command` is not one. */
export function tableCommand(state: UiState, ctx: ReduceContext, command: Command): Result | null {
	const index = selectedIndex(state, ctx.rows);
	const page = Math.max(1, ctx.tablePage);
	switch (command) {
		case 'down': {
			return done(moveTo(state, ctx, index + 1));
		}

		case 'up': {
			return done(moveTo(state, ctx, index - 1));
		}

		case 'pageDown': {
			return done(moveTo(state, ctx, index + page));
		}

		case 'pageUp': {
			return done(moveTo(state, ctx, index - page));
		}

		case 'halfDown': {
			return done(moveTo(state, ctx, index + Math.ceil(page / 2)));
		}

		case 'halfUp': {
			return done(moveTo(state, ctx, index - Math.ceil(page / 2)));
		}

		case 'top': {
			return done(moveTo(state, ctx, 0));
		}

		case 'bottom': {
			return done(moveTo(state, ctx, ctx.rows.length - 1));
		}

		default: {
			return null;
		}
	}
}
