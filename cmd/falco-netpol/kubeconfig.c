/*
 * kubeconfig.c: find the cluster and the credentials as kubectl does
 * (reference §7.7, §7.8): --server with --token-file and
 * --certificate-authority; else the kubeconfig named by --kubeconfig,
 * $KUBECONFIG (a ':'-separated list where the first file to define a
 * name wins) or ~/.kube/config; else the in-cluster service account.
 * The YAML is read with libyaml's document loader.
 */
#include <err.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "exitcode.h"
#include "netpol.h"
#include "xalloc.h"
#include "yamlfile.h"

#define SERVICEACCOUNT_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define MAX_KUBECONFIGS 16

struct kubeconfig_file {
	char *path;
	char *dir;
	yaml_document_t doc;
};

struct kubeconfig_set {
	struct kubeconfig_file files[MAX_KUBECONFIGS];
	size_t nfiles;
};

/* --- YAML navigation --- */

static yaml_node_t *
yaml_root(struct kubeconfig_file *f)
{
	return yaml_document_get_root_node(&f->doc);
}

static const char *
yaml_scalar(yaml_node_t *node)
{
	if (!node || node->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)node->data.scalar.value;
}

static yaml_node_t *
yaml_get(struct kubeconfig_file *f, yaml_node_t *map,
    const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		const char *k = yaml_scalar(yaml_document_get_node(&f->doc, p->key));

		if (k && strcmp(k, key) == 0)
			return yaml_document_get_node(&f->doc, p->value);
	}
	return NULL;
}

static const char *
yaml_get_string(struct kubeconfig_file *f,
    yaml_node_t *map, const char *key)
{
	const char *s = yaml_scalar(yaml_get(f, map, key));

	return s && *s ? s : NULL;
}

static size_t
yaml_seq_len(yaml_node_t *seq)
{
	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return 0;
	return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

static yaml_node_t *
yaml_seq_at(struct kubeconfig_file *f, yaml_node_t *seq,
    size_t i)
{
	return yaml_document_get_node(&f->doc, seq->data.sequence.items.start[i]);
}

/* --- loading --- */

static int
kubeconfig_load(const char *path, struct kubeconfig_file *f)
{
	FILE *fp = fopen(path, "r");
	yaml_parser_t parser;
	struct yaml_file yf;
	char *copy;

	if (!fp)
		return -1;
	yaml_parser_initialize(&parser);
	yaml_file_input(&parser, &yf, fp);
	if (!yaml_parser_load(&parser, &f->doc)) {
		if (yf.too_large)
			errx(EXIT_USAGE, "%s: %s", path,
			    yaml_file_problem(&parser, &yf));
		errx(EXIT_USAGE, "%s:%zu: %s", path,
		    parser.problem_mark.line + 1,
		    yaml_file_problem(&parser, &yf));
	}
	yaml_parser_delete(&parser);
	fclose(fp);
	f->path = xstrdup(path);
	copy = xstrdup(path);
	f->dir = xstrdup(dirname(copy));
	free(copy);
	return 0;
}

static void
kubeconfig_set_load(const struct kube_flags *flags,
    struct kubeconfig_set *set)
{
	const char *env = getenv("KUBECONFIG");
	const char *home = getenv("HOME");

	set->nfiles = 0;
	if (flags->kubeconfig) {
		if (kubeconfig_load(flags->kubeconfig, &set->files[0]) < 0)
			err(EXIT_USAGE, "'%s'", flags->kubeconfig);
		set->nfiles = 1;
		return;
	}
	if (env && *env) {
		char *list = xstrdup(env), *save = NULL;

		/* as kubectl: files of the list that do not exist are skipped */
		for (char *p = strtok_r(list, ":", &save);
		    p && set->nfiles < MAX_KUBECONFIGS;
		    p = strtok_r(NULL, ":", &save))
			if (kubeconfig_load(p, &set->files[set->nfiles]) == 0)
				set->nfiles++;
		free(list);
		return;
	}
	if (home && *home) {
		char *path = NULL;

		if (asprintf(&path, "%s/.kube/config", home) < 0)
			err(EXIT_USAGE, "asprintf");
		if (kubeconfig_load(path, &set->files[0]) == 0)
			set->nfiles = 1;
		free(path);
	}
}

static void
kubeconfig_set_free(struct kubeconfig_set *set)
{
	for (size_t i = 0; i < set->nfiles; i++) {
		yaml_document_delete(&set->files[i].doc);
		free(set->files[i].path);
		free(set->files[i].dir);
	}
	set->nfiles = 0;
}

/*
 * The first file whose list (clusters, users, contexts) holds an entry
 * of that name; *value is the entry's "cluster", "user" or "context".
 */
static struct kubeconfig_file *
find_named(struct kubeconfig_set *set,
    const char *list, const char *field, const char *name,
    yaml_node_t **value)
{
	for (size_t i = 0; i < set->nfiles; i++) {
		struct kubeconfig_file *f = &set->files[i];
		yaml_node_t *seq = yaml_get(f, yaml_root(f), list);

		for (size_t j = 0; j < yaml_seq_len(seq); j++) {
			yaml_node_t *entry = yaml_seq_at(f, seq, j);
			const char *n = yaml_get_string(f, entry, "name");

			if (n && strcmp(n, name) == 0) {
				*value = yaml_get(f, entry, field);
				return f;
			}
		}
	}
	return NULL;
}

/* --- values --- */

static char *
resolve_path(const struct kubeconfig_file *f, const char *path)
{
	char *out = NULL;

	if (!path)
		return NULL;
	if (path[0] == '/')
		return xstrdup(path);
	/* "./plugin" is written to say "beside the file": name it without "./" */
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	if (asprintf(&out, "%s/%s", f->dir, path) < 0)
		err(EXIT_USAGE, "asprintf");
	return out;
}

static int
base64_value(char c)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(alphabet, c) : NULL;

	return p ? (int)(p - alphabet) : -1;
}

