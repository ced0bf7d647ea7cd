/*
 * kube.c: calls to the Kubernetes API server over common/http.c, with
 * the credentials kubectl would use (a token re-read when its file
 * changes, as projected service-account tokens rotate; an exec
 * plugin's credential cached until it expires), dry-run handling, and
 * refusals explained with the RBAC rule that would allow the call
 * (reference §7.3, §7.9, §7.10).
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "exitcode.h"
#include "http.h"
#include "netpol.h"
#include "proc.h"
#include "version.h"
#include "xalloc.h"

#define EXEC_OUTPUT_MAX (1024 * 1024)
/* etcd keeps objects of up to 1.5 MiB: any real one fits, a flood does not */
#define KUBE_ANSWER_MAX (4 * 1024 * 1024)
#define FIELD_MANAGER "falco-netpol"

extern char **environ;

struct credential {
	char *token;
	char *cert;		/* PEM, from an exec plugin */
	char *key;
	time_t expiry;		/* 0: none */
	int valid;
};

struct kube {
	const struct kube_access *access;
	struct kube_settings settings;
	struct http_options options;
	struct http_client *client;
	struct credential exec;
	char *file_token;
	struct stat file_token_stat;
};

/* what a path names, for messages and RBAC rules */
struct api_target {
	char group[128];	/* "" for the core group */
	char resource[64];
	char namespace[64];
	char name[254];
};

static void
credential_clear(struct credential *c)
{
	free(c->token);
	free(c->cert);
	free(c->key);
	memset(c, 0, sizeof(*c));
}

static void
client_rebuild(struct kube *k)
{
	http_client_free(k->client);
	k->options.client_cert_blob = k->exec.cert;
	k->options.client_cert_blob_len = k->exec.cert ? strlen(k->exec.cert) : 0;
	k->options.client_key_blob = k->exec.key;
	k->options.client_key_blob_len = k->exec.key ? strlen(k->exec.key) : 0;
	k->client = http_client_new(&k->options);
}

struct kube *
kube_new(const struct kube_access *a, const struct kube_settings *settings)
{
	struct kube *k = xcalloc(1, sizeof(*k));

	k->access = a;
	k->settings = *settings;
	k->options.timeout = settings->timeout;
	k->options.max_answer = KUBE_ANSWER_MAX;
	k->options.retries = settings->retries;
	k->options.backoff_initial = 0.5;
	k->options.cacert = a->ca_file;
	k->options.cacert_blob = a->ca_data;
	k->options.cacert_blob_len = a->ca_data_len;
	k->options.client_cert = a->client_cert_file;
	k->options.client_key = a->client_key_file;
	k->options.client_cert_blob = a->client_cert_data;
	k->options.client_cert_blob_len = a->client_cert_data_len;
	k->options.client_key_blob = a->client_key_data;
	k->options.client_key_blob_len = a->client_key_data_len;
	k->options.insecure = a->insecure;
	/* the server names our field manager after the User-Agent up to '/' */
	k->options.user_agent = FIELD_MANAGER "/" FALCO_PIPES_VERSION;
	k->client = http_client_new(&k->options);
	return k;
}

void
kube_free(struct kube *k)
{
	if (!k)
		return;
	http_client_free(k->client);
	credential_clear(&k->exec);
	free(k->file_token);
	free(k);
}

/* --- tokens from files --- */

