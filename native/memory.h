/* The daemon's own memory (memory.c). */
#ifndef TM_MEMORY_H
#define TM_MEMORY_H

#include <node_api.h>

/* Adds trimMalloc() -> 1 when memory went back to the system, else 0, to `exports`. */
void register_memory(napi_env env, napi_value exports);

#endif
