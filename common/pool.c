/*
 * pool.c: see pool.h. Every file is opened by its name under the lock
 * file's flock, never kept open across it, because the poster renames
 * the pool away: a put must append to whichever file bears the name now.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pool.h"
#include "statedir.h"
#include "xalloc.h"

struct pool {
	char *pool_path, *taken_path, *lock_path, *poster_path;
	int dir_fd;		/* the state directory, to sync its entries */
	int lock_fd;		/* PROGRAM.HASH.lock */
	int poster_fd;		/* PROGRAM.HASH.poster */
	int poster;		/* this process holds the poster's lock */
	FILE *taken;		/* what pool_take gave, until settled */
};

static int
lock_file(int fd, int how)
{
	while (flock(fd, how) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* unlock, keeping the errno of what went wrong before */
static void
unlock_file(int fd)
{
	int saved = errno;

	lock_file(fd, LOCK_UN);
	errno = saved;
}

static int
open_lock(const char *path)
{
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
}

struct pool *
pool_open(const char *key, size_t len)
{
	struct pool *p;
	int saved;

	if (state_dir_make() < 0)
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->dir_fd = p->lock_fd = p->poster_fd = -1;
	p->pool_path = state_file_for(key, len, "pool");
	p->taken_path = state_file_for(key, len, "taken");
	p->lock_path = state_file_for(key, len, "lock");
	p->poster_path = state_file_for(key, len, "poster");
	p->dir_fd = open(state_dir_name(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->dir_fd >= 0)
		p->lock_fd = open_lock(p->lock_path);
	if (p->lock_fd >= 0)
		p->poster_fd = open_lock(p->poster_path);
	if (p->poster_fd < 0) {
		saved = errno;
		pool_close(p);
		errno = saved;
		return NULL;
	}
	return p;
}

const char *
pool_path(const struct pool *p)
{
	return p->pool_path;
}

static int
read_at(int fd, char *buf, size_t len, off_t at)
{
	ssize_t n;

	while (len > 0) {
		n = pread(fd, buf, len, at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
		at += n;
	}
	return 0;
}

/*
 * A last line without its newline was being written by a process that
 * died first: it was never handed over, and what is appended next must
 * not be glued to it. Cut it off.
 */
static int
cut_torn_tail(int fd, const char *path)
{
	char chunk[4096];
	struct stat st;
	off_t at, cut = 0;
	size_t want;

	if (fstat(fd, &st) < 0)
		return -1;
	if (st.st_size == 0)
		return 0;
	if (read_at(fd, chunk, 1, st.st_size - 1) < 0)
		return -1;
	if (chunk[0] == '\n')
		return 0;
	for (at = st.st_size; at > 0 && cut == 0; at -= (off_t)want) {
		want = at > (off_t)sizeof(chunk) ? sizeof(chunk) : (size_t)at;
		if (read_at(fd, chunk, want, at - (off_t)want) < 0)
			return -1;
		for (size_t i = want; i > 0; i--) {
			if (chunk[i - 1] == '\n') {
				cut = at - (off_t)want + (off_t)i;
				break;
			}
		}
	}
	warnx("'%s': %lld bytes of a line cut short (its writer died) "
	    "dropped", path, (long long)(st.st_size - cut));
	return ftruncate(fd, cut);
}

static int
write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ENOSPC;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* append the record at the end of fd, whole or not at all, and sync it */
static int
append_synced(int fd, const char *record, size_t len)
{
	struct stat st;
	int saved;

	if (fstat(fd, &st) < 0)
		return -1;
	if (write_all(fd, record, len) < 0 || fsync(fd) < 0) {
		saved = errno;
		/* no torn line: the next put would glue its alert to it */
		if (ftruncate(fd, st.st_size) < 0)
			(void)0;
		errno = saved;
		return -1;
	}
	return 0;
}

static int
put_locked(struct pool *p, const char *record, size_t len)
{
	int fd, created = 1, rc, saved;

	fd = open(p->pool_path, O_RDWR | O_APPEND | O_CREAT | O_EXCL |
	    O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0 && errno == EEXIST) {
		created = 0;
		fd = open(p->pool_path, O_RDWR | O_APPEND | O_CLOEXEC |
		    O_NOCTTY);
	}
	if (fd < 0)
		return -1;
	rc = cut_torn_tail(fd, p->pool_path);
	if (rc == 0)
		rc = append_synced(fd, record, len);
	/* a new file's name must reach the disk as well as its data */
	if (rc == 0 && created)
		rc = fsync(p->dir_fd);
	saved = errno;
	if (close(fd) < 0 && rc == 0) {
		saved = errno;
		rc = -1;
	}
	errno = saved;
	return rc;
}

int
pool_put(struct pool *p, const char *line, size_t len)
{
	char *record = xmalloc(len + 1);
	int rc;

	memcpy(record, line, len);
	record[len] = '\n';
	if (lock_file(p->lock_fd, LOCK_EX) < 0) {
		free(record);
		return -1;
	}
	rc = put_locked(p, record, len + 1);
	unlock_file(p->lock_fd);
	free(record);
	return rc;
}

/* the poster's pid in its lock file, for whoever wonders who posts */
static void
sign_poster(struct pool *p)
{
	char pid[32];
	int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());

	if (ftruncate(p->poster_fd, 0) < 0 ||
	    pwrite(p->poster_fd, pid, (size_t)len, 0) != len)
		(void)0;	/* a courtesy only: the lock is what counts */
}

int
pool_claim(struct pool *p)
{
	if (p->poster)
		return 1;
	if (lock_file(p->poster_fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? 0 : -1;
	p->poster = 1;
	sign_poster(p);
	return 1;
}

int
pool_pending(struct pool *p)
{
	struct stat st;

	if (p->taken != NULL || stat(p->taken_path, &st) == 0)
		return 1;
	return stat(p->pool_path, &st) == 0 && st.st_size > 0;
}

/* the taken file, whole lines only; -1 with errno 0 when it holds none */
static int
open_taken(struct pool *p)
{
	struct stat st;
	int fd, saved;

	if ((fd = open(p->taken_path, O_RDWR | O_CLOEXEC | O_NOCTTY)) < 0)
		return -1;
	if (cut_torn_tail(fd, p->taken_path) < 0 || fstat(fd, &st) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (st.st_size > 0)
		return fd;
	close(fd);
	if (unlink(p->taken_path) < 0 || fsync(p->dir_fd) < 0)
		return -1;
	errno = 0;
	return -1;
}

static int
take_locked(struct pool *p)
{
	int fd;

	/* a poster that died first left this: it is older than the pool */
	if ((fd = open_taken(p)) >= 0)
		return fd;
	if (errno != ENOENT && errno != 0)
		return -1;
	if (rename(p->pool_path, p->taken_path) < 0) {
		if (errno == ENOENT)
			errno = 0;
		return -1;
	}
	if (fsync(p->dir_fd) < 0)
		return -1;
	return open_taken(p);
}

FILE *
pool_take(struct pool *p)
{
	int fd, saved;

	if (p->taken != NULL) {
		/* not settled: the same alerts again, from the start */
		rewind(p->taken);
		return p->taken;
	}
	if (lock_file(p->lock_fd, LOCK_EX) < 0)
		return NULL;
	fd = take_locked(p);
	unlock_file(p->lock_fd);
	if (fd < 0)
		return NULL;
	if ((p->taken = fdopen(fd, "r")) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
	}
	return p->taken;
}

int
pool_settle(struct pool *p)
{
	if (p->taken == NULL)
		return 0;
	fclose(p->taken);
	p->taken = NULL;
	if (unlink(p->taken_path) < 0)
		return -1;
	/* else a crash could bring the file back, to be posted again */
	return fsync(p->dir_fd);
}

int
pool_release(struct pool *p)
{
	if (!p->poster)
		return 0;
	lock_file(p->poster_fd, LOCK_UN);
	p->poster = 0;
	/*
	 * A process whose claim failed while we held the lock put its
	 * alert before it tried, so the alert is visible now.
	 */
	if (!pool_pending(p))
		return 0;
	return pool_claim(p) == 1;
}

pid_t
pool_detach(struct pool *p)
{
	pid_t pid = fork();
	int null;

	if (pid < 0)
		return -1;
	if (pid > 0) {
		/*
		 * The child holds the same lock through the same open file:
		 * an unlock here would be its unlock too. Only close.
		 */
		p->poster = 0;
		if (p->taken != NULL) {
			fclose(p->taken);
			p->taken = NULL;
		}
		return pid;
	}
	sign_poster(p);
	/* nobody feeds the child, and nobody reads what it would print */
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		close(null);
	}
	return 0;
}

void
pool_close(struct pool *p)
{
	if (p == NULL)
		return;
	if (p->taken != NULL)
		fclose(p->taken);
	if (p->poster_fd >= 0)
		close(p->poster_fd);
	if (p->lock_fd >= 0)
		close(p->lock_fd);
	if (p->dir_fd >= 0)
		close(p->dir_fd);
	free(p->pool_path);
	free(p->taken_path);
	free(p->lock_path);
	free(p->poster_path);
	free(p);
}
