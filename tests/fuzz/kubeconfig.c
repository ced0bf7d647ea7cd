/*
 * kubeconfig: falco-netpol's kubeconfig loader (cmd/falco-netpol/
 * kubeconfig.c, built into this harness) on any file given as
 * --kubeconfig. What it accepts must name an http(s) server without a
 * trailing slash.
 *
 * The loader ends the program (err/errx, status 2) on a bad file, which
 * is right for a program at start-up but would end the fuzzer: here
 * err and errx jump back to the harness instead. What the loader had
 * allocated or opened by then is released by the harness: allocations
 * are recorded through the sanitizer's malloc hooks, files through
 * fopen and fclose wrapped by the linker (the Makefile's
 * FUZZ_LDFLAGS_kubeconfig), so leak detection stays on for every path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/allocator_interface.h>

#include "fuzz.h"
#include "netpol.h"

#define TRACKED_MAX 65536
#define FILES_MAX 16

FILE *__real_fopen(const char *path, const char *mode);
int __real_fclose(FILE *f);
FILE *__wrap_fopen(const char *path, const char *mode);
int __wrap_fclose(FILE *f);
void err(int status, const char *fmt, ...);
void errx(int status, const char *fmt, ...);
void warnx(const char *fmt, ...);

static jmp_buf escape;
static int tracking;
static void *tracked[TRACKED_MAX];
static size_t ntracked;
static FILE *files[FILES_MAX];
static size_t nfiles;

static void
malloc_hook(const volatile void *p, size_t size)
{
	(void)size;
	if (!tracking)
		return;
	if (ntracked == TRACKED_MAX) {
		fputs("kubeconfig: too many allocations to track\n", stderr);
		abort();
	}
	tracked[ntracked++] = (void *)(uintptr_t)p;
}

static void
free_hook(const volatile void *p)
{
	if (!tracking)
		return;
	for (size_t i = ntracked; i-- > 0;)
		if (tracked[i] == (void *)(uintptr_t)p) {
			tracked[i] = tracked[--ntracked];
			return;
		}
}

FILE *
__wrap_fopen(const char *path, const char *mode)
{
	FILE *f = __real_fopen(path, mode);

	if (f != NULL && tracking && nfiles < FILES_MAX)
		files[nfiles++] = f;
	return f;
}

int
__wrap_fclose(FILE *f)
{
	for (size_t i = 0; i < nfiles; i++)
		if (files[i] == f) {
			files[i] = files[--nfiles];
			break;
		}
	return __real_fclose(f);
}

/* the loader's way out: back to the harness, never exit */
void
err(int status, const char *fmt, ...)
{
	(void)status, (void)fmt;
	longjmp(escape, 1);
}

void
errx(int status, const char *fmt, ...)
{
	(void)status, (void)fmt;
	longjmp(escape, 1);
}

/* "auth-provider is not supported" would fill the log */
void
warnx(const char *fmt, ...)
{
	(void)fmt;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	return __sanitizer_install_malloc_and_free_hooks(malloc_hook,
	    free_hook) == 0;
}

/* what an escaped load left behind: files first (fclose frees their own) */
static void
release(void)
{
	while (nfiles > 0)
		fclose(files[nfiles - 1]);
	tracking = 0;
	while (ntracked > 0)
		free(tracked[--ntracked]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("config");
	struct kube_flags flags = { path, NULL, NULL, NULL, NULL };
	static struct kube_access a;
	size_t n;

	fuzz_file_write(path, data, size);
	ntracked = nfiles = 0;
	tracking = 1;
	if (setjmp(escape) != 0) {
		release();
		return 0;
	}
	kube_access_load(&flags, &a);
	tracking = 0;
	FUZZ_ASSERT(strncmp(a.server, "https://", 8) == 0 ||
	    strncmp(a.server, "http://", 7) == 0);
	n = strlen(a.server);
	FUZZ_ASSERT(a.server[n - 1] != '/');
	FUZZ_ASSERT(a.exec == NULL || strcmp(a.exec->argv[0],
	    a.exec->command) == 0);
	kube_access_free(&a);
	return 0;
}
