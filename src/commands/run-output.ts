/**
 * `tm run --wait` shows the job's output as it comes, as `docker run` does: stdout lines on
 * stdout, stderr lines on stderr. The lines come on a follow of their own; the last ones may
 * reach it after the daemon said the job ended, so `finish` asks for what came after the last
 * line shown (by its seq) before it stops following. Nothing is shown twice.
 */
import type {TmClient} from '../core/client/seam.js';
import type {LogLineDoc} from '../core/ipc/methods.js';
import type {Io} from './deps.js';

/** The lines the daemon keeps of a job: all of a short job's output. */
const kept = 1000;

export type JobOutput = {finish(): Promise<void>};

export async function showJobOutput(client: TmClient, id: string, io: Io): Promise<JobOutput> {
	let last = 0;
	const show = (line: LogLineDoc): void => {
		if (line.seq > last) {
			last = line.seq;
			(line.stream === 'stderr' ? io.err : io.out)(`${line.text}\n`);
		}
	};

	const following = await client.followLogs({name: id, lines: kept, stream: 'both'}, {tail: lines => lines.forEach(show), line: show, dropped: () => {}});
	return {
		async finish() {
			const {lines} = await client.call('logs', {name: id, lines: kept, stream: 'both', after: last});
			lines.forEach(show);
			await following.close();
		},
	};
}
