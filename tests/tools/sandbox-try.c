/*
 * sandbox-try: a driver for common/sandbox.c, for tests/sandbox.bats.
 *
 *   sandbox-try PROFILE CALL...
 *
 * Enters the sandbox PROFILE (filter, follow, network, network-fork,
 * spawn, or none), then tries each CALL and prints "CALL: ok" or
 * "CALL: ERRNO" (EPERM when the filter refused it). A call is made so
 * that the kernel, once the filter lets it through, fails it harmlessly
 * or undoes it: ptrace peeks at a process it does not trace (ESRCH),
 * the children of fork and spawn (posix_spawn of true) exit at once.
 * exec, when allowed, runs echo to print "exec: ok", which ends the
 * run: make it the last CALL. (A path that does not exist would not
 * do: valgrind checks the file before it asks the kernel.)
 * "status" prints the Seccomp and NoNewPrivs lines of /proc/self/status
 * ("Seccomp: 2"), read through a descriptor opened before the sandbox.
 * Exit 0, or 2 on a usage error or when the sandbox cannot be entered.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"

static int status_fd = -1;

/* 0, or the errno of the failed call */
static int
try_open(void)
{
	int fd = open("/dev/null", O_RDONLY);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int
try_open_write(void)
{
	int fd = open("/dev/null", O_WRONLY);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int
try_create(void)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/sandbox-try.%ld", (long)getpid());
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0)
		return errno;
	close(fd);
	unlink(path);
	return 0;
}

/* allowed, it ends the run: echo prints the line the tool would have */
static int
try_exec(void)
{
	char *argv[] = { "echo", "exec: ok", NULL };

	execve("/bin/echo", argv, argv + 2);
	return errno;
}

/* posix_spawn(3) clones with shared memory (CLONE_VM), as vfork(2) */
static int
try_spawn(void)
{
	char *argv[] = { "true", NULL };
	pid_t pid;
	int rc = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, argv + 1);

	if (rc != 0)
		return rc;
	waitpid(pid, NULL, 0);
	return 0;
}

static int
try_fork(void)
{
	pid_t pid = fork();

	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(0);
	/* wait4 may be refused too: the zombie goes with us */
	waitpid(pid, NULL, 0);
	return 0;
}

static void *
thread_main(void *arg)
{
	return arg;
}

static int
try_thread(void)
{
	pthread_t t;
	int rc = pthread_create(&t, NULL, thread_main, NULL);

	if (rc != 0)
		return rc;
	pthread_join(t, NULL);
	return 0;
}

static int
try_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int
try_stat(void)
{
	struct stat st;

	return stat("/", &st) < 0 ? errno : 0;
}

static int
try_ptrace(void)
{
	errno = 0;
	if (ptrace(PTRACE_PEEKDATA, getppid(), NULL, NULL) == -1 && errno != 0)
		return errno;
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
}

static int
try_signal(void)
{
	signal(SIGUSR1, on_signal);
	return raise(SIGUSR1) != 0 ? errno : 0;
}

static int
try_write(void)
{
	return write(STDOUT_FILENO, "", 0) < 0 ? errno : 0;
}

static void
print_status(void)
{
	char buf[8192], *line, *save = NULL;
	ssize_t n = pread(status_fd, buf, sizeof(buf) - 1, 0);

	if (n < 0) {
		printf("status: %s\n", strerrorname_np(errno));
		return;
	}
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "Seccomp:", 8) == 0 ||
		    strncmp(line, "NoNewPrivs:", 11) == 0)
			printf("%.*s %s\n", (int)strcspn(line, "\t"), line,
			    line + strcspn(line, "\t") + 1);
}

static const struct {
	const char *name;
	int (*try)(void);
} calls[] = {
	{ "open", try_open }, { "open-write", try_open_write },
	{ "create", try_create }, { "exec", try_exec },
	{ "fork", try_fork }, { "spawn", try_spawn },
	{ "thread", try_thread },
	{ "socket", try_socket }, { "stat", try_stat },
	{ "ptrace", try_ptrace }, { "signal", try_signal },
	{ "write", try_write }, { NULL, NULL }
};

static void
usage(void)
{
	fprintf(stderr, "usage: sandbox-try filter|follow|network|network-fork|"
	    "spawn|none CALL...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	/* in the order of enum sandbox_profile */
	static const char *const profiles[] = {
		"filter", "follow", "network", "network-fork", "spawn"
	};
	const int nprofiles = sizeof(profiles) / sizeof(profiles[0]);
	int profile = -1, i, k, rc;

	if (argc < 2)
		usage();
	for (k = 0; k < nprofiles; k++)
		if (strcmp(argv[1], profiles[k]) == 0)
			profile = k;
	if (profile < 0 && strcmp(argv[1], "none") != 0)
		usage();
	status_fd = open("/proc/self/status", O_RDONLY);
	setvbuf(stdout, NULL, _IONBF, 0);
	if (profile >= 0 && sandbox_enter((enum sandbox_profile)profile) < 0) {
		fprintf(stderr, "sandbox-try: %s\n", strerror(errno));
		return 2;
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "status") == 0) {
			print_status();
			continue;
		}
		for (k = 0; calls[k].name != NULL; k++)
			if (strcmp(argv[i], calls[k].name) == 0)
				break;
		if (calls[k].name == NULL)
			usage();
		rc = calls[k].try();
		printf("%s: %s\n", argv[i], rc == 0 ? "ok" :
		    strerrorname_np(rc));
	}
	return 0;
}
