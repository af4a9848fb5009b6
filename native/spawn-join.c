/*
 * spawn_joined: a start as posix_spawn makes it (clone with CLONE_VM | CLONE_VFORK on a stack of
 * its own: no copy of the daemon's page tables), but the child first writes itself into the
 * task's cgroups, so nothing the program runs, and nothing it forks, is ever outside them: a
 * double fork as fast as it likes cannot escape, and memory it touches is charged to the task.
 * (clone3's CLONE_INTO_CGROUP would do it for the unified hierarchy only; a v1 memory cgroup
 * can only be joined by writing cgroup.procs.)
 *
 * The child shares the daemon's memory until it execs: it calls nothing that takes a lock or
 * allocates, and switches users with raw syscalls (glibc's setuid would signal every thread of
 * the daemon to switch too). Signals are blocked around the clone so no handler of the daemon
 * runs in the child; the child sets every disposition to default, then unblocks them.
 */
#define _GNU_SOURCE
#include "spawn-join.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_STACK (64 * 1024)

typedef struct {
	const JoinedSpawn *spawn;
	/* Written by the child before it exits, read by the parent once clone returns (CLONE_VFORK). */
	volatile int error;
	const char *volatile syscall;
} Child;

static int fail(Child *child, const char *call) {
	child->error = errno;
	child->syscall = call;
	_exit(127);
}

static int child_main(void *arg) {
	Child *child = arg;
	const JoinedSpawn *spawn = child->spawn;
	for (char *const *file = spawn->cgroups; file != NULL && *file != NULL; file++) {
		/* "0": the writer itself. */
		int fd = open(*file, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1) {
			return fail(child, "cgroup.procs");
		}

		close(fd);
	}

	if (setsid() < 0) {
		return fail(child, "setsid");
	}

	int null = open("/dev/null", O_RDONLY);
	if (null < 0 || (null != 0 && (dup2(null, 0) < 0 || close(null) < 0))) {
		return fail(child, "open /dev/null");
	}

	for (int i = 0; i < 3; i++) {
		if (dup2(spawn->out_fds[i], i + 1) < 0) {
			return fail(child, "dup2");
		}
	}

	if (chdir(spawn->cwd) < 0) {
		return fail(child, "chdir");
	}

	if (spawn->umask >= 0) {
		umask((mode_t)spawn->umask);
	}

	if (spawn->uid >= 0 || spawn->gid >= 0) {
		if (syscall(SYS_setgroups, 0, NULL) < 0) {
			return fail(child, "setgroups");
		}

		if (spawn->gid >= 0 && syscall(SYS_setgid, spawn->gid) < 0) {
			return fail(child, "setgid");
		}

		if (spawn->uid >= 0 && syscall(SYS_setuid, spawn->uid) < 0) {
			return fail(child, "setuid");
		}
	}

	/* Nothing else the daemon holds (the pipes' ends are close-on-exec already). */
	if (syscall(SYS_close_range, 4U, ~0U, 0U) < 0) {
		for (long fd = 4, limit = sysconf(_SC_OPEN_MAX); fd < limit; fd++) {
			close((int)fd);
		}
	}

	struct sigaction fallback = {.sa_handler = SIG_DFL};
	for (int signal = 1; signal < NSIG; signal++) {
		sigaction(signal, &fallback, NULL);
	}

	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(spawn->file, spawn->argv, spawn->envp);
	return fail(child, "execve");
}

int spawn_joined(const JoinedSpawn *spawn, pid_t *pid, const char **syscall) {
	void *stack = mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED) {
		*syscall = "mmap";
		return errno;
	}

	Child child = {.spawn = spawn, .error = 0, .syscall = NULL};
	sigset_t all, before;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &before);
	pid_t started = clone(child_main, (char *)stack + CHILD_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, &child);
	int code = started < 0 ? errno : child.error;
	pthread_sigmask(SIG_SETMASK, &before, NULL);
	munmap(stack, CHILD_STACK);
	if (started < 0) {
		*syscall = "clone";
		return code;
	}

	if (code != 0) {
		/* It exited before its exec: reap it here (it may have been reaped already: ECHILD). */
		int status;
		while (waitpid(started, &status, 0) < 0 && errno == EINTR) {
		}

		*syscall = child.syscall;
		return code;
	}

	*pid = started;
	return 0;
}