static int
same_file_version(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* re-read whenever the file changed: kubelet rotates projected tokens */
static const char *
token_from_file(struct kube *k, int force)
{
	const char *path = k->access->token_file;
	struct stat st;

	if (stat(path, &st) != 0) {
		warn("'%s'", path);
		return k->file_token;
	}
	if (!force && k->file_token && same_file_version(&st, &k->file_token_stat))
		return k->file_token;
	free(k->file_token);
	if (!(k->file_token = kube_token_read(path)))
		warn("'%s'", path);
	k->file_token_stat = st;
	return k->file_token;
}

/* --- exec credential plugins --- */

static char *
exec_info(const struct kube_exec *e)
{
	char *info = NULL;

	if (asprintf(&info, "KUBERNETES_EXEC_INFO={\"kind\":\"ExecCredential\","
	    "\"apiVersion\":\"%s\",\"spec\":{\"interactive\":false}}",
	    e->api_version) < 0)
		err(EXIT_USAGE, "asprintf");
	return info;
}

static char **
exec_environment(const struct kube_exec *e, char *info)
{
	size_t n = 0, m = 0, k = 0;
	char **envp;

	while (environ[n])
		n++;
	while (e->env[m])
		m++;
	envp = xcalloc(n + m + 2, sizeof(*envp));
	for (size_t i = 0; i < n; i++)
		envp[k++] = environ[i];
	for (size_t i = 0; i < m; i++)
		envp[k++] = e->env[i];
	envp[k++] = info;
	return envp;
}

/* the plugin's standard output, or NULL when it could not run or failed */
static char *
exec_run(const struct kube_exec *e)
{
	char *info = exec_info(e);
	char **envp = exec_environment(e, info);
	int fds[2], status, too_long = 0;
	struct buf out = BUF_INIT;
	char chunk[4096];
	ssize_t n;
	pid_t pid;
	struct proc_spec spec = {
		/* no shell: the command and its arguments as the kubeconfig lists them */
		.file = e->command,
		.argv = e->argv,
		.envp = envp,
		.search = 1,
		.stdin_fd = PROC_DEVNULL,
	};

	if (pipe2(fds, O_CLOEXEC) != 0)
		err(EXIT_USAGE, "pipe");
	spec.stdout_fd = fds[1];
	if ((pid = proc_start(&spec)) < 0)
		err(EXIT_USAGE, "fork");
	close(fds[1]);
	while ((n = read(fds[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		/* the rest is read, so the plugin is not stopped by a full pipe */
		if (out.len + (size_t)n <= EXEC_OUTPUT_MAX)
			buf_add(&out, chunk, (size_t)n);
		else
			too_long = 1;
	}
	close(fds[0]);
	if (proc_wait(pid, &status) < 0)
		status = -1;
	free(envp);
	free(info);
	if (status == -1 || !proc_succeeded(status)) {
		warnx("exec plugin '%s' failed%s%s", e->command,
		    e->install_hint ? ": " : "",
		    e->install_hint ? e->install_hint : "");
		buf_free(&out);
		return NULL;
	}
	if (too_long) {
		warnx("exec plugin '%s': output larger than %d MiB", e->command,
		    EXEC_OUTPUT_MAX >> 20);
		buf_free(&out);
		return NULL;
	}
	return out.data ? out.data : xstrdup("");
}

/* RFC 3339, as client-go writes it; 0 (no expiry) when absent or unreadable */
static time_t
parse_timestamp(const cJSON *item)
{
	const char *s = cJSON_IsString(item) ? item->valuestring : NULL;
	long long ns;

	/*
	 * time_parse_ns counts nanoseconds in 64 bits, which ends in 2262:
	 * a later expiry is as good as none (plugins print year 2999 too).
	 */
	if (!s || strncmp(s, "2262", 4) >= 0 ||
	    time_parse_ns(s, strlen(s), &ns) < 0)
		return 0;
	return (time_t)(ns / 1000000000LL);
}

static const char *
json_string_of(const cJSON *object, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

static int
exec_parse(const struct kube_exec *e, const char *text, struct credential *c)
{
	cJSON *doc = cJSON_Parse(text);
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(doc, "status");
	const char *api = json_string_of(doc, "apiVersion");
	const char *token = json_string_of(status, "token");
	const char *cert = json_string_of(status, "clientCertificateData");
	const char *key = json_string_of(status, "clientKeyData");
	const char *problem = NULL;

	if (!doc)
		problem = "output is not JSON";
	else if (!api || strcmp(api, e->api_version) != 0)
		problem = "output has another apiVersion";
	else if (!cJSON_IsObject(status))
		problem = "output has no status";
	else if (!!cert != !!key)
		problem = "output has only one of clientCertificateData and clientKeyData";
	else if (!token && !cert)
		problem = "output has neither a token nor a client certificate";
	if (problem) {
		warnx("exec plugin '%s': %s", e->command, problem);
		cJSON_Delete(doc);
		return -1;
	}
	credential_clear(c);
	c->token = token ? xstrdup(token) : NULL;
	c->cert = cert ? xstrdup(cert) : NULL;
	c->key = key ? xstrdup(key) : NULL;
	c->expiry = parse_timestamp(cJSON_GetObjectItemCaseSensitive(status,
	    "expirationTimestamp"));
	c->valid = 1;
	cJSON_Delete(doc);
	return 0;
}

static void
exec_refresh(struct kube *k, int force)
{
	const struct kube_exec *e = k->access->exec;
	int had_cert = k->exec.cert != NULL;
	char *out;

	if (!force && k->exec.valid &&
	    (k->exec.expiry == 0 || time(NULL) < k->exec.expiry))
		return;
	k->exec.valid = 0;
	if (!(out = exec_run(e)))
		return;
	exec_parse(e, out, &k->exec);
	free(out);
	/* a client certificate lives in the TLS set-up: a new handle */
	if (had_cert || k->exec.cert)
		client_rebuild(k);
}

static const char *
bearer_token(struct kube *k, int force)
{
	if (k->access->exec) {
		exec_refresh(k, force);
		return k->exec.valid ? k->exec.token : NULL;
	}
	/* a tokenFile that can be read beats a token, as in client-go */
	if (k->access->token_file) {
		const char *t = token_from_file(k, force);

		if (t)
			return t;
	}
	return k->access->token;
}

/* --- messages --- */

static void
api_target_of(const char *path, struct api_target *t)
{
	char copy[1024];
	char *parts[10], *save = NULL;
	size_t n = 0, i = 0;

	memset(t, 0, sizeof(*t));
	snprintf(copy, sizeof(copy), "%s", path);
	copy[strcspn(copy, "?")] = '\0';
	for (char *p = strtok_r(copy, "/", &save); p && n < 10;
	    p = strtok_r(NULL, "/", &save))
		parts[n++] = p;
	if (n > 0 && strcmp(parts[0], "apis") == 0 && n > 1) {
		snprintf(t->group, sizeof(t->group), "%s", parts[1]);
		i = 3;
	} else {
		i = 2;
	}
	if (i + 1 < n && strcmp(parts[i], "namespaces") == 0) {
		snprintf(t->namespace, sizeof(t->namespace), "%s", parts[i + 1]);
		i += 2;
	}
	if (i < n)
		snprintf(t->resource, sizeof(t->resource), "%s", parts[i]);
	if (i + 1 < n)
		snprintf(t->name, sizeof(t->name), "%s", parts[i + 1]);
}

/*
 * A create's URL names only the namespace: the object's name is in its
 * body, and a message names the object, not the collection.
 */
static void
api_target_with_body(const char *path, const cJSON *body,
    struct api_target *t)
{
	const char *name = json_string_of(
	    cJSON_GetObjectItemCaseSensitive(body, "metadata"), "name");

	api_target_of(path, t);
	if (!*t->name && name)
		snprintf(t->name, sizeof(t->name), "%s", name);
}

static const char *
verb_of(const char *method)
{
	static const struct { const char *method, *verb; } verbs[] = {
		{ "GET", "get" }, { "POST", "create" }, { "PUT", "update" },
		{ "PATCH", "patch" }, { "DELETE", "delete" }, { NULL, NULL }
	};

	for (size_t i = 0; verbs[i].method; i++)
		if (strcmp(method, verbs[i].method) == 0)
			return verbs[i].verb;
	return method;
}

/* "create networkpolicies.networking.k8s.io 'demo/name'" */
static void
describe_call(const char *method, const struct api_target *t, char *out,
    size_t size)
{
	snprintf(out, size, "%s %s%s%s '%s%s%s'", verb_of(method), t->resource,
	    *t->group ? "." : "", t->group, t->namespace,
	    *t->name ? "/" : "", t->name);
}

static const char *
status_reason(long status, const cJSON *body)
{
	const char *reason = json_string_of(body, "reason");

	if (reason && *reason)
		return reason;
	switch (status) {
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "NotFound";
	case 409: return "Conflict";
	case 422: return "Invalid";
	case 429: return "TooManyRequests";
	default: return status >= 500 ? "InternalError" : "Failure";
	}
}

static void
report_failure(struct kube *k, const char *method, const char *path,
    const cJSON *sent, const struct http_response *resp,
    struct kube_result *r)
{
	struct api_target t;
	char call[640], host[256];
	const char *message = json_string_of(r->body, "message");

	api_target_with_body(path, sent, &t);
	describe_call(method, &t, call, sizeof(call));
	if (resp->status == 0) {
		http_redact_url(k->access->server, host, sizeof(host));
		snprintf(r->reason, sizeof(r->reason), "%.640s: no answer: %.256s",
		    call, resp->error);
		warnx("%s: '%s': %s", call, host, resp->error);
		return;
	}
	snprintf(r->reason, sizeof(r->reason), "%.640s: %ld %.64s", call,
	    resp->status, status_reason(resp->status, r->body));
	warnx("%s: %ld %s%s%s", call, resp->status,
	    status_reason(resp->status, r->body), message ? ": " : "",
	    message ? message : "");
	if (resp->status == 401)
		warnx("the credentials of %s were refused", k->access->origin);
	if (resp->status == 403)
		warnx("an RBAC rule that allows it: {apiGroups: [\"%s\"], "
		    "resources: [\"%s\"], verbs: [\"%s\"]}", t.group,
		    t.resource, verb_of(method));
}

/* an answer cut at KUBE_ANSWER_MAX cannot be read: a failure, whatever its status */
static void
report_too_large(const char *method, const char *path, const cJSON *sent,
    struct kube_result *r)
{
	struct api_target t;
	char call[640];

	api_target_with_body(path, sent, &t);
	describe_call(method, &t, call, sizeof(call));
	snprintf(r->reason, sizeof(r->reason), "%.640s: an answer larger "
	    "than %d MiB", call, KUBE_ANSWER_MAX >> 20);
	warnx("%s: an answer larger than %d MiB, not read", call,
	    KUBE_ANSWER_MAX >> 20);
	r->status = 0;
}

/* --- calls --- */

static int
is_write(const char *method)
{
	return strcmp(method, "GET") != 0;
}

static char *
call_url(const struct kube *k, const char *method, const char *path)
{
	const char *dry = k->settings.dry_run;
	int server_dry = dry && strcmp(dry, "server") == 0;
	char *url = NULL;

	if (asprintf(&url, "%s%s%s%s", k->access->server, path,
	    is_write(method) ? "?fieldManager=" FIELD_MANAGER : "",
	    is_write(method) && server_dry ? "&dryRun=All" : "") < 0)
		err(EXIT_USAGE, "asprintf");
	return url;
}

static void
print_dry_run(const char *method, const char *path, const cJSON *body)
{
	struct api_target t;
	char call[640];
	char *json = body ? cJSON_PrintUnformatted(body) : NULL;

	api_target_with_body(path, body, &t);
	describe_call(method, &t, call, sizeof(call));
	warnx("dry-run: %s", call);
	if (json)
		fprintf(stderr, "%s\n", json);
	free(json);
}

static int
is_quiet(long status, const long *quiet)
{
	for (size_t i = 0; quiet && quiet[i]; i++)
		if (quiet[i] == status)
			return 1;
	return 0;
}

static void
send_with_token(struct kube *k, const struct http_request *base,
    const char *token, struct http_response *resp)
{
	struct http_header headers[4];
	struct http_request req = *base;
	char *authorization = NULL;
	size_t n = 0;

	headers[n++] = (struct http_header){ "Accept", "application/json" };
	if (req.headers)
		headers[n++] = req.headers[0];
	if (token) {
		if (asprintf(&authorization, "Bearer %s", token) < 0)
			err(EXIT_USAGE, "asprintf");
		headers[n++] = (struct http_header){ "Authorization", authorization };
	}
	headers[n] = (struct http_header){ NULL, NULL };
	req.headers = headers;
	http_send(k->client, &req, resp);
	free(authorization);
}

static void
judge_answer(struct kube *k, const char *method, const char *path,
    const cJSON *sent, const long *quiet, const struct http_response *resp,
    struct kube_result *r)
{
	int failed = resp->status < 200 || resp->status > 299;

	r->body = resp->body ? cJSON_ParseWithLength(resp->body,
	    resp->body_len) : NULL;
	if (failed && !is_quiet(resp->status, quiet))
		report_failure(k, method, path, sent, resp, r);
	else if (failed)
		snprintf(r->reason, sizeof(r->reason), "%ld %.64s",
		    resp->status, status_reason(resp->status, r->body));
}

long
kube_call(struct kube *k, const char *method, const char *path,
    const char *content_type, const cJSON *body, const long *quiet,
    struct kube_result *r)
{
	struct http_header type[1] = { { "Content-Type", content_type } };
	struct http_request req = { method, NULL, NULL, NULL, 0 };
	struct http_response resp;
	char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	const char *dry = k->settings.dry_run;

	memset(r, 0, sizeof(*r));
	if (is_write(method) && dry && strcmp(dry, "client") == 0) {
		print_dry_run(method, path, body);
		free(text);
		r->status = 200;
		return r->status;
	}
	req.url = call_url(k, method, path);
	req.headers = content_type ? type : NULL;
	req.body = text;
	req.body_len = text ? strlen(text) : 0;
	send_with_token(k, &req, bearer_token(k, 0), &resp);
	/* a rotated token or an expired plugin credential: fetch anew, once */
	if (resp.status == 401 && (k->access->exec || k->access->token_file)) {
		http_response_free(&resp);
		send_with_token(k, &req, bearer_token(k, 1), &resp);
	}
	r->status = resp.status;
	if (resp.truncated)
		report_too_large(method, path, body, r);
	else
		judge_answer(k, method, path, body, quiet, &resp, r);
	http_response_free(&resp);
	free((char *)(uintptr_t)req.url);
	free(text);
	return r->status;
}

void
kube_result_free(struct kube_result *r)
{
	cJSON_Delete(r->body);
	r->body = NULL;
}
