/*
 * signals.h: the signals every falco-pipes program answers, the same way
 * (falco-pipes(7), Conventions):
 *   SIGTERM, SIGINT  stop: read no new input, but finish the line under
 *                    way and handle every complete line already read, as
 *                    if input had ended there; deliver within the drain
 *                    time, counted from the signal.
 *   SIGHUP           reopen files (output files, a routes file).
 *   SIGUSR1, SIGCHLD for programs that ask for them.
 * The handler only records the signal and writes to self-pipes, so any
 * thread may take it and poll(2) wakes wherever the program waits.
 */
#ifndef FP_SIGNALS_H
#define FP_SIGNALS_H

enum {
	SIGNAL_HUP = 1 << 0,
	SIGNAL_USR1 = 1 << 1,
	SIGNAL_CHLD = 1 << 2
};

/*
 * Install the handlers: SIGTERM and SIGINT always, plus the SIGNAL_*
 * bits of also (a SIGHUP not asked for is ignored, so a program in a
 * closed terminal's session goes on). drain_timeout: seconds from a
 * stop to stop_deadline().
 */
void signals_init(unsigned also, double drain_timeout);
/* readable when a signal of also arrived since the last signals_take() */
int signals_wake_fd(void);
/* the SIGNAL_* bits that arrived since the last call; drains the wake fd */
unsigned signals_take(void);
/* 1 when signals_take() has bits to give: a check without a system call */
int signals_pending(void);

/* 1 once SIGTERM or SIGINT arrived, or stop_request() was called */
int stop_requested(void);
/* the same as a signal: EPIPE on standard output, a server told to end */
void stop_request(void);
/* readable once a stop is requested, and from then on (never drained) */
int stop_fd(void);
/* clock_now() by which the drain must end; 0 while no stop is requested */
double stop_deadline(void);
/* the drain_timeout given to signals_init */
double stop_drain_timeout(void);

#endif
