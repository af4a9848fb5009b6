/**
 * A reload's plan in words, as `tm reload` prints it and (on one line) as the daemon answers
 * SIGHUP on stderr.
 */
import type {ReloadResult} from '../ipc/methods.js';
import {needsRestart} from './reload-plan.js';

export function formatPlan(plan: ReloadResult): string {
	const lines: string[] = [];
	const list = (label: string, names: string[]) => {
		if (names.length > 0) {
			lines.push(`${label.padEnd(10)}${names.join(', ')}`);
		}
	};

	list('added', plan.added);
	list('removed', plan.removed);
	for (const {name, keys} of plan.changed) {
		lines.push(`${'changed'.padEnd(10)}${name} (${keys.join(', ')})`);
	}

	list('unchanged', plan.unchanged);
	const later = plan.daemon.filter(key => needsRestart(key));
	const now = plan.daemon.filter(key => !needsRestart(key));
	if (now.length > 0) {
		lines.push(`${'daemon'.padEnd(10)}${now.join(', ')} changed`);
	}

	if (later.length > 0) {
		lines.push(`${'daemon'.padEnd(10)}${later.join(', ')} changed: ${plan.applied ? 'takes' : 'would take'} effect when the daemon starts again (tm down, then tm up)`);
	}

	const nothing = plan.added.length + plan.removed.length + plan.changed.length + now.length === 0;
	const verdict = plan.applied ? (nothing ? 'nothing to do' : 'applied') : 'dry run: nothing was changed';
	return `${lines.join('\n')}${lines.length > 0 ? '\n' : ''}${verdict}\n`;
}
