/* The daemon's own resource limits (fd-limit.c). */
#ifndef TM_FD_LIMIT_H
#define TM_FD_LIMIT_H

#include <node_api.h>

/* Adds raiseFileLimit() -> [soft before, soft now, errno], -1 for unlimited, to `exports`. */
void register_fd_limit(napi_env env, napi_value exports);

#endif
