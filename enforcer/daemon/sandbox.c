// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <ucontext.h>
#include <unistd.h>

#include <seccomp.h>

#include "enforcer/common/log.h"
#include "enforcer/daemon/sandbox.h"

/*
 * The steady state's system calls, found by reading the code paths and
 * confirmed by running every integration test with the filter in eperm
 * mode (a refused call is logged). Those with conditions on their
 * arguments are added apart, below.
 */
static const char *const allowed_calls[] = {
	/* files and descriptors */
	"read",
	"write",
	"readv",
	"writev",
	"pread64",
	"pwrite64",
	"preadv",
	"pwritev",
	"lseek",
	"open",
	"openat",
	"close",
	"close_range",
	"dup",
	"dup2",
	"dup3",
	"fcntl",
	"ioctl",
	"fstat",
	"newfstatat",
	"stat",
	"lstat",
	"statx",
	"statfs",
	"fstatfs",
	"access",
	"faccessat",
	"faccessat2",
	"readlink",
	"readlinkat",
	"getdents64",
	"getcwd",
	"flock",
	"fsync",
	"fdatasync",
	"ftruncate",
	"fallocate",
	"fchown",
	"fchmod",
	"umask",
	"unlink",
	"unlinkat",
	"rename",
	"renameat",
	"renameat2",
	"mkdir",
	"mkdirat",
	"rmdir",
	"name_to_handle_at",
	"pipe2",
	/* memory (mprotect with PROT_EXEC: PCRE2's JIT) */
	"brk",
	"mmap",
	"munmap",
	"mprotect",
	"mremap",
	"madvise",
	/* threads, time, signals */
	"futex",
	"set_robust_list",
	"get_robust_list",
	"rseq",
	"gettid",
	"getpid",
	"getppid",
	"getuid",
	"geteuid",
	"getgid",
	"getegid",
	"getgroups",
	"getresuid",
	"getresgid",
	"sched_yield",
	/* capset can only take capabilities away: a helper thread that
	 * first runs after the filter still drops its own */
	"capget",
	"capset",
	"sched_getaffinity",
	"getcpu",
	"getrusage",
	"times",
	"sysinfo",
	"uname",
	"getrandom",
	"getrlimit",
	"arch_prctl",
	"prctl",
	"rt_sigaction",
	"rt_sigprocmask",
	"rt_sigreturn",
	"sigaltstack",
	"restart_syscall",
	"nanosleep",
	"clock_nanosleep",
	"clock_gettime",
	"clock_getres",
	"gettimeofday",
	"time",
	"exit",
	"exit_group",
	/* waiting */
	"epoll_create1",
	"epoll_ctl",
	"epoll_wait",
	"epoll_pwait",
	"epoll_pwait2",
	"poll",
	"ppoll",
	"select",
	"pselect6",
	"eventfd2",
	"signalfd4",
	"timerfd_create",
	"timerfd_settime",
	"timerfd_gettime",
	/* sockets (socket() itself: by family, below) */
	"bind",
	"listen",
	"accept",
	"accept4",
	"connect",
	"sendto",
	"sendmsg",
	"sendmmsg",
	"recvfrom",
	"recvmsg",
	"recvmmsg",
	"getsockopt",
	"setsockopt",
	"getsockname",
	"getpeername",
	"shutdown",
	/* enforcing: maps, uprobes, enforce:kill */
	"bpf",
	"perf_event_open",
	"kill",
	"tgkill",
	"tkill",
	"pidfd_open",
	"pidfd_send_signal",
};

/* The sandbox = eperm answer: every refused number once in the log. */
#define SANDBOX_NR_MAX 1024
static atomic_uint_fast64_t refused;
static atomic_bool logged[SANDBOX_NR_MAX];
static char *nr_names[SANDBOX_NR_MAX];

uint64_t enf_sandbox_refused(void)
{
	return atomic_load(&refused);
}

/* Async-signal-safe pieces of the message. */
static size_t put_str(char *buf, size_t at, size_t cap, const char *s)
{
	while (*s && at < cap)
		buf[at++] = *s++;
	return at;
}

static size_t put_uint(char *buf, size_t at, size_t cap, unsigned long v)
{
	char digits[24];
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < sizeof(digits));
	while (n && at < cap)
		buf[at++] = digits[--n];
	return at;
}

#if defined(__x86_64__)
#define SANDBOX_TRAP_RETURNS 1
static void set_return(ucontext_t *uc, long v)
{
	uc->uc_mcontext.gregs[REG_RAX] = v;
}
#elif defined(__aarch64__)
#define SANDBOX_TRAP_RETURNS 1
static void set_return(ucontext_t *uc, long v)
{
	uc->uc_mcontext.regs[0] = (unsigned long)v;
}
#else
#define SANDBOX_TRAP_RETURNS 0
#endif

#if SANDBOX_TRAP_RETURNS
/*
 * SIGSYS from the filter (SCMP_ACT_TRAP): the call did not run. It returns
 * -EPERM to its caller, and the first refusal of each call is logged.
 * Only async-signal-safe work here: the names were resolved beforehand.
 */
