// GC stress check of the better-sqlite3 addon embedded in dist/tm, run by the embedded Node:
//   <node24> --expose-gc scripts/addon-check.mjs <better_sqlite3.node>
// An addon compiled against Node >= 24.19's unpatched node_object_wrap.h aborts here with
// "Assertion failed: (env) != nullptr" in node::RemoveEnvironmentCleanupHook (nodejs/node#65446):
// Statement objects are destroyed from a GC weak callback, with no JavaScript on the stack.
import os from 'node:os';
import path from 'node:path';
import Database from '../node_modules/better-sqlite3/lib/index.js';

const addonPath = process.argv[2];
const addon = {exports: {}};
process.dlopen(addon, path.resolve(addonPath), os.constants.dlopen.RTLD_NOW);

const db = new Database(':memory:', {nativeBinding: addon.exports});
db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
const version = db.prepare('SELECT sqlite_version() AS v').get().v;

// Many statements that become garbage at once; then collections from timer callbacks, where no
// JavaScript frame (and no V8 context) is on the stack when the weak callbacks run.
let statements = 0;
for (let i = 0; i < 20_000; i++) {
	db.prepare(`SELECT ${i} AS n, v FROM t WHERE id = ?`).get(i);
	statements++;
}

let ticks = 0;
const timer = setInterval(() => {
	let junk = [];
	for (let i = 0; i < 50_000; i++) {
		junk.push({i, s: `x${i}`});
	}

	junk = null;
	for (let i = 0; i < 2_000; i++) {
		db.prepare('SELECT ? AS n').get(i);
		statements++;
	}

	globalThis.gc?.();
	if (++ticks === 20) {
		clearInterval(timer);
		setImmediate(() => {
			globalThis.gc?.();
			db.close();
			process.stdout.write(`GC stress: ${statements} statements prepared and collected over ${ticks} timer ticks, sqlite ${version}, node ${process.versions.node}: survived\n`);
		});
	}
}, 5);
