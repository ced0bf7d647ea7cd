/*
 * statedir.h: where a program keeps what must outlive it (undelivered
 * alerts, spools, falco-netpol's action count), when the user named no
 * place. $TMPDIR is no such place: PrivateTmp= and tmp cleaners empty
 * it. In order: $STATE_DIRECTORY (systemd's StateDirectory=, its first
 * entry), /var/spool/falco-pipes when running as root, else
 * $XDG_STATE_HOME/falco-pipes, else ~/.local/state/falco-pipes.
 */
#ifndef FP_STATEDIR_H
#define FP_STATEDIR_H

/*
 * The directory, created (mode 0700) with its parents when missing.
 * Owned by the module: the same string on every call. On failure the
 * program ends with a message naming the directory, status 2.
 */
const char *state_dir(void);
/* make the directory if missing: 0, or -1 with errno (nothing reported) */
int state_dir_make(void);
/* the directory state_dir() would choose, without creating it */
const char *state_dir_name(void);

#endif
