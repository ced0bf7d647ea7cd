#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "exitcode.h"
#include "out.h"

/* big enough that a burst of alerts leaves in few write(2) calls */
#define OUT_BUFFER_SIZE (64 * 1024)

/* standard output is process-wide state; so is what follows its loss */
static void (*broken_pipe_hook)(void *);
static void *broken_pipe_ctx;
static int broken;

static void
out_broken(void)
{
	broken = 1;
	if (broken_pipe_hook == NULL)
		_exit(EXIT_PIPE);
	broken_pipe_hook(broken_pipe_ctx);
}

int
out_is_broken(void)
{
	return broken;
}

static void
out_check(void)
{
	if (!ferror(stdout))
		return;
	if (errno == EPIPE) {
		out_broken();
		return;
	}
	err(EXIT_USAGE, "standard output");
}

void
out_on_broken_pipe(void (*hook)(void *), void *ctx)
{
	broken_pipe_hook = hook;
	broken_pipe_ctx = ctx;
}

void
out_init(void)
{
	/*
	 * EPIPE instead of SIGPIPE: libcurl and OpenSSL write to sockets
	 * too, and a dead reader of stdout must end us quietly, not as a
	 * signal in the middle of an HTTP request.
	 */
	static char buffer[OUT_BUFFER_SIZE];

	signal(SIGPIPE, SIG_IGN);
	/* with a NULL buffer glibc ignores the size and uses st_blksize (4 KiB) */
	setvbuf(stdout, buffer, _IOFBF, sizeof(buffer));
}

void
out_write(const void *p, size_t n)
{
	if (broken)
		return;
	if (fwrite_unlocked(p, 1, n, stdout) != n)
		out_check();
}

void
out_line(const char *p, size_t n)
{
	if (broken)
		return;
	if (fwrite_unlocked(p, 1, n, stdout) != n ||
	    putc_unlocked('\n', stdout) == EOF)
		out_check();
}

void
out_flush(void)
{
	if (broken)
		return;
	if (fflush(stdout) == EOF)
		out_check();
}

void
out_flush_if_idle(int fd)
{
	struct pollfd input = { .fd = fd, .events = POLLIN };

	if (fd >= 0 && poll(&input, 1, 0) == 1)
		return;
	out_flush();
}

void
out_finish(void)
{
	out_flush();
	/* what is left in the buffer can never be written: do not try again */
	if (broken)
		return;
	if (fclose(stdout) == EOF) {
		if (errno == EPIPE) {
			out_broken();
			return;
		}
		err(EXIT_USAGE, "standard output");
	}
}
