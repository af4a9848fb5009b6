// @jsxRuntime automatic
// @jsxImportSource react
/**
 * The live dashboard: the session's data, the terminal's size and keys, the reducer. Keys are
 * read from stdin directly (see keys.ts) and run through the reducer in order, however many
 * arrive in one read; effects go to the session.
 */
import {useStdin, useStdout} from 'ink';
import {useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore} from 'react';
import {Dashboard, layoutOf, reduceContextOf} from './components/Dashboard.js';
import {compileKeymap, type CompiledKeymap} from './keymap.js';
import {parseKeys} from './keys.js';
import {scrollOffset, tablePage} from './layout.js';
import type {LiveData, LogFeed} from './live.js';
import {reduceKey} from './reducer.js';
import {clearMessage, initialState, selectedIndex, withMessage, type Effect, type UiState} from './state.js';
import type {Theme} from './theme.js';
import {compileFilter, visibleTasks} from './view.js';

/** What the dashboard needs from the daemon side (a `Session`, or a fake in tests). */
export type SessionLike = {
	readonly data: LiveData;
	readonly logs: LogFeed;
	follow(taskId: string | null): void;
	setVisible(ids: string[], detailOf: string | null, allMetrics?: boolean): void;
	perform(effect: Effect): Promise<void>;
};

export type AppProps = {
	session: SessionLike;
	theme: Theme;
	keymap?: CompiledKeymap;
	/** Called once when the person quits. */
	onQuit: () => void;
	/** Fixed size (tests); else the terminal's, following resizes. */
	size?: {cols: number; rows: number};
	/** Registers the listener for the session's notices (action results, failures). */
	onNotice?: (listener: (text: string, error: boolean) => void) => void;
	/** How long a message stays in the footer. */
	messageMs?: number;
	/** Told when a key has been handled (benchmarks measure key-to-screen from here). */
	onKey?: (name: string) => void;
	/**
	 * How often new log lines reach the screen: `large` from 160x40 on, where a frame costs
	 * about three times as much (research/tui.md §4.3). Default 100 and 250 ms.
	 */
	logFlushMs?: {normal: number; large: number};
};

/** From this area on (160x40) the log pane refreshes at its slower rate. */
export const largeArea = 160 * 40;

/** The terminal's size, following resizes (Ink 6 has no useWindowSize). */
function useTerminalSize(fixed: {cols: number; rows: number} | undefined): {cols: number; rows: number} {
	const {stdout} = useStdout();
	const read = useCallback(() => ({cols: stdout.columns || 80, rows: stdout.rows || 24}), [stdout]);
	const [size, setSize] = useState(read);
	useEffect(() => {
		if (fixed) {
			return;
		}

		let timer: NodeJS.Timeout | null = null;
		const onResize = (): void => {
			if (timer !== null) {
				clearTimeout(timer);
			}

			timer = setTimeout(() => {
				timer = null;
				setSize(previous => {
					const next = read();
					return next.cols === previous.cols && next.rows === previous.rows ? previous : next;
				});
			}, 30);
		};

		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
			if (timer !== null) {
				clearTimeout(timer);
			}
		};
	}, [stdout, read, fixed]);
	return fixed ?? size;
}

