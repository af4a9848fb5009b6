/*
 * A start whose child joins its cgroups before it execs (spawn-join.c): what posix_spawn cannot
 * do, since it runs nothing of ours in the child.
 */
#ifndef TM_SPAWN_JOIN_H
#define TM_SPAWN_JOIN_H

#include <sys/types.h>

typedef struct {
	const char *file;
	char *const *argv;
	char *const *envp;
	const char *cwd;
	/* The pipes' write ends, copied onto fds 1, 2 and 3. */
	const int *out_fds;
	/* cgroup.procs files the child writes itself into, NULL-terminated (may be NULL). */
	char *const *cgroups;
	/* -1: unchanged. */
	long uid, gid;
	int umask;
} JoinedSpawn;

/* 0 with *pid set; else the errno, with *syscall naming the call that failed. */
int spawn_joined(const JoinedSpawn *spawn, pid_t *pid, const char **syscall);

#endif
