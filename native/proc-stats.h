/*
 * Every process's /proc stat line in one job on libuv's pool (proc-stats.c), for
 * src/core/resources/proc-scan.ts.
 */
#ifndef TM_PROC_STATS_H
#define TM_PROC_STATS_H

#include <node_api.h>

/* Adds readProcStats(procRoot, callback(error, text)) to `exports`. */
void register_proc_stats(napi_env env, napi_value exports);

#endif
