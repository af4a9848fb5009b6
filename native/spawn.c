/*
 * tm_spawn: starts a task with posix_spawn, which glibc implements with clone(CLONE_VM |
 * CLONE_VFORK): no copy of the daemon's page tables, so the cost of a start does not grow with
 * the daemon's memory (libuv's fork() costs ~0.8 ms from a bare node and ~3.5 ms once the
 * process holds 100 MB; see bench/spawn.ts). The daemon stays the parent; exits are collected
 * with waitpid on the pids given (never waitpid(-1), which would steal libuv's children).
 *
 * Node-API only (NAPI_VERSION 8), so one build loads in Node 20 and in the Node 24 inside dist/tm.
 *
 *   spawn(file, argv, env, cwd[, options]) -> [pid, stdoutFd, stderrFd, notifyFd, startTime]
 *                                  (throws {errno, syscall}); startTime: field 22 of
 *                                  /proc/<pid>/stat, read where the start ran ("" if unreadable).
 *                                  options {cgroups: [cgroup.procs files], uid, gid, umask}: the
 *                                  child joins those cgroups before its exec, then switches user
 *                                  and umask (spawn-join.c); without options, posix_spawn
 *   spawnAsync(file, argv, env, cwd, callback(error, [pid, fds…, startTime])[, options])
 *                                  the same on a libuv worker thread: the daemon's thread does not
 *                                  wait while the child gets to its exec
 *                                  the child gets /dev/null, the three pipes as fds 1-3, no other fd
 *   kill(pid, signal)           -> 0, or the errno (no exception: a group that is gone is common)
 *   reap(Int32Array pids)       -> [pid, code, signal, ...] for each pid that has exited
 *                                  (code -1 when killed by a signal; signal 0 when it exited)
 *   peekExited()                -> the pid of an exited child, not reaped (0: none; -errno)
 *   setChildSubreaper()         -> 0, or the errno: prctl(PR_SET_CHILD_SUBREAPER), so processes a task
 *                                  leaves behind (a double fork) are re-parented to the daemon, which
 *                                  can then reap them and stop them with their task
 *   pageOutExecutable()         -> bytes of the executable's read-only mappings handed back to the
 *                                  kernel with MADV_PAGEOUT (-errno when /proc is not readable)
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include "bytes.h"
#include "fd-limit.h"
#include "memory.h"
#include "pipe-reader.h"
#include "proc-stats.h"
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "spawn-join.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

/* Pipe ends are kept above the fds they are copied onto in the child (0-3). */
#define LOW_FD_LIMIT 10

static napi_value throw_errno(napi_env env, int code, const char *syscall) {
	char message[200];
	snprintf(message, sizeof message, "%s: %s", syscall, strerror(code));
	napi_value text, error, number, name;
	napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
	napi_create_error(env, NULL, text, &error);
	napi_create_int32(env, code, &number);
	napi_set_named_property(env, error, "errno", number);
	napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &name);
	napi_set_named_property(env, error, "syscall", name);
	napi_throw(env, error);
	return NULL;
}

static napi_value throw_type(napi_env env, const char *message) {
	napi_throw_type_error(env, NULL, message);
	return NULL;
}

/* A malloc'ed copy of a JS string, or NULL (with a pending exception) when it is not one. */
static char *string_of(napi_env env, napi_value value) {
	size_t length;
	if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) {
		throw_type(env, "expected a string");
		return NULL;
	}

	char *text = malloc(length + 1);
	if (text == NULL) {
		throw_errno(env, ENOMEM, "malloc");
		return NULL;
	}

	napi_get_value_string_utf8(env, value, text, length + 1, &length);
	return text;
}

static void free_strings(char **list) {
	if (list != NULL) {
		for (char **item = list; *item != NULL; item++) {
			free(*item);
		}

		free(list);
	}
}

/* A NULL-terminated, malloc'ed copy of a JS array of strings. */
static char **strings_of(napi_env env, napi_value array) {
	bool is_array;
	uint32_t count;
	if (napi_is_array(env, array, &is_array) != napi_ok || !is_array || napi_get_array_length(env, array, &count) != napi_ok) {
		throw_type(env, "expected an array of strings");
		return NULL;
	}

	char **list = calloc((size_t)count + 1, sizeof(char *));
	if (list == NULL) {
		throw_errno(env, ENOMEM, "calloc");
		return NULL;
	}

	for (uint32_t i = 0; i < count; i++) {
		napi_value item;
		napi_get_element(env, array, i, &item);
		list[i] = string_of(env, item);
		if (list[i] == NULL) {
			free_strings(list);
			return NULL;
		}
	}

	return list;
}

