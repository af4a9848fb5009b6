// @jsxRuntime automatic
// @jsxImportSource react
/**
 * The live dashboard: the session's data, the terminal's size, keys through the reducer
 * (`use-keys.ts`). Effects go to the session, and so does what the screen shows that the daemon
 * is to be asked about (the selected task's log, the detail on screen).
 */
import {useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore} from 'react';
import {after, systemClock, type Clock} from './clock.js';
import {Dashboard, layoutOf} from './components/Dashboard.js';
import type {Details} from './details.js';
import {compileKeymap, type CompiledKeymap} from './keymap.js';
import type {LiveData} from './live.js';
import type {LogFeed} from './log-feed.js';
import {clearMessage, initialState, selectedIndex, withMessage, type Effect, type UiState} from './state.js';
import type {Theme} from './theme.js';
import {useKeys} from './use-keys.js';
import {useTerminalSize} from './use-terminal-size.js';
import {compileFilter, TaskOrder} from './view.js';

/** What the dashboard needs from the daemon side (a `Session`, or a fake in tests). */
export type SessionLike = {
	readonly data: LiveData;
	readonly logs: LogFeed;
	readonly details: Pick<Details, 'current' | 'subscribe' | 'getVersion'>;
	/** The selected task, whose log to follow. */
	follow(taskId: string | null): void;
	/** The task whose detail is on screen. */
	showDetail(taskId: string | null): void;
	perform(effect: Effect): Promise<void>;
};

export type AppProps = {
	session: SessionLike;
	theme: Theme;
	/** Timers (messages, resizes) run on it; tests pass a manual one. */
	clock?: Clock;
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

export function App({session, theme, clock = systemClock, keymap: givenKeymap, onQuit, size: fixedSize, onNotice, messageMs = 5000, onKey, logFlushMs}: AppProps) {
	const keymap = useMemo(() => givenKeymap ?? compileKeymap(), [givenKeymap]);
	const {cols, rows} = useTerminalSize(fixedSize, clock);
	const {data, logs, details} = session;
	useSyncExternalStore(data.subscribe, data.getVersion);
	useSyncExternalStore(logs.subscribe, logs.getVersion);
	useSyncExternalStore(details.subscribe, details.getVersion);
	const [ui, setUi] = useState<UiState>(initialState);
	const uiRef = useRef(ui);
	uiRef.current = ui;
	const commit = useCallback((next: UiState) => {
		uiRef.current = next;
		setUi(next);
	}, []);

	const filter = useMemo(() => compileFilter(ui.filter), [ui.filter]);
	// The store is mutable: its tasksVersion says when the tasks changed. The order does not move
	// with the clock (uptimes all grow alike), so ticks keep it.
	const {tasksVersion} = data;
	const order = useMemo(() => new TaskOrder(), []);
	const view = useMemo(() => order.rows(data.tasks, filter, ui.sort, data.now), [order, tasksVersion, filter, ui.sort, data]);
	const screen = useRef({view, cols, rows});
	screen.current = {view, cols, rows};

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
	useKeys({ui: uiRef, commit, screen, data, logs, keymap, run, onKey});

	// Notices from the session (what an action did) go to the footer.
	useEffect(() => {
		onNotice?.((text, error) => commit(withMessage(uiRef.current, text, error)));
	}, [onNotice, commit]);

	// A message stays for a while, then the key hints come back.
	const messageId = ui.message?.id;
	useEffect(() => {
		if (messageId === undefined) {
			return;
		}

		const timer = after(clock, messageMs, () => commit(clearMessage(uiRef.current, messageId)));
		return () => timer.cancel();
	}, [messageId, messageMs, clock, commit]);

	const large = cols * rows >= largeArea;
	const flushNormal = logFlushMs?.normal ?? 100;
	const flushLarge = logFlushMs?.large ?? 250;
	// The task list keeps the log's pace, so their changes share frames (versioned.ts).
	useEffect(() => {
		logs.setMinGap(large ? flushLarge : flushNormal);
		data.setMinGap(large ? flushLarge : flushNormal);
	}, [logs, data, large, flushNormal, flushLarge]);

	// The selected task's log is followed; the detail on screen is described.
	const layout = layoutOf(cols, rows, ui);
	const index = selectedIndex(ui, view);
	const selectedId = index >= 0 ? (view[index]?.id ?? null) : null;
	useEffect(() => {
		session.follow(selectedId);
	}, [session, selectedId]);

	const detailOpen = layout.kind !== 'small' && layout.detail !== null ? selectedId : null;
	useEffect(() => {
		session.showDetail(detailOpen);
	}, [session, detailOpen]);

	return (
		<Dashboard cols={cols} rows={rows} ui={ui} data={data} logs={logs} detail={details.current} view={view} filterError={filter.error} theme={theme} keymap={keymap} />
	);
}
