/*
 * netpol.h: what the files of falco-netpol share. kubeconfig.c finds
 * the cluster and the credentials as kubectl does, kube.c talks to the
 * API server, policy.c builds manifests and patches (pure functions,
 * no network), main.c reads alerts and decides what to do.
 */
#ifndef FP_NETPOL_H
#define FP_NETPOL_H

#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "buf.h"

/* --- cluster access (kubeconfig.c) --- */

struct kube_exec {
	char *api_version;
	char *command;		/* resolved against the kubeconfig directory */
	char **argv;		/* command first, NULL-terminated */
	char **env;		/* "NAME=VALUE" to add, NULL-terminated */
	char *install_hint;
};

struct kube_access {
	char *server;		/* without a trailing slash */
	char *ca_file;
	char *ca_data;		/* decoded PEM */
	size_t ca_data_len;
	int insecure;
	char *token;
	char *token_file;
	char *client_cert_file;
	char *client_key_file;
	char *client_cert_data;	/* decoded PEM */
	size_t client_cert_data_len;
	char *client_key_data;
	size_t client_key_data_len;
	struct kube_exec *exec;	/* NULL when there is no exec plugin */
	char *origin;		/* where this came from, for messages */
};

/* the command line's say on cluster access */
struct kube_flags {
	const char *kubeconfig;
	const char *context;
	const char *server;
	const char *token_file;
	const char *certificate_authority;
};

/* Exits with status 2 and a message when no usable configuration exists. */
void kube_access_load(const struct kube_flags *flags, struct kube_access *out);
void kube_access_free(struct kube_access *a);

/* bytes of a token file; a larger one is refused (EFBIG) */
#define KUBE_TOKEN_MAX 16384
/* a token file's text without trailing blanks, or NULL (errno set) */
char *kube_token_read(const char *path);

/* --- the API server (kube.c) --- */

struct kube;

struct kube_settings {
	int retries;
	double timeout;
	const char *dry_run;	/* NULL, "client" or "server" */
};

struct kube_result {
	long status;		/* HTTP status; 0 when no answer came */
	cJSON *body;		/* parsed answer, or NULL */
	char reason[1024];	/* why it failed, for the output's "reason" */
};

struct kube *kube_new(const struct kube_access *access,
    const struct kube_settings *settings);
void kube_free(struct kube *k);
/*
 * One API call. path starts with "/api" or "/apis"; content_type and
 * body are NULL for reads. Writes carry fieldManager (and dryRun=All
 * with --dry-run=server); with --dry-run=client a write is printed on
 * stderr instead and answered as if the server had said 200 with an
 * empty body. Returns the HTTP status (0 when none); a failure is
 * reported on stderr unless its status is in quiet_statuses (a list
 * ending with 0, or NULL). r->body and r->reason are always set.
 */
long kube_call(struct kube *k, const char *method, const char *path,
    const char *content_type, const cJSON *body,
    const long *quiet_statuses, struct kube_result *r);
void kube_result_free(struct kube_result *r);

/* --- names, manifests and patches (policy.c) --- */

#define MANAGED_BY_KEY "app.kubernetes.io/managed-by"
#define MANAGED_BY_VALUE "falco-pipes"

int name_is_dns_label(const char *s);
int name_is_dns_subdomain(const char *s);
int label_key_is_valid(const char *s);
int label_value_is_valid(const char *s);

struct policy_spec {
	const char *name;
	const char *namespace;
	const cJSON *pod_selector;	/* a LabelSelector */
	int allow_dns;
	int ingress;
	char *const *allow_cidrs;
	size_t nallow_cidrs;
};

/* a NetworkPolicy manifest denying egress (and ingress) but what is allowed */
cJSON *policy_manifest(const struct policy_spec *spec);
/* 1 when an existing policy was created by falco-pipes */
int policy_is_managed(const cJSON *policy);
/* 1 when an existing policy's podSelector is the wanted one */
int policy_selects(const cJSON *policy, const cJSON *pod_selector);
/*
 * What in an existing policy's spec is not as the manifest asks
 * (podSelector, policyTypes as a set, ingress and egress rules, an
 * absent list being an empty one), as "policyTypes, egress"; NULL when
 * nothing is: the policy denies exactly what the manifest would.
 */
char *policy_differences(const cJSON *policy, const cJSON *manifest);
/* {"metadata":{"labels":{KEY: VALUE}}}, VALUE NULL for removal */
cJSON *label_patch(const char *key, const char *value);
/* {"matchLabels": {KEY: VALUE}} */
cJSON *selector_of_label(const char *key, const char *value);
/*
 * A controller's spec.selector copied without the labels controllers
 * add to pods (pod-template-hash, ...); NULL when nothing is left,
 * since an empty selector would select every pod of the namespace.
 */
cJSON *selector_of_controller(const cJSON *selector);
/* "falco-pipes-" + words of the text, as a DNS-1123 subdomain */
char *policy_name_from(const char *prefix, const char *text);

#endif
