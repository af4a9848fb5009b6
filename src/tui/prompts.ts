/**
 * The overlays that own the keyboard until closed: a y/N question, the signal menu and the
 * help. Any key a question does not know answers it "no" (the safe answer).
 */
import type {Command} from './keymap.js';
import {done, signals, type Prompt, type Result, type UiState} from './state.js';

type Confirm = Extract<Prompt, {kind: 'confirm'}>;
type SignalMenu = Extract<Prompt, {kind: 'signal'}>;

export function reduceConfirm(state: UiState, prompt: Confirm, command: Command): Result {
	switch (command) {
		case 'yes': {
			return done({...state, prompt: null}, prompt.yes);
		}

		case 'all': {
			return prompt.all ? done({...state, prompt: null}, prompt.all.effect) : done(state);
		}

		case 'quit': {
			return done({...state, prompt: null}, {kind: 'quit'});
		}

		default: {
			return done({...state, prompt: null});
		}
	}
}

export function reduceSignalMenu(state: UiState, menu: SignalMenu, command: Command): Result {
	switch (command) {
		case 'down':
		case 'up': {
			const step = command === 'down' ? 1 : -1;
			return done({...state, prompt: {...menu, index: (menu.index + step + signals.length) % signals.length}});
		}

		case 'choose': {
			return done({...state, prompt: null}, {kind: 'signal', signal: signals[menu.index]!, names: menu.names});
		}

		case 'all': {
			if (!menu.all) {
				return done(state);
			}

			// Every match gets the signal only after one more question, with the count.
			const signal = signals[menu.index]!;
			return done({
				...state,
				prompt: {kind: 'confirm', text: `Send ${signal} to ${menu.all.label}?`, yes: {kind: 'signal', signal, names: menu.all.names}, all: null},
			});
		}

		case 'quit': {
			return done({...state, prompt: null}, {kind: 'quit'});
		}

		default: {
			return done({...state, prompt: null});
		}
	}
}

export function reduceHelp(state: UiState, command: Command): Result {
	switch (command) {
		case 'down': {
			return done({...state, helpOffset: state.helpOffset + 1});
		}

		case 'up': {
			return done({...state, helpOffset: Math.max(0, state.helpOffset - 1)});
		}

		case 'quit': {
			return done(state, {kind: 'quit'});
		}

		default: {
			return done({...state, help: false, helpOffset: 0});
		}
	}
}
