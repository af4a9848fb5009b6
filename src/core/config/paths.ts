/**
 * Relative paths in a config file mean "next to the file": `logfile`, `workingdir`, `stdout`
 * and `stderr` are resolved against the file's folder.
 */
import {isAbsolute, resolve} from 'node:path';
import type {ValidConfig} from './validate.js';

function against(folder: string, path: string | null): string | null {
	return path === null || isAbsolute(path) ? path : resolve(folder, path);
}

/** The config with its relative paths made absolute against `folder` (itself absolute). */
export function resolvePaths(config: ValidConfig, folder: string): ValidConfig {
	return {
		daemon: {
			...config.daemon,
			logfile: against(folder, config.daemon.logfile),
			...(config.daemon.cluster ? {cluster: {...config.daemon.cluster, passwordFile: against(folder, config.daemon.cluster.passwordFile)}} : {}),
		},
		programs: config.programs.map((program) => ({
			...program,
			workingdir: against(folder, program.workingdir),
			stdout: against(folder, program.stdout),
			stderr: against(folder, program.stderr),
		})),
	};
}
