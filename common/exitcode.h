/* exitcode.h: the exit statuses every falco-pipes program documents. */
#ifndef FP_EXITCODE_H
#define FP_EXITCODE_H

enum exit_status {
	EXIT_OK = 0,		/* success; for falco-filter: an alert matched */
	EXIT_NOMATCH = 1,	/* falco-filter: no alert matched */
	EXIT_FAILED = 1,	/* senders: an alert was not delivered or an action failed */
	EXIT_USAGE = 2,		/* bad options, bad condition, fatal error */
	EXIT_PIPE = 141		/* standard output closed by the reader (128 + SIGPIPE) */
};

#endif
