/*
 * sandbox.c: no_new_privs and a seccomp filter per profile (see
 * sandbox.h). Calls are named, not numbered, and a name this
 * architecture does not have ("open" on arm64) is skipped, so one list
 * serves every architecture libseccomp knows.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <unistd.h>

#include <seccomp.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

/* gcc says __SANITIZE_ADDRESS__, clang __has_feature(address_sanitizer) */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_ASAN 1
#endif
#endif

#include "exitcode.h"
#include "sandbox.h"

/* What every loop does: I/O on open descriptors, memory, time, itself. */
static const char *const loop_calls[] = {
	"read", "readv", "pread64", "preadv", "preadv2",
	"write", "writev", "pwrite64", "pwritev", "pwritev2",
	"close", "lseek", "fstat", "fcntl", "poll", "ppoll", "select",
	"pselect6", "brk", "mmap", "munmap", "mremap", "mprotect",
	"madvise", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
	"rt_sigtimedwait", "rt_sigsuspend", "rt_sigpending", "pause",
	"sigaltstack", "restart_syscall", "getpid", "gettid", "getuid",
	"geteuid", "getgid", "getegid", "exit", "exit_group",
	"clock_gettime", "clock_getres", "gettimeofday", "time",
	"nanosleep", "clock_nanosleep", "futex", "getrandom", "sched_yield",
	"getrlimit", "prlimit64", "uname", NULL
};

/* A sender's: files (spools, dead letters, CA bundles), sockets, threads. */
static const char *const network_calls[] = {
	"open", "openat", "creat", "stat", "lstat", "newfstatat", "statx",
	"access", "faccessat", "faccessat2", "readlink", "readlinkat",
	"getcwd", "getdents64", "rename", "renameat", "renameat2",
	"unlink", "unlinkat", "mkdir", "mkdirat", "rmdir", "link",
	"linkat", "chmod", "fchmod", "fchmodat", "umask", "utimensat",
	"fsync", "fdatasync", "ftruncate", "fallocate", "flock",
	"fadvise64", "statfs", "fstatfs", "dup", "dup2", "dup3", "pipe",
	"pipe2", "eventfd2", "epoll_create", "epoll_create1", "epoll_ctl",
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "timerfd_create",
	"timerfd_settime", "timerfd_gettime", "socketpair", "connect",
	"bind", "listen", "accept", "accept4", "getsockname",
	"getpeername", "getsockopt", "setsockopt", "sendto", "recvfrom",
	"sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown",
	"set_robust_list", "get_robust_list", "rseq", "sched_getaffinity",
	"sysinfo", "getrusage", "membarrier", NULL
};

/*
 * What a command run by falco-route never needs and an intruder would
 * want: another process's memory, the kernel's state, the clock,
 * namespaces to hide in.
 */
static const char *const spawn_denied_calls[] = {
	"process_vm_readv", "process_vm_writev", "kcmp",
	"mount", "umount2", "pivot_root", "chroot", "move_mount",
	"open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
	"mount_setattr", "unshare", "setns", "kexec_load",
	"kexec_file_load", "init_module", "finit_module",
	"delete_module", "reboot", "swapon", "swapoff", "bpf",
	"perf_event_open", "userfaultfd", "keyctl", "add_key",
	"request_key", "open_by_handle_at", "name_to_handle_at", "iopl",
	"ioperm", "acct", "settimeofday", "clock_settime", "adjtimex",
	"clock_adjtime", "quotactl", "syslog", "vhangup", "lookup_dcookie",
	"fanotify_init", "uselib", "ustat", "sysfs", "_sysctl",
	"nfsservctl", NULL
};

#ifdef SANDBOX_ASAN
/* LeakSanitizer at exit (see sanitizer_rules) */
static const char *const sanitizer_calls[] = {
	"getdents", "getdents64", "readlink", "readlinkat", "wait4",
	"prctl", "getppid", NULL
};
#endif

/*
 * The helpers below return 0 or libseccomp's -errno. A name this
 * architecture lacks is skipped; a rule already there is no error. An
 * SCMP_CMP_EQ comparison is given the second datum it ignores, 0, so
 * that every field of the struct is set.
 */
static int
rule(scmp_filter_ctx ctx, uint32_t action, const char *name,
    unsigned int count, const struct scmp_arg_cmp *args)
{
	int nr = seccomp_syscall_resolve_name(name), rc;

	if (nr == __NR_SCMP_ERROR)
		return 0;
	rc = seccomp_rule_add_array(ctx, action, nr, count, args);
	return rc == -EEXIST ? 0 : rc;
}

static int
rules(scmp_filter_ctx ctx, uint32_t action, const char *const *names)
{
	int rc = 0;

	for (; *names != NULL && rc == 0; names++)
		rc = rule(ctx, action, *names, 0, NULL);
	return rc;
}

