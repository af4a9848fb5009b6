/*
 * readProcStats(procRoot, callback(error, text)): the stat file of every process under procRoot
 * (`<root>/<pid>/stat`), read in one job on libuv's pool and handed back as one latin1 string.
 * The JS scan (three pool round trips, callbacks and promises per file) was most of the idle
 * daemon's CPU (issue 22, W1); this is one round trip per sample.
 * Files are separated by NUL, the one byte a command name (which may hold '\n') cannot hold.
 * A process that exits during the scan is simply missing; only a root that cannot be listed
 * is an error.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proc-stats.h"

typedef struct {
	napi_async_work work;
	napi_ref callback;
	char *root;
	char *text;
	size_t length;
	size_t capacity;
	int error;
} Scan;

static int reserve(Scan *scan, size_t more) {
	if (scan->length + more <= scan->capacity) {
		return 0;
	}

	size_t capacity = scan->capacity == 0 ? 64 * 1024 : scan->capacity;
	while (capacity < scan->length + more) {
		capacity *= 2;
	}

	char *text = realloc(scan->text, capacity);
	if (text == NULL) {
		return ENOMEM;
	}

	scan->text = text;
	scan->capacity = capacity;
	return 0;
}

/* Appends one stat file and a NUL. */
static int append_file(Scan *scan, const char *path) {
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return 0;
	}

	size_t start = scan->length;
	for (;;) {
		if (reserve(scan, 1025) != 0) {
			close(fd);
			scan->length = start;
			return ENOMEM;
		}

		ssize_t n = read(fd, scan->text + scan->length, 1024);
		if (n < 0 && errno == EINTR) {
			continue;
		}

		if (n < 0) {
			/* ESRCH: the process exited between open and read. */
			scan->length = start;
			break;
		}

		if (n == 0) {
			break;
		}

		scan->length += (size_t)n;
	}

	close(fd);
	if (scan->length > start) {
		scan->text[scan->length++] = '\0';
	}

	return 0;
}

static void execute(napi_env env, void *data) {
	(void)env;
	Scan *scan = data;
	DIR *dir = opendir(scan->root);
	if (dir == NULL) {
		scan->error = errno;
		return;
	}

	size_t rootLength = strlen(scan->root);
	char *path = malloc(rootLength + 64);
	if (path == NULL) {
		closedir(dir);
		scan->error = ENOMEM;
		return;
	}

	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL) {
		const char *name = entry->d_name;
		size_t digits = strspn(name, "0123456789");
		if (digits == 0 || name[digits] != '\0' || digits > 20) {
			continue;
		}

		snprintf(path, rootLength + 64, "%s/%s/stat", scan->root, name);
		scan->error = append_file(scan, path);
		if (scan->error != 0) {
			break;
		}
	}

	free(path);
	closedir(dir);
}

static void complete(napi_env env, napi_status status, void *data) {
	Scan *scan = data;
	napi_value callback, global, argv[2];
	napi_get_reference_value(env, scan->callback, &callback);
	napi_get_global(env, &global);
	napi_get_undefined(env, &argv[0]);
	napi_get_undefined(env, &argv[1]);
	if (status != napi_ok && scan->error == 0) {
		scan->error = ECANCELED;
	}

	if (scan->error == 0) {
		napi_create_string_latin1(env, scan->text == NULL ? "" : scan->text, scan->length, &argv[1]);
	} else {
		char message[300];
		snprintf(message, sizeof message, "cannot list %s: %s", scan->root, strerror(scan->error));
		napi_value text, number;
		napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
		napi_create_error(env, NULL, text, &argv[0]);
		napi_create_int32(env, scan->error, &number);
		napi_set_named_property(env, argv[0], "errno", number);
	}

	napi_delete_async_work(env, scan->work);
	napi_delete_reference(env, scan->callback);
	free(scan->root);
	free(scan->text);
	free(scan);
	napi_call_function(env, global, callback, 2, argv, NULL);
}

static napi_value ReadProcStats(napi_env env, napi_callback_info info) {
	size_t argc = 2;
	napi_value args[2];
	napi_get_cb_info(env, info, &argc, args, NULL, NULL);
	napi_valuetype rootType = napi_undefined, callbackType = napi_undefined;
	if (argc < 2 || napi_typeof(env, args[0], &rootType) != napi_ok || rootType != napi_string || napi_typeof(env, args[1], &callbackType) != napi_ok ||
	    callbackType != napi_function) {
		napi_throw_type_error(env, NULL, "readProcStats(procRoot, callback)");
		return NULL;
	}

	size_t length = 0;
	napi_get_value_string_utf8(env, args[0], NULL, 0, &length);
	Scan *scan = calloc(1, sizeof *scan);
	char *root = malloc(length + 1);
	if (scan == NULL || root == NULL) {
		free(scan);
		free(root);
		napi_throw_error(env, NULL, "readProcStats: out of memory");
		return NULL;
	}

	napi_get_value_string_utf8(env, args[0], root, length + 1, &length);
	scan->root = root;
	napi_value name;
	napi_create_string_utf8(env, "tm:proc-stats", NAPI_AUTO_LENGTH, &name);
	napi_create_reference(env, args[1], 1, &scan->callback);
	napi_create_async_work(env, NULL, name, execute, complete, scan, &scan->work);
	napi_queue_async_work(env, scan->work);
	return NULL;
}

void register_proc_stats(napi_env env, napi_value exports) {
	napi_value fn;
	napi_create_function(env, "readProcStats", NAPI_AUTO_LENGTH, ReadProcStats, NULL, &fn);
	napi_set_named_property(env, exports, "readProcStats", fn);
}
