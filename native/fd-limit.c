/*
 * raiseFileLimit(): the soft limit on open files (RLIMIT_NOFILE) raised to the hard one. Node has
 * no setrlimit; a daemon with thousands of tasks holds a few descriptors for each (their pipes),
 * and systemd and most shells start programs at a soft 1024 under a much higher hard limit.
 * Returns [soft before, soft now, errno (0 when nothing failed)]; -1 stands for unlimited.
 */
#define NAPI_VERSION 8
#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>
#include "fd-limit.h"

static double number_of(rlim_t value) {
	return value == RLIM_INFINITY ? -1 : (double)value;
}

/* An unlimited hard limit cannot be the soft one for files: the kernel's fs.nr_open is the most. */
static rlim_t open_files_ceiling(rlim_t hard) {
	if (hard != RLIM_INFINITY) {
		return hard;
	}

	unsigned long nr_open = 0;
	FILE *file = fopen("/proc/sys/fs/nr_open", "re");
	if (file != NULL) {
		if (fscanf(file, "%lu", &nr_open) != 1) {
			nr_open = 0;
		}

		fclose(file);
	}

	return nr_open > 0 ? (rlim_t)nr_open : 1048576;
}

static napi_value RaiseFileLimit(napi_env env, napi_callback_info info) {
	(void)info;
	struct rlimit limit;
	double values[3] = {-1, -1, 0};
	if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
		values[2] = errno;
	} else {
		values[0] = values[1] = number_of(limit.rlim_cur);
		rlim_t target = open_files_ceiling(limit.rlim_max);
		if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < target) {
			struct rlimit raised = {target, limit.rlim_max};
			if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
				values[1] = number_of(target);
			} else {
				values[2] = errno;
			}
		}
	}

	napi_value result;
	napi_create_array_with_length(env, 3, &result);
	for (uint32_t i = 0; i < 3; i++) {
		napi_value number;
		napi_create_double(env, values[i], &number);
		napi_set_element(env, result, i, number);
	}

	return result;
}

void register_fd_limit(napi_env env, napi_value exports) {
	napi_value fn;
	napi_create_function(env, "raiseFileLimit", NAPI_AUTO_LENGTH, RaiseFileLimit, NULL, &fn);
	napi_set_named_property(env, exports, "raiseFileLimit", fn);
}