/* Moves fd to a number >= LOW_FD_LIMIT, close-on-exec. */
static int raise_fd(int fd) {
	if (fd >= LOW_FD_LIMIT) {
		return fd;
	}

	int moved = fcntl(fd, F_DUPFD_CLOEXEC, LOW_FD_LIMIT);
	int saved = errno;
	close(fd);
	errno = saved;
	return moved;
}

static int make_pipe(int ends[2]) {
	if (pipe2(ends, O_CLOEXEC) != 0) {
		return -1;
	}

	ends[0] = raise_fd(ends[0]);
	ends[1] = raise_fd(ends[1]);
	return ends[0] < 0 || ends[1] < 0 ? -1 : 0;
}

static void close_fd(int *fd) {
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* One start request: what JS gave, copied (a worker thread may run it), and what came of it. */
typedef struct {
	char *file, **argv, **envp, *cwd;
	/* With options: cgroup.procs files to join (maybe none), ids and umask (-1: unchanged). */
	bool joined;
	char **cgroups;
	long uid, gid;
	int umask;
	pid_t pid;
	int fds[3];
	char start_time[32];  /* field 22 of /proc/<pid>/stat, "" when it could not be read */
	int error;          /* errno of the failing call, 0 on success */
	const char *syscall;
	napi_async_work work;
	napi_ref callback;
} Start;

static void free_start(Start *start) {
	free(start->file);
	free_strings(start->argv);
	free_strings(start->envp);
	free(start->cwd);
	free_strings(start->cgroups);
	free(start);
}

/* A number option, -1 when absent; false (with a pending exception) when it is not a number. */
static bool long_option(napi_env env, napi_value options, const char *name, long *out) {
	bool has = false;
	napi_value value;
	int64_t number;
	*out = -1;
	if (napi_has_named_property(env, options, name, &has) != napi_ok || !has) {
		return true;
	}

	napi_get_named_property(env, options, name, &value);
	if (napi_get_value_int64(env, value, &number) != napi_ok) {
		throw_type(env, "spawn options: uid, gid and umask are numbers");
		return false;
	}

	*out = (long)number;
	return true;
}

/* spawn's options {cgroups, uid, gid, umask}; false with a pending exception when they are not that. */
static bool options_of(napi_env env, napi_value options, Start *start) {
	napi_valuetype type;
	if (napi_typeof(env, options, &type) != napi_ok || type == napi_undefined || type == napi_null) {
		return true;
	}

	bool has = false;
	napi_value cgroups;
	long mask;
	start->joined = true;
	if (napi_has_named_property(env, options, "cgroups", &has) == napi_ok && has) {
		napi_get_named_property(env, options, "cgroups", &cgroups);
		start->cgroups = strings_of(env, cgroups);
		if (start->cgroups == NULL) {
			return false;
		}
	}

	if (!long_option(env, options, "uid", &start->uid) || !long_option(env, options, "gid", &start->gid) || !long_option(env, options, "umask", &mask)) {
		return false;
	}

	start->umask = (int)mask;
	return true;
}

/* Copies spawn(file, argv, env, cwd[, options]) from JS; NULL with a pending exception when they are not that. */
static Start *start_of(napi_env env, napi_value *args, napi_value options) {
	Start *start = calloc(1, sizeof(Start));
	if (start == NULL) {
		throw_errno(env, ENOMEM, "calloc");
		return NULL;
	}

	start->file = string_of(env, args[0]);
	start->argv = start->file == NULL ? NULL : strings_of(env, args[1]);
	start->envp = start->argv == NULL ? NULL : strings_of(env, args[2]);
	start->cwd = start->envp == NULL ? NULL : string_of(env, args[3]);
	if (start->cwd == NULL || !options_of(env, options, start)) {
		free_start(start);
		return NULL;
	}

	return start;
}

/*
 * The start time of a child that exists (running, or a zombie not yet reaped: only the daemon
 * reaps it, after this), so a recorded pid is never trusted alone. The command name (field 2)
 * may hold spaces and parentheses: fields resume after the last ')'.
 */
static void read_start_time(pid_t pid, char *out, size_t size) {
	out[0] = '\0';
	char path[64], stat[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return;
	}

	ssize_t length = read(fd, stat, sizeof stat - 1);
	close(fd);
	if (length <= 0) {
		return;
	}

	stat[length] = '\0';
	char *field = strrchr(stat, ')');
	/* After ')': field 3 (the state), then 19 more to field 22. */
	for (int i = 0; i < 20 && field != NULL; i++) {
		field = strchr(field + 1, ' ');
	}

	if (field != NULL) {
		field++;
		size_t digits = strspn(field, "0123456789");
		if (digits > 0 && digits < size) {
			memcpy(out, field, digits);
			out[digits] = '\0';
		}
	}
}

/* posix_spawn with the pipes' write ends as fds 1-3: the start without options. */
static int posix_spawn_task(Start *start, int pipes[3][2]) {
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attributes;
	posix_spawn_file_actions_init(&actions);
	posix_spawnattr_init(&attributes);
	posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
	for (int i = 0; i < 3; i++) {
		posix_spawn_file_actions_adddup2(&actions, pipes[i][1], i + 1);
	}

	posix_spawn_file_actions_addchdir_np(&actions, start->cwd);
	/* Nothing else the daemon holds (or inherited without close-on-exec from whoever started it). */
	posix_spawn_file_actions_addclosefrom_np(&actions, 4);
	/* A new session (and process group) as `detached: true`; no blocked or ignored signals. */
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attributes, &none);
	posix_spawnattr_setsigdefault(&attributes, &all);
	posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

	int code = posix_spawn(&start->pid, start->file, &actions, &attributes, start->argv, start->envp);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attributes);
	return code;
}

