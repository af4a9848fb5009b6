/*
 * Reading task output pipes on the event loop into one shared buffer (pipe-reader.c), for
 * src/core/process/pipe-reader.ts.
 */
#ifndef TM_PIPE_READER_H
#define TM_PIPE_READER_H

#include <node_api.h>

/* Adds readPipe(fd, buffer, onRead) -> handle and closePipe(handle) to `exports`. */
void register_pipe_reader(napi_env env, napi_value exports);

#endif
