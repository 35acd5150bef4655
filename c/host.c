/*
 * host.c — the Go 1.8 demo's C prototype, made safe and current.
 *
 * It dlopens a Go plugin the way a C program would (RTLD_LAZY), looks up the
 * plugin's symbols by their modern names (<pluginpath>.Answer,
 * <pluginpath>.init.0), and calls each in a forked child so that a crash is
 * reported (signal, fault address, pc) instead of killing the demo. Then it
 * loads a -buildmode=c-shared library and calls its //export'ed functions:
 * the supported way for C to call Go.
 *
 * usage: host PLUGIN.so PLUGINPATH CSHARED.so
 *
 * Exit status 0 when every step behaved as the narrative says, 1 otherwise.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

/* The fault record the child's signal handler writes to its pipe. */
struct fault {
	int sig;
	int code;
	uintptr_t addr; /* si_addr: the address the faulting access touched */
	uintptr_t pc;   /* the instruction that faulted, from the ucontext */
};

static int fault_fd = -1;

static uintptr_t context_pc(void *uc)
{
#if defined(__x86_64__)
	return (uintptr_t)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
	return (uintptr_t)((ucontext_t *)uc)->uc_mcontext.pc;
#else
	(void)uc;
	return 0;
#endif
}

/* on_fault runs on the alternate stack: only async-signal-safe calls. */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
	struct fault f;
	f.sig = sig;
	f.code = si->si_code;
	f.addr = (uintptr_t)si->si_addr;
	f.pc = context_pc(uc);
	if (write(fault_fd, &f, sizeof f) < 0) {
		/* nothing more can be done from a signal handler */
	}
	_exit(128 + sig);
}

static void catch_faults(void)
{
	static char altstack[64 * 1024];
	stack_t ss;
	struct sigaction sa;
	const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT};
	size_t i;

	memset(&ss, 0, sizeof ss);
	ss.ss_sp = altstack;
	ss.ss_size = sizeof altstack;
	sigaltstack(&ss, NULL);

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

static const char *signame(int sig)
{
	switch (sig) {
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGILL: return "SIGILL";
	case SIGFPE: return "SIGFPE";
	case SIGTRAP: return "SIGTRAP";
	case SIGABRT: return "SIGABRT";
	case SIGALRM: return "SIGALRM";
	case SIGKILL: return "SIGKILL";
	default: return "signal";
	}
}

/* describe writes "sym+0xoff" for p, or "?" when no symbol covers it. */
static void describe(uintptr_t p, char *buf, size_t n)
{
	Dl_info di;
	if (p != 0 && dladdr((void *)p, &di) && di.dli_sname)
		snprintf(buf, n, "%s+0x%lx", di.dli_sname, (unsigned long)(p - (uintptr_t)di.dli_saddr));
	else
		snprintf(buf, n, "?");
}

typedef long (*long_fn)(void);

/*
 * call_in_child calls fn in a forked child. It returns 0 and stores the
 * result when the call returned, or 1 and fills *f when the child died.
 */
static int call_in_child(long_fn fn, long *result, struct fault *f)
{
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) < 0) {
		perror("pipe");
		exit(1);
	}
	fflush(NULL); /* or the child would flush the parent's buffered lines again */
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		long r;
		close(fds[0]);
		fault_fd = fds[1];
		catch_faults();
		alarm(10); /* a call that never returns must not hang the demo */
		r = fn();
		if (write(fds[1], &r, sizeof r) < 0)
			_exit(3);
		_exit(0);
	}
	close(fds[1]);
	memset(f, 0, sizeof *f);
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		exit(1);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		n = read(fds[0], result, sizeof *result);
		close(fds[0]);
		return n == (ssize_t)sizeof *result ? 0 : 1;
	}
	n = read(fds[0], f, sizeof *f);
	close(fds[0]);
	if (n != (ssize_t)sizeof *f) {
		/* killed without our handler running (SIGALRM, SIGKILL) */
		f->sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	}
	return 1;
}

static void report_fault(const struct fault *f)
{
	char where[512];
	describe(f->pc, where, sizeof where);
	printf("   the child died: %s (%s), fault address 0x%lx, pc 0x%lx (%s)\n",
	       signame(f->sig), strsignal(f->sig), (unsigned long)f->addr,
	       (unsigned long)f->pc, where);
}

static void *must_sym(void *h, const char *name)
{
	void *p;
	char *err;
	dlerror();
	p = dlsym(h, name);
	err = dlerror();
	if (err != NULL) {
		printf("   dlsym failed: %s\n", err);
		exit(1);
	}
	return p;
}

