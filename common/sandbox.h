/*
 * sandbox.h: what a program may still do once its set-up is over, as
 * OpenBSD's pledge(2) narrows a program after start-up. sandbox_enter
 * sets no_new_privs and loads a seccomp filter (libseccomp) for one of
 * a few profiles; from then on a system call the profile does not
 * allow fails with EPERM, and the program reports it as it would any
 * failed call. EPERM rather than a kill: alerts are evidence, and a
 * call some other C library makes where this one did not must cost
 * one failed call with a clear message, never the alerts in flight.
 * Calls from another architecture (int 0x80 on x86-64) kill the process.
 *
 * The filter binds the calling thread and every thread and child it
 * creates afterwards: enter the sandbox before starting threads.
 * Every program offers --no-sandbox, for debugging and for kernels
 * without seccomp.
 *
 * Under AddressSanitizer (SANITIZE=1) each profile also allows what
 * LeakSanitizer needs at exit to stop the world and read /proc (clone
 * with CLONE_VM, ptrace, wait4, prctl, read-only opens); under valgrind
 * the filter is loaded with prctl(2), which valgrind passes through,
 * instead of seccomp(2), which it does not know. Nothing else changes.
 */
#ifndef FP_SANDBOX_H
#define FP_SANDBOX_H

enum sandbox_profile {
	/*
	 * A pure filter whose inputs are open: read and write open
	 * descriptors, memory, time, signals to itself. No opening of
	 * files, no sockets, no exec, no fork, no threads.
	 */
	SANDBOX_FILTER,
	/*
	 * A filter that follows its files as tail -F does: the filter's
	 * calls, plus stat(2) by name and opening for reading only (never
	 * creating, truncating or writing), to reopen a rotated file.
	 */
	SANDBOX_FOLLOW,
	/*
	 * A sender or server (falco-loki, falco-webhook, falco-listen,
	 * falco-prom, falco-netpol, falco-slack reading files): the
	 * filter's calls, plus files (open, rename, unlink, mkdir, fsync:
	 * spools, dead letters, CA bundles), sockets (TCP, UDP, Unix and
	 * netlink for the resolver; listening too) and threads. No exec,
	 * no fork, no ptrace.
	 */
	SANDBOX_NETWORK,
	/*
	 * A sender that may leave a child to finish its sending after it
	 * exits (falco-slack's one-shot poster): the network profile's
	 * calls, plus fork(2), which copies this program under the same
	 * filter. Still no exec: the child can only be falco-slack.
	 */
	SANDBOX_NETWORK_FORK,
	/*
	 * A program that runs commands (falco-route, and falco-netpol with
	 * an exec credential plugin): everything but calls that no command
	 * it runs needs and an intruder would want (ptrace, mount,
	 * modules, bpf, namespaces, kexec, clock setting, ...).
	 * Its children inherit the filter and no_new_privs, so a set-uid
	 * command (sudo) gains nothing.
	 */
	SANDBOX_SPAWN
};

/* 0, or -1 with errno set when the kernel refused the filter */
int sandbox_enter(enum sandbox_profile profile);
/* sandbox_enter, or "PROG: sandbox: reason" and exit status 2 */
void sandbox_enter_or_exit(enum sandbox_profile profile);

#endif
