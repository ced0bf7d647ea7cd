/*
 * proc.h: starting a command as a child process. The child gets the
 * environment and standard descriptors the caller chose, and the signal
 * dispositions and mask a new program expects (the parent ignores
 * SIGPIPE and catches others), so a command behaves as it would from a
 * shell. No shell is involved unless the caller runs
 * /bin/sh: arguments are never re-parsed.
 */
#ifndef FP_PROC_H
#define FP_PROC_H

#include <stddef.h>
#include <sys/types.h>

#define PROC_INHERIT (-1)	/* keep the parent's descriptor */
#define PROC_DEVNULL (-2)	/* /dev/null */

struct proc_spec {
	const char *file;	/* the program; looked up in PATH when search */
	char *const *argv;
	char *const *envp;	/* NULL: the caller's environment */
	int search;
	int stdin_fd;		/* a descriptor, PROC_INHERIT or PROC_DEVNULL */
	int stdout_fd;
	int new_group;		/* its own process group, so a signal to ours
				 * does not reach it twice */
};

/* the child's pid, or -1 with errno (fork failed) */
pid_t proc_start(const struct proc_spec *spec);
/* waitpid(2) through EINTR: 0 and *status, or -1 */
int proc_wait(pid_t pid, int *status);
/* "exit status 3", "killed by signal 9 (Killed)" */
void proc_describe(int status, char *out, size_t size);
/* 1 when the child exited with status 0 */
int proc_succeeded(int status);

#endif