export function App({session, theme, keymap: givenKeymap, onQuit, size: fixedSize, onNotice, messageMs = 5000, onKey, logFlushMs}: AppProps) {
	const keymap = useMemo(() => givenKeymap ?? compileKeymap(), [givenKeymap]);
	const {cols, rows} = useTerminalSize(fixedSize);
	const {data, logs} = session;
	const dataVersion = useSyncExternalStore(data.subscribe, data.getVersion);
	useSyncExternalStore(logs.subscribe, logs.getVersion);
	const [ui, setUi] = useState<UiState>(initialState);
	const uiRef = useRef(ui);
	uiRef.current = ui;

	const filter = useMemo(() => compileFilter(ui.filter), [ui.filter]);
	// The tasks change with dataVersion (the store is mutable).
	const view = useMemo(() => visibleTasks(data.tasks.values(), filter, ui.sort, data.now), [dataVersion, filter, ui.sort, data]);

	// Everything the key handler needs, always current (the stdin listener is registered once).
	const live = useRef({view, cols, rows});
	live.current = {view, cols, rows};

	const quitRef = useRef(onQuit);
	quitRef.current = onQuit;
	const run = useCallback(
		(effects: Effect[]) => {
			for (const effect of effects) {
				if (effect.kind === 'quit') {
					quitRef.current();
				} else {
					void session.perform(effect);
				}
			}
		},
		[session],
	);

	const {stdin, setRawMode, isRawModeSupported} = useStdin();
	// A layout effect: keys are read from the first frame on (passive effects can run late).
	useLayoutEffect(() => {
		if (isRawModeSupported) {
			setRawMode(true);
		}

		const onData = (chunk: Buffer | string): void => {
			let state = uiRef.current;
			const effects: Effect[] = [];
			const names: string[] = [];
			for (const key of parseKeys(String(chunk))) {
				// Recomputed per key: a key may change the filter or the sort, and so the rows.
				const {cols: c, rows: r} = live.current;
				const rowsNow =
					state.filter === uiRef.current.filter && state.sort === uiRef.current.sort
						? live.current.view
						: visibleTasks(data.tasks.values(), compileFilter(state.filter), state.sort, data.now);
				const ctx = reduceContextOf(layoutOf(c, r, state), state, rowsNow, logs);
				const result = reduceKey(state, key, ctx, keymap);
				state = result.state;
				effects.push(...result.effects);
				names.push(key.name);
			}

			uiRef.current = state;
			setUi(state);
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
	}, [stdin, setRawMode, isRawModeSupported, keymap, run, data, logs, onKey]);

	// Notices from the session (what an action did) go to the footer.
	useEffect(() => {
		onNotice?.((text, error) => {
			const next = withMessage(uiRef.current, text, error);
			uiRef.current = next;
			setUi(next);
		});
	}, [onNotice]);

	// A message stays for a while, then the key hints come back.
	const messageId = ui.message?.id;
	useEffect(() => {
		if (messageId === undefined) {
			return;
		}

		const timer = setTimeout(() => {
			const next = clearMessage(uiRef.current, messageId);
			uiRef.current = next;
			setUi(next);
		}, messageMs);
		return () => clearTimeout(timer);
	}, [messageId, messageMs]);

	const large = cols * rows >= largeArea;
	const flushNormal = logFlushMs?.normal ?? 100;
	const flushLarge = logFlushMs?.large ?? 250;
	useEffect(() => {
		logs.setMinGap(large ? flushLarge : flushNormal);
	}, [logs, large, flushNormal, flushLarge]);

	// The selected task's log is followed; the rows on screen get their details.
	const layout = layoutOf(cols, rows, ui);
	const index = selectedIndex(ui, view);
	const selectedId = index >= 0 ? (view[index]?.id ?? null) : null;
	useEffect(() => {
		session.follow(selectedId);
	}, [session, selectedId]);

	const page = layout.kind === 'small' ? 0 : tablePage(layout);
	const offset = scrollOffset(ui.offset, Math.max(0, index), page, view.length);
	const onScreen = view.slice(offset, offset + page).map(task => task.id);
	const detailOpen = layout.kind === 'wide' || ui.detail ? selectedId : null;
	const visibleKey = onScreen.join('\n');
	const allMetrics = ui.sort.key === 'cpu' || ui.sort.key === 'memory';
	useEffect(() => {
		session.setVisible(visibleKey === '' ? [] : visibleKey.split('\n'), detailOpen, allMetrics);
	}, [session, visibleKey, detailOpen, allMetrics]);

	return <Dashboard cols={cols} rows={rows} ui={ui} data={data} logs={logs} view={view} filterError={filter.error} theme={theme} keymap={keymap} />;
}
