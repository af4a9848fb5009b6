/** The daemon's lifecycle: `startDaemon` runs it inside this process. */
export {startDaemon, type Daemon, type DaemonOptions} from './compose.js';
