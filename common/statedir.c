#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "exitcode.h"
#include "statedir.h"

/* computed once; the environment does not change under a running program */
static struct buf chosen = BUF_INIT;

const char *
state_dir_name(void)
{
	const char *env;

	if (chosen.len > 0)
		return chosen.data;
	if ((env = getenv("STATE_DIRECTORY")) != NULL && env[0] != '\0') {
		/* systemd joins several StateDirectory= entries with ':' */
		buf_add(&chosen, env, strcspn(env, ":"));
	} else if (geteuid() == 0) {
		buf_adds(&chosen, "/var/spool/falco-pipes");
	} else if ((env = getenv("XDG_STATE_HOME")) != NULL && env[0] == '/') {
		buf_printf(&chosen, "%s/falco-pipes", env);
	} else {
		env = getenv("HOME");
		buf_printf(&chosen, "%s/.local/state/falco-pipes",
		    env != NULL && env[0] != '\0' ? env : ".");
	}
	return chosen.data;
}

/* mkdir -p, each missing part 0700 */
static int
make_dirs(char *path)
{
	char *p;

	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

int
state_dir_make(void)
{
	const char *dir = state_dir_name();
	struct buf copy = BUF_INIT;
	struct stat st;
	int rc;

	buf_adds(&copy, dir);
	rc = make_dirs(copy.data);
	buf_free(&copy);
	if (rc < 0 || stat(dir, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

const char *
state_dir(void)
{
	if (state_dir_make() < 0)
		err(EXIT_USAGE, "state directory '%s'", state_dir_name());
	return state_dir_name();
}