static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	int saved = errno;
	unsigned int nr = (unsigned int)si->si_syscall;
	char msg[200];
	size_t n = 0;

	(void)sig;
	set_return(ctx, -EPERM);
	atomic_fetch_add(&refused, 1);
	if (nr < SANDBOX_NR_MAX && !atomic_exchange(&logged[nr], true)) {
		n = put_str(msg, n, sizeof(msg) - 1,
			    "enforcerd[warn]: sandbox: refused system call ");
		n = put_str(msg, n, sizeof(msg) - 1,
			    nr_names[nr] ? nr_names[nr] : "?");
		n = put_str(msg, n, sizeof(msg) - 1, " (");
		n = put_uint(msg, n, sizeof(msg) - 1, nr);
		n = put_str(msg, n, sizeof(msg) - 1,
			    ") with EPERM; later refusals of it are counted, "
			    "not logged");
		msg[n++] = '\n';
		if (write(STDERR_FILENO, msg, n) < 0) {
			/* nothing better to do in a signal handler */
		}
	}
	errno = saved;
}
#endif

/* Admits @name (with @args' conditions). Return: 1 when admitted, 0 when
 * it is not a call of this architecture, or a negative errno. */
static int add(scmp_filter_ctx f, const char *name, unsigned int nargs,
	       const struct scmp_arg_cmp *args)
{
	int nr = seccomp_syscall_resolve_name(name);
	int ret;

	if (nr == __NR_SCMP_ERROR)
		return 0;
	ret = seccomp_rule_add_array(f, SCMP_ACT_ALLOW, nr, nargs, args);
	if (ret)
		pr_err("sandbox: admitting %s: %s", name, strerror(-ret));
	return ret ? ret : 1;
}

/* Builds the allowlist; *@allowed counts the calls admitted (a call
 * admitted under several conditions once). */
static int build_filter(scmp_filter_ctx f, unsigned int *allowed)
{
	static const int families[] = { AF_UNIX, AF_INET, AF_INET6,
					AF_NETLINK };
	struct scmp_arg_cmp thread =
		SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD);
	struct scmp_arg_cmp netns = SCMP_A1(SCMP_CMP_EQ, CLONE_NEWNET);
	struct scmp_arg_cmp get = SCMP_A2(SCMP_CMP_EQ, 0);
	int ret = 0;

	*allowed = 0;
	for (size_t i = 0; i < sizeof(allowed_calls) / sizeof(*allowed_calls);
	     i++) {
		ret = add(f, allowed_calls[i], 0, NULL);
		if (ret < 0)
			return ret;
		*allowed += ret;
	}
	/* socket(): the families the daemon speaks (control, syslog and
	 * sd_notify; the metrics endpoint; sock_diag), nothing else */
	for (size_t i = 0; i < sizeof(families) / sizeof(*families); i++) {
		struct scmp_arg_cmp fam = SCMP_A0(SCMP_CMP_EQ, families[i]);

		ret = add(f, "socket", 1, &fam);
		if (ret < 0)
			return ret;
	}
	*allowed += ret;
	/* threads (the reset's short-lived one), never a new process: clone
	 * only with CLONE_THREAD; clone3's flags sit in memory a filter
	 * cannot read, so it answers ENOSYS (refused, not admitted) and glibc
	 * falls back to clone */
	ret = add(f, "clone", 1, &thread);
	if (ret < 0)
		return ret;
	*allowed += ret;
	ret = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (ret < 0)
		return ret;
	/* setns: into a network namespace only (enforce:reset) */
	ret = add(f, "setns", 1, &netns);
	if (ret < 0)
		return ret;
	*allowed += ret;
	/* prlimit64: reading a limit, never setting one */
	ret = add(f, "prlimit64", 1, &get);
	if (ret < 0)
		return ret;
	*allowed += ret;
	return 0;
}

int enf_sandbox_enter(enum enf_sandbox_mode mode, struct enf_sandbox_state *st)
{
	scmp_filter_ctx f;
	uint32_t deflt;
	int ret;

	memset(st, 0, sizeof(*st));
	st->mode = mode;
	if (mode == ENF_SANDBOX_OFF) {
		enf_caps_t eff;

		enf_caps_get(&eff, &st->caps);
		pr_warn("sandbox = off: enforcerd keeps every capability and "
			"makes any system call");
		return 0;
	}

	ret = enf_caps_limit(ENF_SANDBOX_KEEP, &st->caps);
	if (ret) {
		pr_err("sandbox: limiting capabilities: %s", strerror(-ret));
		return ret;
	}

	if (mode == ENF_SANDBOX_KILL) {
		deflt = SCMP_ACT_KILL_PROCESS;
	} else {
#if SANDBOX_TRAP_RETURNS
		struct sigaction sa = { .sa_sigaction = on_sigsys,
					.sa_flags = SA_SIGINFO };

		for (int nr = 0; nr < SANDBOX_NR_MAX; nr++)
			if (!nr_names[nr])
				nr_names[nr] = seccomp_syscall_resolve_num_arch(
					SCMP_ARCH_NATIVE, nr);
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSYS, &sa, NULL)) {
			ret = -errno;
			pr_err("sandbox: SIGSYS handler: %s", strerror(-ret));
			return ret;
		}
		deflt = SCMP_ACT_TRAP;
#else
		deflt = SCMP_ACT_ERRNO(EPERM); /* refused, but not logged */
#endif
	}

	f = seccomp_init(deflt);
	if (!f) {
		pr_err("sandbox: seccomp_init failed");
		return -ENOMEM;
	}
	/* every thread at once, not only this one */
	ret = seccomp_attr_set(f, SCMP_FLTATR_CTL_TSYNC, 1);
	if (!ret)
		ret = build_filter(f, &st->allowed);
	if (!ret)
		ret = seccomp_load(f);
	seccomp_release(f);
	if (ret) {
		pr_err("sandbox: loading the system call filter: %s",
		       strerror(-ret));
		return ret;
	}
	st->filter = true;
	return 0;
}
