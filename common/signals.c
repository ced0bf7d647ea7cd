#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "exitcode.h"
#include "signals.h"

/*
 * A signal handler can reach nothing but file-scope state: these are the
 * process's one record of the signals it was sent.
 */
static atomic_uint pending;		/* SIGNAL_* bits not yet taken */
static atomic_int stopped;
static _Atomic double deadline;
static double drain_seconds;
static int wake_pipe[2] = { -1, -1 };
static int stop_pipe[2] = { -1, -1 };

static void
poke(int fd)
{
	int saved = errno;

	/* non-blocking: a full pipe already wakes whoever polls it */
	if (fd >= 0 && write(fd, "", 1) < 0)
		errno = saved;
	errno = saved;
}

static void
mark_stopped(void)
{
	int was = 0;

	if (!atomic_compare_exchange_strong(&stopped, &was, 1))
		return;
	/* clock_gettime is async-signal-safe */
	atomic_store(&deadline, clock_now() + drain_seconds);
	poke(stop_pipe[1]);
}

static void
on_signal(int sig)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		mark_stopped();
		return;
	case SIGHUP:
		atomic_fetch_or(&pending, SIGNAL_HUP);
		break;
	case SIGUSR1:
		atomic_fetch_or(&pending, SIGNAL_USR1);
		break;
	case SIGCHLD:
		atomic_fetch_or(&pending, SIGNAL_CHLD);
		break;
	}
	poke(wake_pipe[1]);
}

static void
catch(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* waits are poll(2)s on our pipes: a restarted read is never stuck */
	sa.sa_flags = SA_RESTART;
	sigfillset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) < 0)
		err(EXIT_USAGE, "sigaction");
}

void
signals_init(unsigned also, double drain_timeout)
{
	drain_seconds = drain_timeout;
	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		err(EXIT_USAGE, "pipe");
	catch(SIGTERM);
	catch(SIGINT);
	if (also & SIGNAL_HUP)
		catch(SIGHUP);
	else
		signal(SIGHUP, SIG_IGN);
	if (also & SIGNAL_USR1)
		catch(SIGUSR1);
	if (also & SIGNAL_CHLD)
		catch(SIGCHLD);
}

int
signals_wake_fd(void)
{
	return wake_pipe[0];
}

unsigned
signals_take(void)
{
	char drain[64];

	if (wake_pipe[0] >= 0)
		while (read(wake_pipe[0], drain, sizeof(drain)) > 0)
			continue;
	return atomic_exchange(&pending, 0);
}

int
signals_pending(void)
{
	return atomic_load(&pending) != 0;
}

int
stop_requested(void)
{
	return atomic_load(&stopped);
}

void
stop_request(void)
{
	mark_stopped();
}

int
stop_fd(void)
{
	return stop_pipe[0];
}

double
stop_deadline(void)
{
	return atomic_load(&deadline);
}

double
stop_drain_timeout(void)
{
	return drain_seconds;
}
