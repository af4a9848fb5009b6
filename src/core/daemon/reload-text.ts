/**
 * A reload's plan in words, as `tm reload` prints it and (on one line) as the daemon answers
 * SIGHUP on stderr.
 */
import type {ReloadResult} from '../ipc/methods.js';

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
	if (plan.daemon.length > 0) {
		lines.push(`${'daemon'.padEnd(10)}${plan.daemon.join(', ')} changed`);
	}

	const nothing = plan.added.length + plan.removed.length + plan.changed.length === 0;
	const verdict = plan.applied ? (nothing ? 'nothing to do' : 'applied') : 'dry run: nothing was changed';
	return `${lines.join('\n')}${lines.length > 0 ? '\n' : ''}${verdict}\n`;
}
