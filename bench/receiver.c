/*
 * receiver: the webhook that falco-slack posts to during the benchmark.
 * Answers every request 200 "ok" as Slack does, on 127.0.0.1 only, with
 * HTTP/1.1 keep-alive, and counts connections, requests and body bytes.
 *
 *	receiver PORTFILE STATSFILE
 *
 * The chosen port is written to PORTFILE once the socket listens (written
 * aside and renamed, so a reader never sees half a number). On SIGTERM or
 * SIGINT it writes "connections N", "requests N" and "bytes N" lines to STATSFILE and exits.
 * Written in C with libmicrohttpd (already a build dependency) so that the
 * receiver is not what limits the alerts per second being measured.
 */
#include <arpa/inet.h>
#include <err.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

static atomic_ullong connections;
static atomic_ullong requests;
static atomic_ullong body_bytes;

/* libmicrohttpd calls this once for the headers, once per body piece, and
 * once more when the body is complete; only then is the answer queued. */
static enum MHD_Result
answer(void *cls, struct MHD_Connection *connection, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **request_state)
{
	static int request_started;
	static char ok[] = "ok";
	struct MHD_Response *response;
	enum MHD_Result queued;

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	if (*request_state == NULL) {
		*request_state = &request_started;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		atomic_fetch_add(&body_bytes, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	atomic_fetch_add(&requests, 1);
	response = MHD_create_response_from_buffer(strlen(ok), ok,
	    MHD_RESPMEM_PERSISTENT);
	if (response == NULL)
		return MHD_NO;
	MHD_add_response_header(response, "Content-Type", "text/html");
	queued = MHD_queue_response(connection, MHD_HTTP_OK, response);
	MHD_destroy_response(response);
	return queued;
}

/* Counted so the bench can tell whether the sender reuses its connection. */
static void
count_connection(void *cls, struct MHD_Connection *connection,
    void **socket_state, enum MHD_ConnectionNotificationCode event)
{
	(void)cls;
	(void)connection;
	(void)socket_state;
	if (event == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(&connections, 1);
}

static void
write_file(const char *path, const char *text)
{
	char aside[4096];
	FILE *f;

	snprintf(aside, sizeof aside, "%s.tmp", path);
	f = fopen(aside, "w");
	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0 ||
	    rename(aside, path) != 0)
		err(1, "'%s'", path);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in loopback;
	struct MHD_Daemon *daemon;
	const union MHD_DaemonInfo *info;
	sigset_t stop_signals;
	char text[160];
	int signal_number;

	if (argc != 3) {
		fprintf(stderr, "usage: receiver PORTFILE STATSFILE\n");
		return 2;
	}
	/* Blocked before the server thread starts, so that only sigwait()
	 * below ever sees them. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

	memset(&loopback, 0, sizeof loopback);
	loopback.sin_family = AF_INET;
	loopback.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	loopback.sin_port = 0;
	daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, answer, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&loopback,
	    MHD_OPTION_CONNECTION_TIMEOUT, 60U,
	    MHD_OPTION_NOTIFY_CONNECTION, count_connection, NULL,
	    MHD_OPTION_END);
	if (daemon == NULL)
		errx(1, "cannot listen on 127.0.0.1");
	info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (info == NULL || info->port == 0)
		errx(1, "no port to listen on");
	snprintf(text, sizeof text, "%u\n", (unsigned)info->port);
	write_file(argv[1], text);

	sigwait(&stop_signals, &signal_number);
	MHD_stop_daemon(daemon);
	snprintf(text, sizeof text,
	    "connections %llu\nrequests %llu\nbytes %llu\n",
	    (unsigned long long)atomic_load(&connections),
	    (unsigned long long)atomic_load(&requests),
	    (unsigned long long)atomic_load(&body_bytes));
	write_file(argv[2], text);
	return 0;
}
