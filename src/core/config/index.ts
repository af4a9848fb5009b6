/**
 * The config loader: YAML file → Config, with every problem reported at once (SPEC §2).
 */
export type {ConfigIssue} from './issue.js';
export type {ConfigPathEnv} from './load.js';
export type {ParsedConfig} from './parse.js';
export type {ValidConfig} from './validate.js';
export {backoffDefaults, daemonDefaults, logDefaults, programDefaults, smtpDefaults, stuckDefaults} from './defaults.js';
export {expandTasks, instanceLogPath, programTask, programTasks, taskCount} from './expand.js';
export {formatIssue, sortIssues} from './issue.js';
export {loadConfigFile, loadConfigText, resolveConfigPath} from './load.js';
export {parseYaml} from './parse.js';
export {programKeys, programNamePattern} from './program.js';
export {daemonKeys, isLoopback, parseHttp} from './daemon.js';
export {splitCommand} from './program-fields.js';
export {suggest} from './suggest.js';
export {parseDuration, parsePercent, parseSignal, parseSize, parseUmask} from './units.js';
export {validateConfig} from './validate.js';
