/*
 * readPipe(fd, buffer, onRead) reads a task's output pipe on the daemon's own event loop (a
 * uv_poll), into one buffer every pipe shares, as many bytes per read as the pipe holds (a
 * widened pipe gives 1 MiB at once): net.Socket reads 64 KiB at a time into a new Buffer and
 * pushes each through a stream, which was most of the daemon's own time when a task writes
 * hundreds of MB (issue 22, W5). onRead(n) gets n > 0 new bytes at the start of `buffer` (used
 * before it returns: the next read overwrites them), 0 at end of file, -errno on a failed read;
 * after 0 or -errno the fd is closed and nothing more comes. closePipe(handle) stops early.
 * readPipe(fd, buffer, onRead, pauseMs): a read that emptied the pipe but took BUSY_READ_BYTES or
 * more is a fast writer's, so the pipe is not watched again for pauseMs: the next read takes what
 * came meanwhile at once. Reading a fast writer's 4 KiB writes as they come cost a wake-up, a
 * call into JavaScript and a log write per ~30 KiB (W5: 6,900 of each for 200 MB).
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>
#include "pipe-reader.h"

/* Reads per wake-up before other pipes and timers get their turn. */
#define READS_PER_TURN 8
/* A read this large that still emptied the pipe: its writer is fast, wait before the next (pauseMs). */
#define BUSY_READ_BYTES (16 * 1024)

typedef struct {
	uv_poll_t poll;
	uv_timer_t pause;
	uint64_t pause_ms;
	/* The poll and the timer: freed when both are closed. */
	int handles;
	int fd;
	bool closing;
	napi_env env;
	napi_ref callback;
	napi_ref buffer;
	napi_async_context context;
	uint8_t *data;
	size_t capacity;
} reader_t;

static void on_closed(uv_handle_t *handle) {
	reader_t *reader = handle->data;
	if (--reader->handles > 0) {
		return;
	}
	close(reader->fd);
	napi_delete_reference(reader->env, reader->callback);
	napi_delete_reference(reader->env, reader->buffer);
	napi_async_destroy(reader->env, reader->context);
	free(reader);
}

static void stop(reader_t *reader) {
	if (!reader->closing) {
		reader->closing = true;
		uv_poll_stop(&reader->poll);
		uv_timer_stop(&reader->pause);
		uv_close((uv_handle_t *)&reader->poll, on_closed);
		uv_close((uv_handle_t *)&reader->pause, on_closed);
	}
}

static void on_poll(uv_poll_t *poll, int status, int events);

static void on_pause_end(uv_timer_t *timer) {
	reader_t *reader = timer->data;
	if (!reader->closing) {
		uv_poll_start(&reader->poll, UV_READABLE, on_poll);
	}
}

/* Calls onRead(n); an exception it throws goes to the process as an uncaught one. */
static void report(reader_t *reader, double n) {
	napi_env env = reader->env;
	napi_handle_scope scope;
	napi_open_handle_scope(env, &scope);
	napi_value callback, global, argument, result;
	napi_get_reference_value(env, reader->callback, &callback);
	napi_get_global(env, &global);
	napi_create_double(env, n, &argument);
	if (napi_make_callback(env, reader->context, global, callback, 1, &argument, &result) == napi_pending_exception) {
		napi_value error;
		napi_get_and_clear_last_exception(env, &error);
		napi_fatal_exception(env, error);
	}
	napi_close_handle_scope(env, scope);
}

static void on_poll(uv_poll_t *poll, int status, int events) {
	(void)events;
	reader_t *reader = poll->data;
	if (status < 0) {
		report(reader, status);
		stop(reader);
		return;
	}

	for (int i = 0; i < READS_PER_TURN && !reader->closing; i++) {
		ssize_t n = read(reader->fd, reader->data, reader->capacity);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return;
		}
		int failure = n < 0 ? errno : 0;
		report(reader, n < 0 ? -failure : (double)n);
		if (n <= 0) {
			stop(reader);
			return;
		}
		if ((size_t)n < reader->capacity) {
			if ((size_t)n >= BUSY_READ_BYTES && reader->pause_ms > 0 && !reader->closing) {
				uv_poll_stop(&reader->poll);
				uv_timer_start(&reader->pause, on_pause_end, reader->pause_ms, 0);
			}
			return;
		}
	}
}