/* signals to this process only: raise(3) and abort(3) use tgkill */
static int
self_signals(scmp_filter_ctx ctx)
{
	struct scmp_arg_cmp self = SCMP_A0(SCMP_CMP_EQ,
	    (scmp_datum_t)getpid(), 0);
	int rc;

	if ((rc = rule(ctx, SCMP_ACT_ALLOW, "tgkill", 1, &self)) != 0)
		return rc;
	return rule(ctx, SCMP_ACT_ALLOW, "kill", 1, &self);
}

/* isatty(3); for senders also non-blocking sockets and pending bytes */
static int
terminal_ioctls(scmp_filter_ctx ctx, int sender)
{
	static const unsigned long requests[] = { TCGETS, FIONBIO, FIONREAD };
	size_t i, n = sender ? 3 : 1;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		struct scmp_arg_cmp request = SCMP_A1(SCMP_CMP_EQ,
		    requests[i], 0);

		rc = rule(ctx, SCMP_ACT_ALLOW, "ioctl", 1, &request);
	}
	return rc;
}

/* following a file: stat(2) by name, opening for reading only */
static int
read_only_files(scmp_filter_ctx ctx)
{
	static const char *const stats[] = {
		"stat", "lstat", "newfstatat", "statx", NULL
	};
	struct scmp_arg_cmp openat_read = SCMP_A2(SCMP_CMP_MASKED_EQ,
	    O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY);
	struct scmp_arg_cmp open_read = SCMP_A1(SCMP_CMP_MASKED_EQ,
	    O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY);
	int rc;

	if ((rc = rules(ctx, SCMP_ACT_ALLOW, stats)) != 0 ||
	    (rc = rule(ctx, SCMP_ACT_ALLOW, "openat", 1, &openat_read)) != 0)
		return rc;
	return rule(ctx, SCMP_ACT_ALLOW, "open", 1, &open_read);
}

/* only fstat(2) of an open descriptor: newfstatat with AT_EMPTY_PATH */
static int
descriptor_stat(scmp_filter_ctx ctx)
{
	struct scmp_arg_cmp empty_path = SCMP_A3(SCMP_CMP_MASKED_EQ,
	    AT_EMPTY_PATH, AT_EMPTY_PATH);

	return rule(ctx, SCMP_ACT_ALLOW, "newfstatat", 1, &empty_path);
}

static int
sockets(scmp_filter_ctx ctx)
{
	static const int domains[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(domains) / sizeof(domains[0]) && rc == 0; i++) {
		struct scmp_arg_cmp domain = SCMP_A0(SCMP_CMP_EQ,
		    (scmp_datum_t)domains[i], 0);

		rc = rule(ctx, SCMP_ACT_ALLOW, "socket", 1, &domain);
	}
	return rc;
}

/*
 * Threads but no processes: clone only with CLONE_THREAD. clone3 passes
 * its flags in memory a filter cannot read: ENOSYS makes the C library
 * fall back to clone.
 */
static int
threads_only(scmp_filter_ctx ctx)
{
	struct scmp_arg_cmp thread = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD,
	    CLONE_THREAD);
	int rc;

	if ((rc = rule(ctx, SCMP_ACT_ALLOW, "clone", 1, &thread)) != 0)
		return rc;
	return rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
}

/*
 * fork(2) as the C library makes it, a clone that shares neither memory
 * nor the thread group; vfork and posix_spawn share memory to exec at
 * once, and stay refused.
 */
static int
fork_only(scmp_filter_ctx ctx)
{
	struct scmp_arg_cmp process = SCMP_A0(SCMP_CMP_MASKED_EQ,
	    CLONE_VM | CLONE_THREAD, 0);

	return rule(ctx, SCMP_ACT_ALLOW, "clone", 1, &process);
}

/*
 * No profile lets a process read or change another's memory or
 * registers. Under AddressSanitizer, LeakSanitizer at exit stops the
 * world from a tracer that attaches to each thread and reads its
 * registers: those requests, and only those, stay allowed.
 */
static int
ptrace_rules(scmp_filter_ctx ctx, enum sandbox_profile profile)
{
#ifdef SANDBOX_ASAN
	static const long leak_check[] = {
		PTRACE_ATTACH, PTRACE_DETACH, PTRACE_GETREGS, PTRACE_GETREGSET
	};
	static const long others[] = {
		PTRACE_TRACEME, PTRACE_PEEKTEXT, PTRACE_PEEKDATA,
		PTRACE_PEEKUSER, PTRACE_POKETEXT, PTRACE_POKEDATA,
		PTRACE_POKEUSER, PTRACE_CONT, PTRACE_KILL, PTRACE_SINGLESTEP,
		PTRACE_SETREGS, PTRACE_GETFPREGS, PTRACE_SETFPREGS,
		PTRACE_SYSCALL, PTRACE_SETOPTIONS, PTRACE_SETREGSET,
		PTRACE_SEIZE, PTRACE_INTERRUPT, PTRACE_LISTEN,
		PTRACE_PEEKSIGINFO, PTRACE_SETSIGINFO
	};
	/* the default refuses the others, or allows them for spawn */
	const long *requests = profile == SANDBOX_SPAWN ? others : leak_check;
	size_t i, n = profile == SANDBOX_SPAWN ?
	    sizeof(others) / sizeof(others[0]) :
	    sizeof(leak_check) / sizeof(leak_check[0]);
	uint32_t action = profile == SANDBOX_SPAWN ? SCMP_ACT_ERRNO(EPERM) :
	    SCMP_ACT_ALLOW;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		struct scmp_arg_cmp request = SCMP_A0(SCMP_CMP_EQ,
		    (scmp_datum_t)requests[i], 0);

		rc = rule(ctx, action, "ptrace", 1, &request);
	}
	return rc;
