/*
 * httpd-serve: a server on common/httpd.c, for tests/httpd.bats.
 *
 * usage: httpd-serve [-l ADDR:PORT]... [-c CERT -k KEY [-a CLIENT_CA]]
 *                    [-b MAX_BODY] [-t TIMEOUT] [-m MAX_CONNECTIONS] PORT_FILE
 *
 * Every request is answered from its path:
 *   /status/N        status N
 *   /retry/SECONDS   503 with Retry-After from SECONDS (a decimal)
 *   /slow/SECONDS    200 after sleeping that long in the handler, which
 *                    first says so on stderr
 *   /header/NAME     200, the request header NAME's value (or "(none)")
 *   anything else    200, "METHOD PATH LENGTH" and a newline, then the body
 * On SIGTERM it stops the server (httpd_stop), prints "stopped" and exits 0.
 */
#include <err.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "httpd.h"

static void
serve(void *ctx, const struct httpd_request *req, struct httpd_response *r)
{
	const char *v;

	(void)ctx;
	if (strncmp(req->path, "/status/", 8) == 0) {
		r->status = atoi(req->path + 8);
		buf_printf(&r->body, "status %d\n", r->status);
	} else if (strncmp(req->path, "/retry/", 7) == 0) {
		r->status = 503;
		r->retry_after = strtod(req->path + 7, NULL);
		buf_adds(&r->body, "busy\n");
	} else if (strncmp(req->path, "/slow/", 6) == 0) {
		/* the tests wait for this line, not for a guessed time */
		fprintf(stderr, "slow request under way\n");
		clock_sleep(strtod(req->path + 6, NULL));
		buf_adds(&r->body, "slow done\n");
	} else if (strncmp(req->path, "/header/", 8) == 0) {
		v = httpd_header(req, req->path + 8);
		buf_printf(&r->body, "%s\n", v != NULL ? v : "(none)");
	} else {
		buf_printf(&r->body, "%s %s %zu\n", req->method, req->path,
		    req->body_len);
		buf_add(&r->body, req->body, req->body_len);
	}
}

int
main(int argc, char **argv)
{
	const char *listen[8];
	struct httpd_options o;
	struct httpd *h;
	sigset_t set;
	int c, sig;

	memset(&o, 0, sizeof(o));
	o.listen = listen;
	o.max_body = 1024 * 1024;
	o.timeout = 10;
	o.max_connections = 64;
	while ((c = getopt(argc, argv, "a:b:c:k:l:m:t:")) != -1) {
		switch (c) {
		case 'a':
			o.client_ca = optarg;
			break;
		case 'b':
			o.max_body = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			o.tls_cert = optarg;
			break;
		case 'k':
			o.tls_key = optarg;
			break;
		case 'l':
			if (o.nlisten == sizeof(listen) / sizeof(listen[0]))
				errx(2, "too many -l");
			listen[o.nlisten++] = optarg;
			break;
		case 'm':
			o.max_connections = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 't':
			o.timeout = strtod(optarg, NULL);
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 1)
		errx(2, "usage: httpd-serve [-l ADDR:PORT]... PORT_FILE");
	if (o.nlisten == 0)
		listen[o.nlisten++] = "127.0.0.1:0";
	o.port_file = argv[optind];
	/* blocked in every thread, so only sigwait takes them */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	h = httpd_start(&o, serve, NULL);
	sigwait(&set, &sig);
	httpd_stop(h);
	printf("stopped\n");
	return 0;
}
