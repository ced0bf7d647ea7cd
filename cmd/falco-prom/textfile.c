#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "textfile.h"
#include "xalloc.h"

struct textfile {
	char *path;
	char *dir;
	char *base;
	mode_t mode;		/* what a new file would get: 0666 less the umask */
	int failing;		/* the last write failed and was reported */
	struct buf reported;	/* why, as reported */
};

struct textfile *
textfile_new(const char *path)
{
	struct textfile *t = xcalloc(1, sizeof(*t));
	char *copy;
	mode_t mask;

	t->path = xstrdup(path);
	copy = xstrdup(path);
	t->dir = xstrdup(dirname(copy));
	free(copy);
	copy = xstrdup(path);
	t->base = xstrdup(basename(copy));
	free(copy);
	/* mkstemp makes 0600; the collector often runs as another user */
	mask = umask(0);
	umask(mask);
	t->mode = 0666 & ~mask;
	return t;
}

void
textfile_free(struct textfile *t)
{
	if (t == NULL)
		return;
	free(t->path);
	free(t->dir);
	free(t->base);
	buf_free(&t->reported);
	free(t);
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* fsync the directory, so the rename itself survives a crash */
static int
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), saved;

	if (fd < 0)
		return -1;
	if (fsync(fd) < 0 && errno != EINVAL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	close(fd);
	return 0;
}

/* the steps of a replacement; *what names the one that failed */
static int
replace(struct textfile *t, const char *text, size_t len, const char **what)
{
	struct buf tmp = BUF_INIT;
	int fd, saved;

	/* a dot first and no .prom last: no collector reads it */
	buf_printf(&tmp, "%s/.%s.XXXXXX", t->dir, t->base);
	*what = "cannot create a temporary file beside it";
	fd = mkostemp(tmp.data, O_CLOEXEC);
	if (fd < 0) {
		buf_free(&tmp);
		return -1;
	}
	*what = NULL;
	if (fchmod(fd, t->mode) < 0 || write_all(fd, text, len) < 0)
		goto fail;
	*what = "fsync";
	if (fsync(fd) < 0)
		goto fail;
	*what = NULL;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	*what = "rename";
	if (rename(tmp.data, t->path) < 0)
		goto fail;
	buf_free(&tmp);
	*what = "fsync of its directory";
	return sync_dir(t->dir);
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp.data);
	buf_free(&tmp);
	errno = saved;
	return -1;
}

int
textfile_write(struct textfile *t, const char *text, size_t len)
{
	struct buf why = BUF_INIT;
	const char *what;

	if (replace(t, text, len, &what) == 0) {
		if (t->failing)
			warnx("'%s': written again", t->path);
		t->failing = 0;
		return 0;
	}
	if (what != NULL)
		buf_printf(&why, "%s: ", what);
	buf_adds(&why, strerror(errno));
	if (!t->failing || strcmp(why.data, buf_str(&t->reported)) != 0)
		warnx("'%s': %s", t->path, why.data);
	t->failing = 1;
	buf_reset(&t->reported);
	buf_adds(&t->reported, why.data);
	buf_free(&why);
	return -1;
}
