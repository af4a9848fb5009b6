/**
 * The store, for the daemon. The CLI imports `./readonly.js` directly instead, and only that.
 */
export {BUSY_TIMEOUT_MS, openDatabase, type OpenOptions} from './db.js';
export {LATEST_VERSION, migrate, migrations, schemaVersion, TM_APPLICATION_ID} from './migrations.js';
export {eventFromRow, eventToRow, rowToTask, runFromRow, runStartToRow, taskToRow, type RowProblem} from './mappers.js';
export type {ProblemSink} from './reads.js';
export {Store} from './store.js';
export type * from './types.js';