static napi_value ReadPipe(napi_env env, napi_callback_info info) {
	size_t argc = 4;
	napi_value args[4];
	napi_get_cb_info(env, info, &argc, args, NULL, NULL);
	int32_t fd = -1;
	uint32_t pause_ms = 0;
	void *data = NULL;
	size_t capacity = 0;
	napi_valuetype kind = napi_undefined;
	bool is_buffer = false;
	if (argc >= 3) {
		napi_typeof(env, args[2], &kind);
		napi_is_buffer(env, args[1], &is_buffer);
	}
	if (argc < 3 || napi_get_value_int32(env, args[0], &fd) != napi_ok || fd < 0 || !is_buffer || kind != napi_function) {
		napi_throw_type_error(env, NULL, "readPipe: (fd, buffer, onRead) are required");
		return NULL;
	}
	if (argc == 4 && napi_get_value_uint32(env, args[3], &pause_ms) != napi_ok) {
		napi_throw_type_error(env, NULL, "readPipe: pauseMs must be a whole number of milliseconds");
		return NULL;
	}
	napi_get_buffer_info(env, args[1], &data, &capacity);
	uv_loop_t *loop = NULL;
	if (capacity == 0 || napi_get_uv_event_loop(env, &loop) != napi_ok) {
		napi_throw_error(env, NULL, "readPipe: no buffer room or no event loop");
		return NULL;
	}

	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		napi_throw_error(env, NULL, "readPipe: fcntl O_NONBLOCK failed");
		return NULL;
	}

	reader_t *reader = calloc(1, sizeof *reader);
	if (reader == NULL || uv_poll_init(loop, &reader->poll, fd) != 0) {
		free(reader);
		napi_throw_error(env, NULL, "readPipe: cannot watch the pipe");
		return NULL;
	}
	uv_timer_init(loop, &reader->pause);
	reader->pause.data = reader;
	reader->handles = 2;
	reader->pause_ms = pause_ms;
	reader->poll.data = reader;
	reader->fd = fd;
	reader->env = env;
	reader->data = data;
	reader->capacity = capacity;
	napi_create_reference(env, args[2], 1, &reader->callback);
	napi_create_reference(env, args[1], 1, &reader->buffer);
	napi_value resource, name;
	napi_create_object(env, &resource);
	napi_create_string_utf8(env, "tm:pipe", NAPI_AUTO_LENGTH, &name);
	napi_async_init(env, resource, name, &reader->context);
	uv_poll_start(&reader->poll, UV_READABLE, on_poll);

	napi_value handle;
	napi_create_external(env, reader, NULL, NULL, &handle);
	return handle;
}

/* The caller calls it at most once, and never after onRead got 0 or -errno (pipe-reader.ts). */
static napi_value ClosePipe(napi_env env, napi_callback_info info) {
	size_t argc = 1;
	napi_value arg;
	napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
	void *reader = NULL;
	if (argc < 1 || napi_get_value_external(env, arg, &reader) != napi_ok || reader == NULL) {
		napi_throw_type_error(env, NULL, "closePipe: a handle from readPipe is required");
		return NULL;
	}
	stop(reader);
	return NULL;
}

void register_pipe_reader(napi_env env, napi_value exports) {
	napi_value read_pipe, close_pipe;
	napi_create_function(env, "readPipe", NAPI_AUTO_LENGTH, ReadPipe, NULL, &read_pipe);
	napi_set_named_property(env, exports, "readPipe", read_pipe);
	napi_create_function(env, "closePipe", NAPI_AUTO_LENGTH, ClosePipe, NULL, &close_pipe);
	napi_set_named_property(env, exports, "closePipe", close_pipe);
}
