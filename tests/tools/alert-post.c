/*
 * alert-post: post alerts as Falco's http_output does, one alert per
 * request over keep-alive connections, for tests/falco-listen.bats and
 * the bench (bench/run.sh). Plain HTTP to 127.0.0.1 only.
 *
 * usage: alert-post [-c CONNECTIONS] [-H 'NAME: VALUE'] [-i SECONDS] [-p PATH]
 *                   PORT FILE
 *
 * Each line of FILE is the body of one POST to http://127.0.0.1:PORT/PATH
 * (default /), Content-Type: application/json, no trailing newline.
 * Connection k (0-based) posts lines k, k+C, k+2C, ... in order, waiting
 * for each answer before the next request; -i pauses that long after each
 * answer (the whole program: a test's slow, steady stream). At the end
 * it prints
 *   N requests in S seconds: R a second
 * then "STATUS COUNT" for each status received, and "failed N" when N
 * requests got no answer (the server closed or refused the connection;
 * that connection then posts no more). Exit status 0 when every answer
 * was 2xx, 1 when one was not, 2 when a request got no answer.
 */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "xalloc.h"

struct line {
	const char *text;
	size_t len;
};

struct conn {
	int fd;
	size_t next;		/* index of the line it posts next */
	struct buf req;		/* the request being sent */
	size_t sent;
	struct buf resp;	/* what arrived of the answer */
	int sending;
};

static struct line *lines;
static size_t nlines;
static unsigned short port;
static const char *path = "/";
static const char *extra_header;
static double interval;
static unsigned long statuses[600];
static size_t answered, failed_requests;

static void
load(const char *file, struct buf *all)
{
	char chunk[65536];
	FILE *f = fopen(file, "r");
	size_t n, cap = 0;
	char *p, *end, *nl;

	if (f == NULL)
		err(2, "'%s'", file);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(all, chunk, n);
	fclose(f);
	p = all->data;
	end = p + all->len;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (nl > p) {
			lines = xgrow(lines, &cap, nlines + 1, sizeof(*lines));
			lines[nlines].text = p;
			lines[nlines++].len = (size_t)(nl - p);
		}
		p = nl + 1;
	}
}

static int
connect_local(void)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		err(2, "socket");
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	/* one small request at a time: Nagle would hold each for 40 ms */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static void
prepare(struct conn *c)
{
	const struct line *l = &lines[c->next];

	buf_reset(&c->req);
	buf_printf(&c->req, "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n",
	    path, port, l->len);
	if (extra_header != NULL)
		buf_printf(&c->req, "%s\r\n", extra_header);
	buf_adds(&c->req, "\r\n");
	buf_add(&c->req, l->text, l->len);
	c->sent = 0;
	c->sending = 1;
	buf_reset(&c->resp);
}

/* 1 when resp holds a whole answer (counted), 0 when more must come */
static int
parse_answer(struct conn *c, int *close_after)
{
	const char *head = c->resp.data, *end, *p, *nl;
	size_t body = 0;
	int status;

	if (c->resp.len < 12 ||
	    (end = memmem(head, c->resp.len, "\r\n\r\n", 4)) == NULL)
		return 0;
	status = atoi(head + 9);
	*close_after = 0;
	for (p = head; p < end; p = nl + 1) {
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			body = strtoul(p + 15, NULL, 10);
		if (strncasecmp(p, "Connection: close", 17) == 0)
			*close_after = 1;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
	}
	if (c->resp.len < (size_t)(end + 4 - head) + body)
		return 0;
	statuses[status >= 100 && status < 600 ? status : 0]++;
	answered++;
	return 1;
}

/* the request under way got no answer: this connection is done */
static int
fail(struct conn *c)
{
	failed_requests++;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	return 1;
}

static int
step(struct conn *c, size_t nconns)
{
	char chunk[8192];
	ssize_t n;
	int close_after;

	if (c->sending) {
		n = write(c->fd, c->req.data + c->sent, c->req.len - c->sent);
		if (n < 0 && errno != EAGAIN)
			return fail(c);
		if (n > 0 && (c->sent += (size_t)n) == c->req.len)
			c->sending = 0;
		return 0;
	}
	n = read(c->fd, chunk, sizeof(chunk));
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n <= 0)
		return fail(c);
	buf_add(&c->resp, chunk, (size_t)n);
	if (!parse_answer(c, &close_after))
		return 0;
	c->next += nconns;
	clock_sleep(interval);
	if (close_after || c->next >= nlines) {
		close(c->fd);
		c->fd = -1;
		if (c->next >= nlines)
			return 1;
		if ((c->fd = connect_local()) < 0)
			return fail(c);
	}
	prepare(c);
	return 0;
}

int
main(int argc, char **argv)
{
	struct buf all = BUF_INIT;
	struct conn *conns;
	struct pollfd *fds;
	size_t nconns = 1, i, active;
	double start, seconds;
	int ch, failed = 0;

	while ((ch = getopt(argc, argv, "c:H:i:p:")) != -1) {
		switch (ch) {
		case 'c':
			nconns = strtoul(optarg, NULL, 10);
			break;
		case 'H':
			extra_header = optarg;
			break;
		case 'i':
			interval = strtod(optarg, NULL);
			break;
		case 'p':
			path = optarg;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 2 || nconns == 0)
		errx(2, "usage: alert-post [-c N] [-H HEADER] [-i SECONDS] [-p PATH] "
		    "PORT FILE");
	port = (unsigned short)atoi(argv[optind]);
	/* a server that closes a connection is counted, not fatal */
	signal(SIGPIPE, SIG_IGN);
	load(argv[optind + 1], &all);
	if (nconns > nlines)
		nconns = nlines > 0 ? nlines : 1;
	conns = xcalloc(nconns, sizeof(*conns));
	fds = xcalloc(nconns, sizeof(*fds));
	start = clock_now();
	active = 0;
	for (i = 0; i < nconns && i < nlines; i++) {
		conns[i].next = i;
		if ((conns[i].fd = connect_local()) < 0) {
			failed_requests++;
			continue;
		}
		prepare(&conns[i]);
		active++;
	}
	while (active > 0) {
		for (i = 0; i < nconns; i++) {
			fds[i].fd = conns[i].fd;
			fds[i].events = conns[i].sending ? POLLOUT : POLLIN;
		}
		if (poll(fds, nconns, -1) < 0 && errno != EINTR)
			err(2, "poll");
		for (i = 0; i < nconns; i++)
			if (fds[i].fd >= 0 && fds[i].revents != 0 &&
			    step(&conns[i], nconns))
				active--;
	}
	seconds = clock_now() - start;
	printf("%zu requests in %.3f seconds: %.0f a second\n", answered,
	    seconds, seconds > 0 ? (double)answered / seconds : 0.0);
	for (i = 0; i < 600; i++) {
		if (statuses[i] == 0)
			continue;
		printf("%zu %lu\n", i, statuses[i]);
		if (i < 200 || i > 299)
			failed = 1;
	}
	if (failed_requests > 0) {
		printf("failed %zu\n", failed_requests);
		failed = 2;
	}
	for (i = 0; i < nconns; i++) {
		buf_free(&conns[i].req);
		buf_free(&conns[i].resp);
	}
	free(conns);
	free(fds);
	free(lines);
	buf_free(&all);
	return failed;
}