int main(int argc, char **argv)
{
	const char *plugin, *pluginpath, *cshared;
	char name[1024], where[512];
	struct fault f;
	long r;
	void *h, *answer, *init0;
	int ok = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: %s PLUGIN.so PLUGINPATH CSHARED.so\n", argv[0]);
		return 2;
	}
	plugin = argv[1];
	pluginpath = argv[2];
	cshared = argv[3];
	setvbuf(stdout, NULL, _IOLBF, 0);

	printf("== A C program loads a Go plugin, the way the Go 1.8 demo did\n");
	h = dlopen(plugin, RTLD_LAZY);
	if (h == NULL) {
		printf("   dlopen failed: %s\n", dlerror());
		return 1;
	}
	printf("1. dlopen(\"%s\", RTLD_LAZY) = %p\n", plugin, h);
	printf("   The loader mapped it and ran its .init_array (which only registers the\n"
	       "   module). No Go init ran: nothing printed \"init.0 ran\".\n");

	snprintf(name, sizeof name, "%s.Answer", pluginpath);
	answer = must_sym(h, name);
	describe((uintptr_t)answer, where, sizeof where);
	printf("2. dlsym(h, \"%s\") = %p\n", name, answer);
	printf("   Call it as long (*)(void), in a child process...\n");
	if (call_in_child((long_fn)answer, &r, &f) == 0) {
		printf("   it returned %ld. Answer is a leaf: no stack check, no goroutine,\n"
		       "   so the C calling convention happens to work.\n", r);
	} else {
		report_fault(&f);
		ok = 0;
	}

	snprintf(name, sizeof name, "%s.init.0", pluginpath);
	init0 = must_sym(h, name);
	printf("3. dlsym(h, \"%s\") = %p\n", name, init0);
	printf("   This is what the 1.8 demo did with <pluginpath>.init. Call it as\n"
	       "   void (*)(void), in a child process...\n");
	if (call_in_child((long_fn)init0, &r, &f) == 0) {
		printf("   it returned. (Unexpected: Go code ran without a goroutine.)\n");
		ok = 0;
	} else {
		report_fault(&f);
		describe(f.pc, where, sizeof where);
		printf("   Why: Go code expects its goroutine (g) in register R14 and a Go stack;\n"
		       "   C provides neither. init.0's prologue compares SP with a stack guard read\n"
		       "   through R14 (cmp 0x10(%%r14),%%rsp), which here holds whatever C left.\n");
		if (strncmp(where, "runtime.morestack", 17) == 0)
			printf("   The check said \"grow the stack\" and jumped to runtime.morestack, which\n"
			       "   loads g from thread-local storage: nil, since this thread never ran Go\n"
			       "   and this plugin's runtime was never started. Reading g.m (offset 0x30)\n"
			       "   faulted.\n");
		else
			printf("   The first use of g or of the never-started runtime faulted.\n");
		printf("   The right ways: a Go host uses plugin.Open, which runs the inits\n"
		       "   through the inittask on a goroutine; a C host loads a library built\n"
		       "   with -buildmode=c-shared and calls its //export'ed functions.\n");
	}

	printf("4. dlopen(\"%s\", RTLD_LAZY), a -buildmode=c-shared library\n", cshared);
	fflush(NULL);
	{
		int fds[2], status;
		pid_t pid;
		char buf[512];
		ssize_t n;

		if (pipe(fds) < 0) {
			perror("pipe");
			return 1;
		}
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			/* Its own process: the c-shared library starts a Go runtime. */
			void *ch;
			int (*add)(int, int);
			char *(*greet)(char *);
			char *s;

			close(fds[0]);
			fault_fd = fds[1];
			alarm(10);
			ch = dlopen(cshared, RTLD_LAZY);
			if (ch == NULL) {
				printf("   dlopen failed: %s\n", dlerror());
				_exit(1);
			}
			add = (int (*)(int, int))must_sym(ch, "SoinspectAdd");
			greet = (char *(*)(char *))must_sym(ch, "SoinspectGreet");
			printf("   dlsym(h, \"SoinspectAdd\") = %p: SoinspectAdd(40, 2) = %d\n",
			       (void *)add, add(40, 2));
			s = greet("presenter");
			printf("   dlsym(h, \"SoinspectGreet\") = %p: SoinspectGreet(\"presenter\") = \"%s\"\n",
			       (void *)greet, s);
			free(s);
			fflush(NULL);
			_exit(0);
		}
		close(fds[1]);
		n = read(fds[0], buf, sizeof buf);
		(void)n;
		close(fds[0]);
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			printf("   the c-shared call failed (status 0x%x)\n", status);
			ok = 0;
		} else {
			printf("   Both returned: cgo's //export wrappers switch to a goroutine on a\n"
			       "   Go stack before running Go code. That is the supported way.\n");
		}
	}

	printf("== %s\n", ok ? "Done: leaf returned, init crashed and was caught, c-shared worked."
			       : "Something did not go as the narrative says.");
	return ok ? 0 : 1;
}
