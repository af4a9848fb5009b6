/**
 * Keys, read from stdin directly (Ink 6's `useInput` cannot tell F-keys apart) and run through
 * the reducer in order, however many arrive in one read. Registered in a layout effect, so keys
 * are read from the first frame on (passive effects can run late).
 */
import {useStdin} from 'ink';
import {useLayoutEffect, type RefObject} from 'react';
import type {TaskStatus} from '../core/ipc/methods.js';
import {layoutOf, reduceContextOf} from './components/Dashboard.js';
import type {CompiledKeymap} from './keymap.js';
import {parseKeys} from './keys.js';
import type {LiveData} from './live.js';
import type {LogFeed} from './log-feed.js';
import {reduceKey} from './reducer.js';
import type {Effect, UiState} from './state.js';
import {compileFilter, visibleTasks} from './view.js';

export type KeysInput = {
	/** The state keys run against, always current (keys may come before the next frame). */
	ui: RefObject<UiState>;
	commit(next: UiState): void;
	/** The rows and the size as last drawn. */
	screen: RefObject<{view: readonly TaskStatus[]; cols: number; rows: number}>;
	data: LiveData;
	logs: LogFeed;
	keymap: CompiledKeymap;
	/** Carries out what the keys asked for. */
	run(effects: Effect[]): void;
	/** Told when a key has been handled. */
	onKey?: (name: string) => void;
};

export function useKeys({ui, commit, screen, data, logs, keymap, run, onKey}: KeysInput): void {
	const {stdin, setRawMode, isRawModeSupported} = useStdin();
	useLayoutEffect(() => {
		if (isRawModeSupported) {
			setRawMode(true);
		}

		const onData = (chunk: Buffer | string): void => {
			let state = ui.current;
			const effects: Effect[] = [];
			const names: string[] = [];
			for (const key of parseKeys(String(chunk))) {
				// Recomputed per key: a key may change the filter or the sort, and so the rows.
				const {view, cols, rows} = screen.current;
				const rowsNow =
					state.filter === ui.current.filter && state.sort === ui.current.sort
						? view
						: visibleTasks(data.tasks.values(), compileFilter(state.filter), state.sort, data.now);
				const result = reduceKey(state, key, reduceContextOf(layoutOf(cols, rows, state), state, rowsNow, logs), keymap);
				state = result.state;
				effects.push(...result.effects);
				names.push(key.name);
			}

			commit(state);
			run(effects);
			for (const name of names) {
				onKey?.(name);
			}
		};

		stdin.on('data', onData);
		return () => {
			stdin.off('data', onData);
			if (isRawModeSupported) {
				setRawMode(false);
			}
		};
	}, [stdin, setRawMode, isRawModeSupported, ui, commit, screen, data, logs, keymap, run, onKey]);
}
