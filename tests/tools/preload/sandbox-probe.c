/*
 * sandbox-probe.so: the calls a sandbox is there to refuse, tried from
 * inside a running falco-pipes program, for tests/sandbox.bats. The
 * program is the one installed, not a build made for the test.
 *
 *   SANDBOX_PROBE=FILE LD_PRELOAD=.../sandbox-probe.so PROGRAM ...
 *
 * Loaded before the program's main, it opens FILE for appending (the
 * sandbox may forbid opening it later) and takes SIGUSR2, which no
 * falco-pipes program uses. On each SIGUSR2, on whichever of the
 * program's threads the kernel picks, it tries five calls and appends
 * one line for each, "CALL: ok" or "CALL: ERRNO", in one write:
 *   exec    execve(2) of a path that does not exist: ENOENT when the
 *           kernel was asked, EPERM when the filter refused
 *   fork    a process, which exits at once
 *   ptrace  a peek at the parent, which it does not trace: ESRCH
 *   open    /dev/null for reading
 *   socket  a TCP socket, closed at once
 * The handler makes only system calls, through syscall(2) where the C
 * library's wrapper does more (fork runs its atfork handlers, which may
 * take locks the interrupted thread holds).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int probe_fd = -1;

static int
try_exec(void)
{
	char *argv[] = { "sandbox-probe", NULL };

	execve("/nonexistent/sandbox-probe", argv, argv + 1);
	return errno;
}

static int
try_fork(void)
{
	long pid = syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);

	if (pid < 0)
		return errno;
	if (pid == 0)
		syscall(SYS_exit_group, 0L);
	/* the program's filter may refuse wait4: the zombie goes with it */
	waitpid((pid_t)pid, NULL, 0);
	return 0;
}

static int
try_ptrace(void)
{
	errno = 0;
	if (ptrace(PTRACE_PEEKDATA, getppid(), NULL, NULL) == -1 && errno != 0)
		return errno;
	return 0;
}

static int
try_open(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int
try_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static const struct {
	const char *name;
	int (*try)(void);
} calls[] = {
	{ "exec", try_exec }, { "fork", try_fork }, { "ptrace", try_ptrace },
	{ "open", try_open }, { "socket", try_socket }
};

/* strcat, bounded by the end of the buffer */
static char *
append(char *at, const char *end, const char *text)
{
	while (*text != '\0' && at < end)
		*at++ = *text++;
	return at;
}

static void
on_probe(int sig)
{
	char report[256], *at = report;
	const char *end = report + sizeof(report);
	int saved = errno, rc;
	ssize_t written;
	size_t i;

	(void)sig;
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		rc = calls[i].try();
		at = append(at, end, calls[i].name);
		at = append(at, end, ": ");
		at = append(at, end, rc == 0 ? "ok" : strerrorname_np(rc));
		at = append(at, end, "\n");
	}
	/* a report that did not reach the file fails the test that waits for it */
	written = write(probe_fd, report, (size_t)(at - report));
	(void)written;
	errno = saved;
}

__attribute__((constructor)) static void
probe_init(void)
{
	const char *path = getenv("SANDBOX_PROBE");
	struct sigaction sa;

	if (path == NULL)
		return;
	probe_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (probe_fd < 0)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_probe;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
}
