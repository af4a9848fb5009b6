/**
 * The daemon's lifecycle: `startDaemon` runs it inside this process (tests, benchmarks);
 * `startShell` is the process `tm up --foreground` is (signals, systemd, stderr).
 */
export {startDaemon, type Daemon, type DaemonOptions} from './compose.js';
export {startShell, type Shell, type ShellOptions} from './shell.js';
