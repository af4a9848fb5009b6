/*
 * trimMalloc(): malloc_trim(0), the free memory of every malloc arena handed back to the system.
 * A start-up (or a reload) leaves freed blocks in the arenas of the threads that did the work
 * (spawns run on libuv's pool); glibc keeps them resident until told (src/core/memory.ts).
 */
#define NAPI_VERSION 8
#include <malloc.h>
#include "memory.h"

static napi_value TrimMalloc(napi_env env, napi_callback_info info) {
	(void)info;
	napi_value result;
	napi_create_int32(env, malloc_trim(0), &result);
	return result;
}

void register_memory(napi_env env, napi_value exports) {
	napi_value fn;
	napi_create_function(env, "trimMalloc", NAPI_AUTO_LENGTH, TrimMalloc, NULL, &fn);
	napi_set_named_property(env, exports, "trimMalloc", fn);
}
