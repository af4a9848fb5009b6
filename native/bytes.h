/*
 * Byte work on output buffers (bytes.c), too hot for a JS loop: the log pipeline counts every
 * '\n' of every task's output (src/core/log/unsplit-output.ts).
 */
#ifndef TM_BYTES_H
#define TM_BYTES_H

#include <node_api.h>

/* Adds countLines(buffer) -> number of '\n' bytes, and setPipeSize(fd, bytes) -> size or -errno, to `exports`. */
void register_bytes(napi_env env, napi_value exports);

#endif