/* Pipes, then the start. Touches no JS: runs on the main thread or on a worker. */
static void run_start(Start *start) {
	/* out, err, notify: [read end, write end] each */
	int pipes[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
	for (int i = 0; i < 3; i++) {
		if (make_pipe(pipes[i]) != 0) {
			start->error = errno;
			start->syscall = "pipe";
			for (int j = 0; j <= i; j++) {
				close_fd(&pipes[j][0]);
				close_fd(&pipes[j][1]);
			}

			return;
		}
	}

	const char *syscall = "posix_spawn";
	int code;
	if (start->joined) {
		int out[3] = {pipes[0][1], pipes[1][1], pipes[2][1]};
		JoinedSpawn joined = {start->file, start->argv, start->envp, start->cwd, out, start->cgroups, start->uid, start->gid, start->umask};
		code = spawn_joined(&joined, &start->pid, &syscall);
	} else {
		code = posix_spawn_task(start, pipes);
	}

	for (int i = 0; i < 3; i++) {
		close_fd(&pipes[i][1]);
		start->fds[i] = pipes[i][0];
	}

	if (code != 0) {
		start->error = code;
		start->syscall = syscall;
		for (int i = 0; i < 3; i++) {
			close_fd(&pipes[i][0]);
		}

		return;
	}

	read_start_time(start->pid, start->start_time, sizeof start->start_time);
}

static napi_value result_of(napi_env env, Start *start) {
	napi_value result;
	napi_create_array_with_length(env, 5, &result);
	int values[4] = {start->pid, start->fds[0], start->fds[1], start->fds[2]};
	for (uint32_t i = 0; i < 4; i++) {
		napi_value number;
		napi_create_int32(env, values[i], &number);
		napi_set_element(env, result, i, number);
	}

	napi_value started;
	napi_create_string_utf8(env, start->start_time, NAPI_AUTO_LENGTH, &started);
	napi_set_element(env, result, 4, started);
	return result;
}

static napi_value Spawn(napi_env env, napi_callback_info info) {
	size_t argc = 5;
	napi_value args[5];
	napi_get_cb_info(env, info, &argc, args, NULL, NULL);
	if (argc < 4) {
		return throw_type(env, "spawn(file, argv, env, cwd[, options])");
	}

	if (argc < 5) {
		napi_get_undefined(env, &args[4]);
	}

	Start *start = start_of(env, args, args[4]);
	if (start == NULL) {
		return NULL;
	}

	run_start(start);
	napi_value result = start->error == 0 ? result_of(env, start) : throw_errno(env, start->error, start->syscall);
	free_start(start);
	return result;
}

static void execute_start(napi_env env, void *data) {
	(void)env;
	run_start(data);
}

static void complete_start(napi_env env, napi_status status, void *data) {
	Start *start = data;
	napi_value callback, global, argv[2];
	napi_get_reference_value(env, start->callback, &callback);
	napi_get_global(env, &global);
	napi_get_undefined(env, &argv[0]);
	napi_get_undefined(env, &argv[1]);
	if (status != napi_ok && start->error == 0) {
		start->error = ECANCELED;
		start->syscall = "spawn";
	}

	if (start->error == 0) {
		argv[1] = result_of(env, start);
	} else {
		char message[200];
		snprintf(message, sizeof message, "%s: %s", start->syscall, strerror(start->error));
		napi_value text, number, name;
		napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
		napi_create_error(env, NULL, text, &argv[0]);
		napi_create_int32(env, start->error, &number);
		napi_set_named_property(env, argv[0], "errno", number);
		napi_create_string_utf8(env, start->syscall, NAPI_AUTO_LENGTH, &name);
		napi_set_named_property(env, argv[0], "syscall", name);
	}

	napi_delete_async_work(env, start->work);
	napi_delete_reference(env, start->callback);
	free_start(start);
	napi_call_function(env, global, callback, 2, argv, NULL);
}

/* spawnAsync(file, argv, env, cwd, callback(error, [pid, fds…])[, options]): the start on a worker thread. */
static napi_value SpawnAsync(napi_env env, napi_callback_info info) {
	size_t argc = 6;
	napi_value args[6];
	napi_get_cb_info(env, info, &argc, args, NULL, NULL);
	napi_valuetype type = napi_undefined;
	if (argc < 5 || napi_typeof(env, args[4], &type) != napi_ok || type != napi_function) {
		return throw_type(env, "spawnAsync(file, argv, env, cwd, callback[, options])");
	}

	if (argc < 6) {
		napi_get_undefined(env, &args[5]);
	}

	Start *start = start_of(env, args, args[5]);
	if (start == NULL) {
		return NULL;
	}

	napi_value name;
	napi_create_string_utf8(env, "tm:spawn", NAPI_AUTO_LENGTH, &name);
	napi_create_reference(env, args[4], 1, &start->callback);
	napi_create_async_work(env, NULL, name, execute_start, complete_start, start, &start->work);
	napi_queue_async_work(env, start->work);
	return NULL;
}

/* kill(pid, signal) -> 0 or errno: a negative pid is a process group. */
static napi_value Kill(napi_env env, napi_callback_info info) {
	size_t argc = 2;
	napi_value args[2];
	napi_get_cb_info(env, info, &argc, args, NULL, NULL);
	int32_t pid, signal;
	if (argc < 2 || napi_get_value_int32(env, args[0], &pid) != napi_ok || napi_get_value_int32(env, args[1], &signal) != napi_ok) {
		return throw_type(env, "kill(pid, signal)");
	}

	napi_value result;
	napi_create_int32(env, kill(pid, signal) == 0 ? 0 : errno, &result);
	return result;
}

static napi_value Reap(napi_env env, napi_callback_info info) {
	size_t argc = 1;
	napi_value args[1];
	napi_get_cb_info(env, info, &argc, args, NULL, NULL);
	bool is_typed;
	napi_typedarray_type type;
	size_t length;
	void *data;
	if (argc < 1 || napi_is_typedarray(env, args[0], &is_typed) != napi_ok || !is_typed ||
	    napi_get_typedarray_info(env, args[0], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_int32_array) {
		return throw_type(env, "reap(Int32Array pids)");
	}

	const int32_t *pids = data;
	napi_value result;
	napi_create_array(env, &result);
	uint32_t index = 0;
	for (size_t i = 0; i < length; i++) {
		int status = 0;
		pid_t got;
		do {
			got = waitpid(pids[i], &status, WNOHANG);
		} while (got < 0 && errno == EINTR);

		int code, signal;
		if (got == pids[i] && WIFEXITED(status)) {
			code = WEXITSTATUS(status);
			signal = 0;
		} else if (got == pids[i] && WIFSIGNALED(status)) {
			code = -1;
			signal = WTERMSIG(status);
		} else if (got < 0 && errno == ECHILD) {
			/* Not our child (any more): report it gone, with nothing known. */
			code = -1;
			signal = 0;
		} else {
			continue;
		}

		int values[3] = {pids[i], code, signal};
		for (int j = 0; j < 3; j++) {
			napi_value number;
			napi_create_int32(env, values[j], &number);
			napi_set_element(env, result, index++, number);
		}
	}

	return result;
}

/*
 * peekExited() -> the pid of a child that has exited, left unreaped (WNOWAIT), 0 when none, or
 * -errno: a SIGCHLD then costs one waitpid per exit, not one per child (issue 22: 10,000 of them).
 * The child may be anyone's (libuv's, one re-parented to the daemon): the caller reaps it only
 * when it is one of its own.
 */
static napi_value PeekExited(napi_env env, napi_callback_info info) {
	(void)info;
	siginfo_t exited;
	memset(&exited, 0, sizeof exited);
	int got;
	do {
		got = waitid(P_ALL, 0, &exited, WEXITED | WNOHANG | WNOWAIT);
	} while (got < 0 && errno == EINTR);

	napi_value result;
	napi_create_int32(env, got < 0 ? -errno : exited.si_pid, &result);
	return result;
}

static napi_value SetChildSubreaper(napi_env env, napi_callback_info info) {
	(void)info;
	napi_value result;
	napi_create_int32(env, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : errno, &result);
	return result;
}

/*
 * The pages of the executable that start-up read (Node's snapshot, the bundle and its code cache,
 * code run once) stay mapped, and counted in the RSS, until memory runs short. Those mappings are
 * clean and read-only (never written: a page written by relocation is anonymous and stays), so
 * handing them back loses nothing: a page that is needed again is read back from the page cache.
 * Pages other processes map too (another tm running) are left alone by the kernel.
 */
static napi_value PageOutExecutable(napi_env env, napi_callback_info info) {
	(void)info;
	double total = 0;
	char exe[PATH_MAX];
	ssize_t length = readlink("/proc/self/exe", exe, sizeof exe - 1);
	FILE *maps = length < 0 ? NULL : fopen("/proc/self/maps", "re");
	if (maps == NULL) {
		total = -errno;
	} else {
		exe[length] = '\0';
		char line[PATH_MAX + 128];
		while (fgets(line, sizeof line, maps) != NULL) {
			unsigned long start, end;
			char perms[5];
			int at = 0;
			if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %n", &start, &end, perms, &at) < 3 || at == 0) {
				continue;
			}

			char *file = line + at;
			file[strcspn(file, "\n")] = '\0';
			if (perms[1] != 'w' && strcmp(file, exe) == 0 && madvise((void *)start, end - start, MADV_PAGEOUT) == 0) {
				total += (double)(end - start);
			}
		}

		fclose(maps);
	}

	napi_value result;
	napi_create_double(env, total, &result);
	return result;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
	napi_value spawn, spawnAsync, reap, pageOut, killer, subreaper;
	napi_create_function(env, "setChildSubreaper", NAPI_AUTO_LENGTH, SetChildSubreaper, NULL, &subreaper);
	napi_set_named_property(env, exports, "setChildSubreaper", subreaper);
	napi_create_function(env, "kill", NAPI_AUTO_LENGTH, Kill, NULL, &killer);
	napi_set_named_property(env, exports, "kill", killer);
	napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, Spawn, NULL, &spawn);
	napi_create_function(env, "spawnAsync", NAPI_AUTO_LENGTH, SpawnAsync, NULL, &spawnAsync);
	napi_set_named_property(env, exports, "spawnAsync", spawnAsync);
	napi_create_function(env, "reap", NAPI_AUTO_LENGTH, Reap, NULL, &reap);
	napi_create_function(env, "pageOutExecutable", NAPI_AUTO_LENGTH, PageOutExecutable, NULL, &pageOut);
	napi_set_named_property(env, exports, "spawn", spawn);
	napi_set_named_property(env, exports, "reap", reap);
	napi_value peek;
	napi_create_function(env, "peekExited", NAPI_AUTO_LENGTH, PeekExited, NULL, &peek);
	napi_set_named_property(env, exports, "peekExited", peek);
	napi_set_named_property(env, exports, "pageOutExecutable", pageOut);
	register_bytes(env, exports);
	register_memory(env, exports);
	register_fd_limit(env, exports);
	register_pipe_reader(env, exports);
	register_proc_stats(env, exports);
	return exports;
}