/* NULL when the text is not base64 */
static char *
base64_decode(const char *text, size_t *len)
{
	char *out = xmalloc(strlen(text) / 4 * 3 + 4);
	unsigned int acc = 0;
	int bits = 0;
	size_t n = 0;

	for (const char *p = text; *p && *p != '='; p++) {
		int v;

		if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
			continue;
		if ((v = base64_value(*p)) < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	*len = n;
	return out;
}

static char *
decode_data(const struct kubeconfig_file *f, const char *key,
    const char *text, size_t *len)
{
	char *data;

	if (!text)
		return NULL;
	if (!(data = base64_decode(text, len)))
		errx(EXIT_USAGE, "%s: '%s': not base64", f->path, key);
	return data;
}

/*
 * KEY-data (base64 PEM) beats the path KEY when both are set, as in
 * client-go; a relative path is taken from the kubeconfig's directory.
 */
static void
data_or_file(struct kubeconfig_file *f, yaml_node_t *map, const char *key,
    char **data, size_t *data_len, char **file)
{
	char data_key[64];
	const char *text;

	snprintf(data_key, sizeof(data_key), "%s-data", key);
	if ((text = yaml_get_string(f, map, data_key)))
		*data = decode_data(f, data_key, text, data_len);
	else
		*file = resolve_path(f, yaml_get_string(f, map, key));
}

char *
kube_token_read(const char *path)
{
	FILE *fp = fopen(path, "r");
	char buf[KUBE_TOKEN_MAX + 1];
	size_t n;

	if (!fp)
		return NULL;
	n = fread(buf, 1, KUBE_TOKEN_MAX, fp);
	/* a token cut short would be refused with a 401 that says nothing */
	if (n == KUBE_TOKEN_MAX && fgetc(fp) != EOF) {
		fclose(fp);
		errno = EFBIG;
		return NULL;
	}
	fclose(fp);
	while (n > 0 && strchr(" \t\r\n", buf[n - 1]))
		n--;
	buf[n] = '\0';
	return xstrdup(buf);
}

static char **
string_list(struct kubeconfig_file *f, yaml_node_t *seq,
    const char *first)
{
	size_t n = yaml_seq_len(seq), k = 0;
	char **list = xcalloc(n + 2, sizeof(*list));

	if (first)
		list[k++] = xstrdup(first);
	for (size_t i = 0; i < n; i++) {
		const char *s = yaml_scalar(yaml_seq_at(f, seq, i));

		list[k++] = xstrdup(s ? s : "");
	}
	return list;
}

static char **
env_list(struct kubeconfig_file *f, yaml_node_t *seq)
{
	size_t n = yaml_seq_len(seq), k = 0;
	char **list = xcalloc(n + 1, sizeof(*list));

	for (size_t i = 0; i < n; i++) {
		yaml_node_t *entry = yaml_seq_at(f, seq, i);
		const char *name = yaml_get_string(f, entry, "name");
		const char *value = yaml_scalar(yaml_get(f, entry, "value"));

		if (!name)
			errx(EXIT_USAGE, "%s: exec env entry without a name", f->path);
		if (asprintf(&list[k++], "%s=%s", name, value ? value : "") < 0)
			err(EXIT_USAGE, "asprintf");
	}
	return list;
}

static struct kube_exec *
exec_config(struct kubeconfig_file *f, yaml_node_t *exec)
{
	struct kube_exec *e;
	const char *api = yaml_get_string(f, exec, "apiVersion");
	const char *command = yaml_get_string(f, exec, "command");

	if (!api || !command)
		errx(EXIT_USAGE, "%s: exec plugin needs apiVersion and command",
		    f->path);
	e = xcalloc(1, sizeof(*e));
	e->api_version = xstrdup(api);
	/* a relative command with a slash is relative to the file, not the cwd */
	e->command = strchr(command, '/') ? resolve_path(f, command) :
	    xstrdup(command);
	e->argv = string_list(f, yaml_get(f, exec, "args"), e->command);
	e->env = env_list(f, yaml_get(f, exec, "env"));
	if (yaml_get_string(f, exec, "installHint"))
		e->install_hint = xstrdup(yaml_get_string(f, exec, "installHint"));
	return e;
}

static void
cluster_settings(struct kubeconfig_file *f, yaml_node_t *cluster,
    struct kube_access *a)
{
	const char *server = yaml_get_string(f, cluster, "server");
	const char *insecure = yaml_get_string(f, cluster, "insecure-skip-tls-verify");

	if (!server)
		errx(EXIT_USAGE, "%s: cluster has no server", f->path);
	a->server = xstrdup(server);
	data_or_file(f, cluster, "certificate-authority", &a->ca_data,
	    &a->ca_data_len, &a->ca_file);
	a->insecure = insecure && strcmp(insecure, "true") == 0;
}

static void
user_settings(struct kubeconfig_file *f, yaml_node_t *user,
    struct kube_access *a)
{
	yaml_node_t *exec = yaml_get(f, user, "exec");

	if (yaml_get_string(f, user, "token"))
		a->token = xstrdup(yaml_get_string(f, user, "token"));
	a->token_file = resolve_path(f, yaml_get_string(f, user, "tokenFile"));
	data_or_file(f, user, "client-certificate", &a->client_cert_data,
	    &a->client_cert_data_len, &a->client_cert_file);
	data_or_file(f, user, "client-key", &a->client_key_data,
	    &a->client_key_data_len, &a->client_key_file);
	if (yaml_get(f, user, "auth-provider"))
		warnx("%s: auth-provider is not supported, use an exec plugin",
		    f->path);
	if (exec && exec->type == YAML_MAPPING_NODE)
		a->exec = exec_config(f, exec);
}

static const char *
current_context(struct kubeconfig_set *set)
{
	for (size_t i = 0; i < set->nfiles; i++) {
		struct kubeconfig_file *f = &set->files[i];
		const char *name = yaml_get_string(f, yaml_root(f), "current-context");

		if (name)
			return name;
	}
	return NULL;
}

static void
from_kubeconfig(struct kubeconfig_set *set, const char *context,
    struct kube_access *a)
{
	yaml_node_t *ctx, *cluster, *user = NULL;
	struct kubeconfig_file *f, *cf, *uf = NULL;
	const char *cluster_name, *user_name;

	if (!context && !(context = current_context(set)))
		errx(EXIT_USAGE, "%s: no current-context, use --context",
		    set->files[0].path);
	if (!(f = find_named(set, "contexts", "context", context, &ctx)))
		errx(EXIT_USAGE, "%s: context '%s' not found",
		    set->files[0].path, context);
	if (!(cluster_name = yaml_get_string(f, ctx, "cluster")))
		errx(EXIT_USAGE, "%s: context '%s' names no cluster", f->path,
		    context);
	if (!(cf = find_named(set, "clusters", "cluster", cluster_name, &cluster)))
		errx(EXIT_USAGE, "%s: cluster '%s' not found", f->path,
		    cluster_name);
	cluster_settings(cf, cluster, a);
	user_name = yaml_get_string(f, ctx, "user");
	if (user_name &&
	    !(uf = find_named(set, "users", "user", user_name, &user)))
		errx(EXIT_USAGE, "%s: user '%s' not found", f->path, user_name);
	if (uf)
		user_settings(uf, user, a);
	if (asprintf(&a->origin, "%s: context '%s'", f->path, context) < 0)
		err(EXIT_USAGE, "asprintf");
}

/* The service account directory can be moved for tests and sidecars. */
static const char *
serviceaccount_dir(void)
{
	const char *dir = getenv("FALCO_NETPOL_SERVICEACCOUNT_DIR");

	return dir && *dir ? dir : SERVICEACCOUNT_DIR;
}

static void
from_cluster(const char *host, const char *port,
    struct kube_access *a)
{
	const char *dir = serviceaccount_dir();
	int ipv6 = strchr(host, ':') != NULL;

	/* joined as net.JoinHostPort does: an IPv6 host is bracketed */
	if (asprintf(&a->server, ipv6 ? "https://[%s]:%s" : "https://%s:%s",
	    host, port) < 0 ||
	    asprintf(&a->token_file, "%s/token", dir) < 0 ||
	    asprintf(&a->ca_file, "%s/ca.crt", dir) < 0)
		err(EXIT_USAGE, "asprintf");
	if (access(a->token_file, R_OK) != 0)
		err(EXIT_USAGE, "'%s'", a->token_file);
	if (access(a->ca_file, R_OK) != 0)
		err(EXIT_USAGE, "'%s'", a->ca_file);
	a->origin = xstrdup("in-cluster service account");
}

static void
from_flags(const struct kube_flags *flags, struct kube_access *a)
{
	a->server = xstrdup(flags->server);
	if (flags->token_file)
		a->token_file = xstrdup(flags->token_file);
	if (flags->certificate_authority)
		a->ca_file = xstrdup(flags->certificate_authority);
	a->origin = xstrdup("--server");
}

/* the token file is read now too, so a bad path is found at start-up */
static void
check_token_file(struct kube_access *a)
{
	char *token;

	if (!a->token_file)
		return;
	if (!(token = kube_token_read(a->token_file)))
		err(EXIT_USAGE, "'%s'", a->token_file);
	free(token);
}

void
kube_access_load(const struct kube_flags *flags, struct kube_access *a)
{
	struct kubeconfig_set set;
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	size_t n;

	memset(a, 0, sizeof(*a));
	if (flags->server) {
		from_flags(flags, a);
	} else {
		kubeconfig_set_load(flags, &set);
		if (set.nfiles > 0)
			from_kubeconfig(&set, flags->context, a);
		else if (host && *host && port && *port)
			from_cluster(host, port, a);
		else
			errx(EXIT_USAGE, "no cluster: no kubeconfig found and not "
			    "in a cluster (use --kubeconfig or --server)");
		kubeconfig_set_free(&set);
	}
	n = strlen(a->server);
	while (n > 0 && a->server[n - 1] == '/')
		a->server[--n] = '\0';
	if (strncmp(a->server, "https://", 8) != 0 &&
	    strncmp(a->server, "http://", 7) != 0)
		errx(EXIT_USAGE, "'%s': server must be an http:// or https:// URL",
		    a->server);
	check_token_file(a);
}

static void
free_list(char **list)
{
	if (!list)
		return;
	for (size_t i = 0; list[i]; i++)
		free(list[i]);
	free(list);
}

void
kube_access_free(struct kube_access *a)
{
	free(a->server);
	free(a->ca_file);
	free(a->ca_data);
	free(a->token);
	free(a->token_file);
	free(a->client_cert_file);
	free(a->client_key_file);
	free(a->client_cert_data);
	free(a->client_key_data);
	free(a->origin);
	if (a->exec) {
		free(a->exec->api_version);
		free(a->exec->command);
		free_list(a->exec->argv);
		free_list(a->exec->env);
		free(a->exec->install_hint);
		free(a->exec);
	}
	memset(a, 0, sizeof(*a));
}
