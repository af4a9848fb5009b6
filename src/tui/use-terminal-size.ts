/**
 * The terminal's size, following resizes (Ink 6 has no useWindowSize). A burst of resize events
 * (a window being dragged) becomes one new size 30 ms after the last.
 */
import {useStdout} from 'ink';
import {useCallback, useEffect, useState} from 'react';
import {after, type Clock, type TimerHandle} from './clock.js';

export type Size = {cols: number; rows: number};

/** `fixed` (tests) wins over the terminal's size. */
export function useTerminalSize(fixed: Size | undefined, clock: Clock): Size {
	const {stdout} = useStdout();
	const read = useCallback(() => ({cols: stdout.columns || 80, rows: stdout.rows || 24}), [stdout]);
	const [size, setSize] = useState(read);
	useEffect(() => {
		if (fixed) {
			return;
		}

		let timer: TimerHandle | null = null;
		const onResize = (): void => {
			timer?.cancel();
			timer = after(clock, 30, () => {
				timer = null;
				setSize(previous => {
					const next = read();
					return next.cols === previous.cols && next.rows === previous.rows ? previous : next;
				});
			});
		};

		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
			timer?.cancel();
		};
	}, [stdout, read, fixed, clock]);
	return fixed ?? size;
}
