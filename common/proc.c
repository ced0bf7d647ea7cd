#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

extern char **environ;

/* in the child: only async-signal-safe calls until exec */
static void
set_descriptor(int fd, int target)
{
	if (fd == PROC_INHERIT)
		return;
	if (fd == PROC_DEVNULL) {
		fd = open("/dev/null", target == 0 ? O_RDONLY : O_WRONLY);
		if (fd < 0)
			_exit(126);
	}
	if (fd == target) {
		/* a descriptor marked close-on-exec must survive this exec */
		fcntl(fd, F_SETFD, 0);
		return;
	}
	if (dup2(fd, target) < 0)
		_exit(126);
}

static void __attribute__((noreturn))
child(const struct proc_spec *spec)
{
	static const int reset[] = { SIGPIPE, SIGCHLD, SIGHUP, SIGTERM,
	    SIGINT, SIGUSR1, SIGUSR2, SIGQUIT };
	char *const *envp = spec->envp != NULL ? spec->envp : environ;
	sigset_t none;
	size_t i;
	int error;

	if (spec->new_group)
		setpgid(0, 0);
	set_descriptor(spec->stdin_fd, 0);
	set_descriptor(spec->stdout_fd, 1);
	for (i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		signal(reset[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (spec->search)
		execvpe(spec->file, spec->argv, envp);
	else
		execve(spec->file, spec->argv, envp);
	error = errno;
	dprintf(2, "%s: '%s': %s\n", program_invocation_short_name,
	    spec->file, strerror(error));
	_exit(error == ENOENT ? 127 : 126);
}

pid_t
proc_start(const struct proc_spec *spec)
{
	pid_t pid = fork();

	if (pid == 0)
		child(spec);
	return pid;
}

int
proc_wait(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

void
proc_describe(int status, char *out, size_t size)
{
	if (WIFEXITED(status))
		snprintf(out, size, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, size, "killed by signal %d (%s)", WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	else
		snprintf(out, size, "status %d", status);
}

int
proc_succeeded(int status)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