#else
	if (profile != SANDBOX_SPAWN)
		return 0;
	return rule(ctx, SCMP_ACT_ERRNO(EPERM), "ptrace", 0, NULL);
#endif
}

#ifdef SANDBOX_ASAN
/*
 * The rest of what LeakSanitizer needs: it lists /proc/self/task (a
 * directory opened read-only is all the filter profile lets through,
 * never a file) from its tracer, a clone with CLONE_VM but without
 * CLONE_THREAD, which no fork(2) has.
 */
static int
sanitizer_rules(scmp_filter_ctx ctx, enum sandbox_profile profile)
{
	struct scmp_arg_cmp openat_dir = SCMP_A2(SCMP_CMP_MASKED_EQ,
	    O_ACCMODE | O_CREAT | O_DIRECTORY, O_RDONLY | O_DIRECTORY);
	struct scmp_arg_cmp open_dir = SCMP_A1(SCMP_CMP_MASKED_EQ,
	    O_ACCMODE | O_CREAT | O_DIRECTORY, O_RDONLY | O_DIRECTORY);
	struct scmp_arg_cmp tracer = SCMP_A0(SCMP_CMP_MASKED_EQ,
	    CLONE_VM | CLONE_THREAD, CLONE_VM);
	int rc;

	if (profile == SANDBOX_SPAWN)
		return 0;
	if ((rc = rules(ctx, SCMP_ACT_ALLOW, sanitizer_calls)) != 0 ||
	    (rc = rule(ctx, SCMP_ACT_ALLOW, "clone", 1, &tracer)) != 0)
		return rc;
	if (profile != SANDBOX_FILTER)
		return 0;
	if ((rc = rule(ctx, SCMP_ACT_ALLOW, "openat", 1, &openat_dir)) != 0)
		return rc;
	return rule(ctx, SCMP_ACT_ALLOW, "open", 1, &open_dir);
}
#endif

static int
profile_rules(scmp_filter_ctx ctx, enum sandbox_profile profile)
{
	int rc;

	if (profile == SANDBOX_SPAWN)
		return rules(ctx, SCMP_ACT_ERRNO(EPERM), spawn_denied_calls);
	if ((rc = rules(ctx, SCMP_ACT_ALLOW, loop_calls)) != 0 ||
	    (rc = self_signals(ctx)) != 0 ||
	    (rc = terminal_ioctls(ctx, profile == SANDBOX_NETWORK ||
	    profile == SANDBOX_NETWORK_FORK)) != 0)
		return rc;
	if (profile == SANDBOX_FILTER)
		return descriptor_stat(ctx);
	if (profile == SANDBOX_FOLLOW)
		return read_only_files(ctx);
	if ((rc = rules(ctx, SCMP_ACT_ALLOW, network_calls)) != 0 ||
	    (rc = sockets(ctx)) != 0 ||
	    (rc = threads_only(ctx)) != 0)
		return rc;
	return profile == SANDBOX_NETWORK_FORK ? fork_only(ctx) : 0;
}

int
sandbox_enter(enum sandbox_profile profile)
{
	scmp_filter_ctx ctx;
	int rc;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	/* valgrind passes prctl(PR_SET_SECCOMP) through, not seccomp(2) */
	if (RUNNING_ON_VALGRIND)
		seccomp_api_set(1);
	ctx = seccomp_init(profile == SANDBOX_SPAWN ? SCMP_ACT_ALLOW :
	    SCMP_ACT_ERRNO(EPERM));
	if (ctx == NULL) {
		errno = ENOMEM;
		return -1;
	}
	/* the kernel's own errno when it refuses, not ECANCELED */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	/* through prctl, libseccomp cannot tell if processes can be killed */
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
		    RUNNING_ON_VALGRIND ? SCMP_ACT_KILL :
		    SCMP_ACT_KILL_PROCESS);
	if (rc == 0)
		rc = profile_rules(ctx, profile);
	if (rc == 0)
		rc = ptrace_rules(ctx, profile);
#ifdef SANDBOX_ASAN
	if (rc == 0)
		rc = sanitizer_rules(ctx, profile);
#endif
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

void
sandbox_enter_or_exit(enum sandbox_profile profile)
{
	if (sandbox_enter(profile) < 0)
		err(EXIT_USAGE, "sandbox: cannot load the seccomp filter "
		    "(--no-sandbox runs without it)");
}
