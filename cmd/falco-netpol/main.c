/*
 * falco-netpol: isolate the pod an alert names with a NetworkPolicy,
 * safely and idempotently, and pass every alert on with what was done
 * spliced in as "falco_netpol".
 */
#include <arpa/inet.h>
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "buf.h"
#include "cond.h"
#include "exitcode.h"
#include "http.h"
#include "lists.h"
#include "netpol.h"
#include "num.h"
#include "opts.h"
#include "out.h"
#include "reader.h"
#include "version.h"
#include "xalloc.h"

#define DEFAULT_LABEL_KEY "falco-pipes.io/quarantine"
#define DEFAULT_LABEL_VALUE "true"
#define DEFAULT_POLICY "falco-pipes-quarantine"
/* pods and policies remembered as handled; the oldest is forgotten first */
#define MEMORY_MAX 4096
#define MAX_ACTIONS_COUNT 100000
#define MAX_LIST 64

static const char synopsis[] =
    "falco-netpol [-w COND] [-m MODE] [OPTIONS] [FILE ...]\n"
    "falco-netpol -r NAMESPACE/POD [-m MODE] [OPTIONS]";

static const char summary[] =
    "Isolate the pod each alert names (output_fields k8s.ns.name and\n"
    "k8s.pod.name) with a NetworkPolicy that denies its egress, and write\n"
    "every alert to standard output with \"falco_netpol\" added: what was done.";

enum {
	OPT_ALLOW_CIDR = 256, OPT_ALLOW_DNS, OPT_CA, OPT_CONTEXT, OPT_DRY_RUN,
	OPT_INGRESS, OPT_KUBECONFIG, OPT_LABEL, OPT_MAX_ACTIONS,
	OPT_POLICY_NAME, OPT_PROTECT, OPT_RETRIES, OPT_SERVER, OPT_TIMEOUT,
	OPT_TOKEN_FILE
};

static const struct opt_spec options[] = {
	{ "when", 'w', required_argument, "COND", "act only on alerts matching the condition" },
	{ "lists", 'l', required_argument, "FILE", "load the '- list:' items of a Falco rules file (repeatable)" },
	{ "min-priority", 'p', required_argument, "P", "act only on alerts at least as severe as priority P" },
	{ "mode", 'm', required_argument, "MODE", "label (default), owner or selector" },
	{ "label", OPT_LABEL, required_argument, "KEY=VALUE", "quarantine label (falco-pipes.io/quarantine=true)" },
	{ "policy-name", OPT_POLICY_NAME, required_argument, "NAME", "policy name (falco-pipes-quarantine)" },
	{ "selector", 's', required_argument, "KEY=VALUE", "pods the policy selects in selector mode (repeatable)" },
	{ "allow-dns", OPT_ALLOW_DNS, no_argument, NULL, "keep egress to port 53 over UDP and TCP" },
	{ "allow-cidr", OPT_ALLOW_CIDR, required_argument, "CIDR", "keep egress to this range (repeatable)" },
	{ "ingress", OPT_INGRESS, no_argument, NULL, "deny ingress as well" },
	{ "release", 'r', required_argument, "NAMESPACE/POD", "undo the isolation of a pod; reads no input" },
	{ "protect", OPT_PROTECT, required_argument, "NS", "never touch this namespace (repeatable)" },
	{ "namespace", 'n', required_argument, "NS", "act only in this namespace (repeatable)" },
	{ "dry-run", OPT_DRY_RUN, optional_argument, "client|server", "change nothing; print or server-check writes" },
	{ "max-actions", OPT_MAX_ACTIONS, required_argument, "N/DURATION", "isolate at most N pods per DURATION" },
	{ "kubeconfig", OPT_KUBECONFIG, required_argument, "FILE", "kubeconfig file to use" },
	{ "context", OPT_CONTEXT, required_argument, "NAME", "kubeconfig context to use" },
	{ "server", OPT_SERVER, required_argument, "URL", "API server URL, no kubeconfig" },
	{ "token-file", OPT_TOKEN_FILE, required_argument, "FILE", "bearer token for --server" },
	{ "certificate-authority", OPT_CA, required_argument, "FILE", "CA certificates for --server" },
	{ "retries", OPT_RETRIES, required_argument, "N", "retries on 429, 5xx and errors (5)" },
	{ "timeout", OPT_TIMEOUT, required_argument, "DURATION", "time limit of one request (10s)" },
	{ "help", 'h', no_argument, NULL, "show this help and exit" },
	{ "version", 'V', no_argument, NULL, "show the version and exit" },
	{ NULL, 0, 0, NULL, NULL }
};

enum mode { MODE_LABEL, MODE_OWNER, MODE_SELECTOR };

struct memory_entry {
	char *key;		/* "namespace/name" */
	char *policy;
};

struct memory {
	struct memory_entry entries[MEMORY_MAX];
	size_t next, count;
};

struct netpol {
	enum mode mode;
	struct cond *when;
	const char *when_text;
	struct lists *lists;	/* from --lists, until --when is compiled */
	int min_severity;	/* -1: any */
	char *label_key;
	const char *label_value;
	const char *policy_name;
	cJSON *selector;	/* --selector as a LabelSelector */
	int allow_dns, ingress;
	char *cidrs[MAX_LIST];
	size_t ncidrs;
	const char *protect[MAX_LIST];
	size_t nprotect;
	const char *allowed[MAX_LIST];
	size_t nallowed;
	const char *dry_run;	/* NULL, "client" or "server" */
	const char *release;
	long long max_count;	/* 0: no cap */
	double max_seconds;
	double *action_times;	/* ring of the last max_count actions */
	size_t action_next;
	struct kube_flags flags;
	struct kube_settings settings;
	struct kube *kube;
	struct memory pods, policies;
	int failed;
};

struct outcome {
	const char *action;
	char *namespace;
	char *pod;
	char *policy;
	char reason[1100];
};

/* --- outcome --- */

static void
outcome_set(struct outcome *o, const char *action, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
outcome_set(struct outcome *o, const char *action, const char *fmt, ...)
{
	va_list ap;

	o->action = action;
	o->reason[0] = '\0';
	if (!fmt)
		return;
	va_start(ap, fmt);
	vsnprintf(o->reason, sizeof(o->reason), fmt, ap);
	va_end(ap);
}

static void
outcome_policy(struct outcome *o, const char *policy)
{
	free(o->policy);
	o->policy = policy ? xstrdup(policy) : NULL;
}

static void
add_json_member(struct buf *b, const char *key, const char *value, int last)
{
	buf_printf(b, "\"%s\":", key);
	if (value && *value) {
		buf_addc(b, '"');
		buf_add_json_escaped(b, value, strlen(value));
		buf_addc(b, '"');
	} else {
		buf_adds(b, "null");
	}
	if (!last)
		buf_addc(b, ',');
}

static void
outcome_json(const struct outcome *o, struct buf *b)
{
	buf_addc(b, '{');
	add_json_member(b, "action", o->action, 0);
	add_json_member(b, "namespace", o->namespace, 0);
	add_json_member(b, "pod", o->pod, 0);
	add_json_member(b, "policy", o->policy, 0);
	add_json_member(b, "reason", o->reason, 1);
	buf_addc(b, '}');
}

static void
outcome_free(struct outcome *o)
{
	free(o->namespace);
	free(o->pod);
	free(o->policy);
	memset(o, 0, sizeof(*o));
}

/* --- bounded memory of what was handled --- */

static const char *
memory_find(const struct memory *m, const char *key)
{
	for (size_t i = 0; i < m->count; i++)
		if (strcmp(m->entries[i].key, key) == 0)
			return m->entries[i].policy;
	return NULL;
}

static void
memory_add(struct memory *m, const char *key, const char *policy)
{
	struct memory_entry *e = &m->entries[m->next];

	if (memory_find(m, key))
		return;
	free(e->key);
	free(e->policy);
	e->key = xstrdup(key);
	e->policy = xstrdup(policy ? policy : "");
	m->next = (m->next + 1) % MEMORY_MAX;
	if (m->count < MEMORY_MAX)
		m->count++;
}

static void
memory_free(struct memory *m)
{
	for (size_t i = 0; i < m->count; i++) {
		free(m->entries[i].key);
		free(m->entries[i].policy);
	}
	m->count = 0;
}

static char *
object_key(const char *namespace, const char *name)
{
	char *key = NULL;

	if (asprintf(&key, "%s/%s", namespace, name) < 0)
		err(EXIT_USAGE, "asprintf");
	return key;
}

/* --- --max-actions --- */

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1 and the action counted when the window has room, else 0 */
static int
rate_allows(struct netpol *np)
{
	double now = now_seconds();
	double *oldest;

	if (np->max_count == 0)
		return 1;
	oldest = &np->action_times[np->action_next];
	/* the slot to reuse holds the max_count'th action back, or 0 */
	if (*oldest > 0 && now - *oldest < np->max_seconds)
		return 0;
	*oldest = now;
	np->action_next = (np->action_next + 1) % (size_t)np->max_count;
	return 1;
}

/* --- API paths --- */

static char *
api_path(const char *prefix, const char *namespace, const char *resource,
    const char *name)
{
	char *path = NULL;

	/* every name here was checked as a DNS-1123 name: nothing to escape */
	if (asprintf(&path, "%s/namespaces/%s/%s%s%s", prefix, namespace,
	    resource, name ? "/" : "", name ? name : "") < 0)
		err(EXIT_USAGE, "asprintf");
	return path;
}

static const long quiet_404[] = { 404, 0 };
static const long quiet_409[] = { 409, 0 };

static int
dry_client(const struct netpol *np)
{
	return np->dry_run && strcmp(np->dry_run, "client") == 0;
}

/* GET an object; 1 found (*body set), 0 not found, -1 failed (o set) */
static int
get_object(struct netpol *np, const char *path, cJSON **body,
    struct outcome *o)
{
	struct kube_result r;
	long status = kube_call(np->kube, "GET", path, NULL, NULL, quiet_404, &r);

	*body = NULL;
	if (status == 200) {
		*body = r.body;
		return 1;
	}
	kube_result_free(&r);
	if (status == 404)
		return 0;
	outcome_set(o, "failed", "%s", r.reason);
	return -1;
}

/* --- policies --- */

static int
check_existing_policy(const cJSON *policy, const char *name,
    const cJSON *selector, struct outcome *o)
{
	if (!policy_is_managed(policy)) {
		warnx("'%s/%s': a policy of that name exists and was not "
		    "created by falco-pipes; pod left alone", o->namespace, name);
		outcome_set(o, "failed", "policy '%s' exists and was not created "
		    "by falco-pipes", name);
		return -1;
	}
	if (!policy_selects(policy, selector)) {
		warnx("'%s/%s': the existing policy selects other pods",
		    o->namespace, name);
		outcome_set(o, "failed", "policy '%s' exists with another "
		    "podSelector", name);
		return -1;
	}
	return 0;
}

static int
verify_policy(struct netpol *np, const char *namespace, const char *name,
    const cJSON *selector, struct outcome *o)
{
	char *path = api_path("/apis/networking.k8s.io/v1", namespace,
	    "networkpolicies", name);
	cJSON *policy;
	int found = get_object(np, path, &policy, o);
	int rc = found;

	free(path);
	if (found == 1)
		rc = check_existing_policy(policy, name, selector, o) < 0 ? -1 : 1;
	else if (found == 0)
		outcome_set(o, "failed", "policy '%s' vanished after 409", name);
	cJSON_Delete(policy);
	return found == 0 ? -1 : rc;
}

/*
 * Make sure the namespace has the policy: 1 created (or would be), 0
 * it was already there and ours, -1 failed (o set). Under client
 * dry-run the read comes first, since nothing would answer 409.
 */
static int
ensure_policy(struct netpol *np, const char *namespace, const char *name,
    const cJSON *selector, struct outcome *o)
{
	struct policy_spec spec = {
		name, namespace, selector, np->allow_dns, np->ingress,
		np->cidrs, np->ncidrs
	};
	char *key = object_key(namespace, name);
	char *path;
	cJSON *manifest;
	struct kube_result r;
	long status;
	int rc;

	outcome_policy(o, name);
	if (!np->dry_run && memory_find(&np->policies, key)) {
		free(key);
		return 0;
	}
	if (dry_client(np)) {
		char *one = api_path("/apis/networking.k8s.io/v1", namespace,
		    "networkpolicies", name);
		cJSON *existing;
		int found = get_object(np, one, &existing, o);

		free(one);
		if (found != 0) {
			rc = found < 0 ? -1 :
			    check_existing_policy(existing, name, selector, o);
			cJSON_Delete(existing);
			free(key);
			return rc;
		}
	}
	path = api_path("/apis/networking.k8s.io/v1", namespace,
	    "networkpolicies", NULL);
	manifest = policy_manifest(&spec);
	status = kube_call(np->kube, "POST", path, "application/json", manifest,
	    quiet_409, &r);
	if (status == 201 || status == 200)
		rc = 1;
	else if (status == 409)
		rc = verify_policy(np, namespace, name, selector, o) < 0 ? -1 : 0;
	else {
		outcome_set(o, "failed", "%s", r.reason);
		rc = -1;
	}
	if (rc >= 0 && !np->dry_run)
		memory_add(&np->policies, key, name);
	kube_result_free(&r);
	cJSON_Delete(manifest);
	free(path);
	free(key);
	return rc;
}

/* --- label mode --- */

static int
pod_has_label(const cJSON *pod, const char *key, const char *value)
{
	const cJSON *metadata = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(metadata, "labels");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(labels, key);

	return cJSON_IsString(v) && strcmp(v->valuestring, value) == 0;
}

static int
patch_label(struct netpol *np, const char *namespace, const char *pod,
    const char *value, struct outcome *o)
{
	char *path = api_path("/api/v1", namespace, "pods", pod);
	cJSON *patch = label_patch(np->label_key, value);
	struct kube_result r;
	long status = kube_call(np->kube, "PATCH", path,
	    "application/merge-patch+json", patch, quiet_404, &r);
	int rc = 0;

	if (status == 404) {
		outcome_set(o, "skipped", "pod not found");
		rc = -1;
	} else if (status != 200) {
		outcome_set(o, "failed", "%s", r.reason);
		rc = -1;
	}
	kube_result_free(&r);
	cJSON_Delete(patch);
	free(path);
	return rc;
}

static const char *
done_action(const struct netpol *np, int changed)
{
	if (np->dry_run)
		return "dry-run";
	return changed ? "isolated" : "already-isolated";
}

/* the policy first, so the label never selects a pod before it denies */
static void
isolate_labelled(struct netpol *np, const char *namespace, const char *name,
    const cJSON *pod, struct outcome *o)
{
	const char *policy = np->policy_name ? np->policy_name : DEFAULT_POLICY;
	cJSON *selector = selector_of_label(np->label_key, np->label_value);
	int labelled = pod_has_label(pod, np->label_key, np->label_value);
	int created = ensure_policy(np, namespace, policy, selector, o);

	cJSON_Delete(selector);
	if (created < 0)
		return;
	if (!labelled && patch_label(np, namespace, name, np->label_value, o) < 0)
		return;
	outcome_set(o, done_action(np, created || !labelled), NULL);
}

static int
get_pod(struct netpol *np, const char *namespace, const char *name,
    cJSON **pod, struct outcome *o)
{
	char *path = api_path("/api/v1", namespace, "pods", name);
	int found = get_object(np, path, pod, o);

	free(path);
	if (found == 0)
		outcome_set(o, "skipped", "pod not found");
	return found == 1 ? 0 : -1;
}

static void
isolate_label(struct netpol *np, const char *namespace, const char *name,
    struct outcome *o)
{
	cJSON *pod;

	if (get_pod(np, namespace, name, &pod, o) < 0)
		return;
	isolate_labelled(np, namespace, name, pod, o);
	cJSON_Delete(pod);
}

/* --- owner mode --- */

static const cJSON *
controller_of(const cJSON *object)
{
	const cJSON *metadata = cJSON_GetObjectItemCaseSensitive(object, "metadata");
	const cJSON *refs = cJSON_GetObjectItemCaseSensitive(metadata, "ownerReferences");
	const cJSON *ref;

	cJSON_ArrayForEach(ref, refs)
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ref, "controller")))
			return ref;
	return NULL;
}

struct workload {
	const char *prefix;	/* API path prefix */
	const char *resource;
	const char *kind;
};

static const struct workload workloads[] = {
	{ "/apis/apps/v1", "replicasets", "ReplicaSet" },
	{ "/apis/apps/v1", "deployments", "Deployment" },
	{ "/apis/apps/v1", "statefulsets", "StatefulSet" },
	{ "/apis/apps/v1", "daemonsets", "DaemonSet" },
	{ "/apis/batch/v1", "jobs", "Job" },
	{ NULL, NULL, NULL }
};

static const struct workload *
workload_of(const cJSON *ref)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(ref, "kind");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(ref, "name");

	if (!cJSON_IsString(kind) || !cJSON_IsString(name) ||
	    !name_is_dns_subdomain(name->valuestring))
		return NULL;
	for (size_t i = 0; workloads[i].kind; i++)
		if (strcmp(kind->valuestring, workloads[i].kind) == 0)
			return &workloads[i];
	return NULL;
}

/*
 * The workload that owns the pod: a ReplicaSet's Deployment when it
 * has one. 1 and *object (the workload) and *w, 0 when the pod has no
 * controller we know, -1 failed (o set).
 */
static int
owner_of(struct netpol *np, const char *namespace, const cJSON *pod,
    cJSON **object, const struct workload **w, struct outcome *o)
{
	const cJSON *ref = controller_of(pod);
	cJSON *owner = NULL;

	*object = NULL;
	while (ref && (*w = workload_of(ref))) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(ref, "name");
		char *path = api_path((*w)->prefix, namespace, (*w)->resource,
		    name->valuestring);
		int found = get_object(np, path, &owner, o);

		free(path);
		if (found <= 0) {
			cJSON_Delete(*object);
			if (found == 0)
				outcome_set(o, "failed", "%s '%s' not found",
				    (*w)->kind, name->valuestring);
			return -1;
		}
		cJSON_Delete(*object);
		*object = owner;
		if (strcmp((*w)->kind, "ReplicaSet") != 0)
			break;
		/* a ReplicaSet of a Deployment: isolate the Deployment's pods */
		ref = controller_of(owner);
		if (!ref || !workload_of(ref) ||
		    strcmp(workload_of(ref)->kind, "Deployment") != 0) {
			*w = &workloads[0];
			break;
		}
	}
	return *object ? 1 : 0;
}

static char *
owner_policy_name(const struct workload *w, const cJSON *object)
{
	const cJSON *metadata = cJSON_GetObjectItemCaseSensitive(object, "metadata");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(metadata, "name");
	char *text = NULL, *policy;

	if (asprintf(&text, "%s-%s", w->kind,
	    cJSON_IsString(name) ? name->valuestring : "unnamed") < 0)
		err(EXIT_USAGE, "asprintf");
	policy = policy_name_from("falco-pipes-", text);
	free(text);
	return policy;
}

static void
isolate_owner(struct netpol *np, const char *namespace, const char *name,
    struct outcome *o)
{
	const struct workload *w = NULL;
	cJSON *pod, *owner, *selector;
	char *policy;
	int found, created;

	if (get_pod(np, namespace, name, &pod, o) < 0)
		return;
	found = owner_of(np, namespace, pod, &owner, &w, o);
	if (found == 0)
		isolate_labelled(np, namespace, name, pod, o);
	cJSON_Delete(pod);
	if (found <= 0)
		return;
	selector = selector_of_controller(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(owner, "spec"), "selector"));
	policy = owner_policy_name(w, owner);
	if (!selector) {
		outcome_set(o, "failed", "%s has an empty selector", w->kind);
		outcome_policy(o, policy);
	} else if ((created = ensure_policy(np, namespace, policy, selector, o)) >= 0)
		outcome_set(o, done_action(np, created), NULL);
	cJSON_Delete(selector);
	cJSON_Delete(owner);
	free(policy);
}

/* --- selector mode --- */

static char *
selector_policy_name(const struct netpol *np)
{
	struct buf text = BUF_INIT;
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(np->selector,
	    "matchLabels");
	const cJSON *item;
	char *name;

	if (np->policy_name)
		return xstrdup(np->policy_name);
	cJSON_ArrayForEach(item, labels)
		buf_printf(&text, "-%s-%s", item->string, item->valuestring);
	name = policy_name_from("falco-pipes", buf_str(&text));
	buf_free(&text);
	return name;
}

static void
isolate_selector(struct netpol *np, const char *namespace, struct outcome *o)
{
	char *policy = selector_policy_name(np);
	int created = ensure_policy(np, namespace, policy, np->selector, o);

	if (created >= 0)
		outcome_set(o, done_action(np, created), NULL);
	free(policy);
}

/* --- one alert --- */

static int
namespace_listed(const char *const *list, size_t n, const char *namespace)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], namespace) == 0)
			return 1;
	return 0;
}

/*
 * The field's text, copied, and in *len its length as the alert has it;
 * NULL when the alert has none. Falco writes null for a field it could
 * not extract, but "<NA>" too (reference §1.2): that names no pod either.
 */
static char *
alert_string(struct alert *a, const char *field, size_t *len)
{
	const char *text = alert_field_text(a, field, len);

	if (!text || *len == 0 || (*len == 4 && memcmp(text, "<NA>", 4) == 0))
		return NULL;
	return xstrndup(text, *len);
}

/* names go into URLs: anything but a Kubernetes name is refused */
static int
names_are_valid(const struct outcome *o, size_t ns_len, size_t pod_len)
{
	/* a "\u0000" would cut the copy short: the lengths must agree */
	return strlen(o->namespace) == ns_len && strlen(o->pod) == pod_len &&
	    name_is_dns_label(o->namespace) && name_is_dns_subdomain(o->pod);
}

static void
isolate(struct netpol *np, struct outcome *o)
{
	char *key = object_key(o->namespace, o->pod);
	const char *known = np->dry_run ? NULL : memory_find(&np->pods, key);

	if (known) {
		outcome_policy(o, known);
		outcome_set(o, "already-isolated", NULL);
	} else if (!rate_allows(np)) {
		outcome_set(o, "skipped", "more than %lld isolations in %gs "
		    "(--max-actions)", np->max_count, np->max_seconds);
	} else {
		if (np->mode == MODE_LABEL)
			isolate_label(np, o->namespace, o->pod, o);
		else if (np->mode == MODE_OWNER)
			isolate_owner(np, o->namespace, o->pod, o);
		else
			isolate_selector(np, o->namespace, o);
		if (!np->dry_run && (strcmp(o->action, "isolated") == 0 ||
		    strcmp(o->action, "already-isolated") == 0))
			memory_add(&np->pods, key, o->policy);
	}
	free(key);
}

static void
handle_alert(struct netpol *np, struct alert *a, struct outcome *o)
{
	size_t ns_len = 0, pod_len = 0;

	o->namespace = alert_string(a, "k8s.ns.name", &ns_len);
	o->pod = alert_string(a, "k8s.pod.name", &pod_len);
	if (np->min_severity >= 0 && alert_severity(a) < np->min_severity) {
		outcome_set(o, "skipped", "priority below --min-priority");
		return;
	}
	if (np->when && !cond_eval(np->when, a)) {
		outcome_set(o, "skipped", "--when did not match");
		return;
	}
	if (!o->namespace || !o->pod) {
		outcome_set(o, "skipped", "alert names no pod");
		return;
	}
	if (!names_are_valid(o, ns_len, pod_len)) {
		warnx("'%s/%s': not a valid namespace and pod name, refused",
		    o->namespace, o->pod);
		outcome_set(o, "failed", "invalid namespace or pod name");
		return;
	}
	if (namespace_listed(np->protect, np->nprotect, o->namespace)) {
		outcome_set(o, "skipped", "namespace is protected");
		return;
	}
	if (np->nallowed > 0 &&
	    !namespace_listed(np->allowed, np->nallowed, o->namespace)) {
		outcome_set(o, "skipped", "namespace is not in --namespace");
		return;
	}
	isolate(np, o);
}

static void
process_stream(struct netpol *np, char **files, int nfiles)
{
	struct reader *r = reader_open(files, nfiles, READER_DEFAULT_MAX_LINE);
	struct reader_line line;
	struct alert a;
	struct buf json = BUF_INIT, spliced = BUF_INIT;

	alert_init(&a);
	reader_on_wait(r, reader_flush_output, r);
	while (reader_next(r, &line)) {
		struct outcome o = { 0 };
		const char *reason;

		if (alert_parse(&a, line.text, line.len, &reason) < 0) {
			/* not an alert: passed on as it came, never lost */
			warnx("%s:%lu: %s", line.file, line.lineno, reason);
			out_line(line.text, line.raw_len);
			continue;
		}
		handle_alert(np, &a, &o);
		if (strcmp(o.action, "failed") == 0)
			np->failed = 1;
		buf_reset(&json);
		buf_reset(&spliced);
		outcome_json(&o, &json);
		json_splice_member(line.text, line.len, "falco_netpol",
		    buf_str(&json), &spliced);
		out_line(spliced.data, spliced.len);
		outcome_free(&o);
	}
	if (reader_failed_files(r) > 0)
		np->failed = 1;
	buf_free(&json);
	buf_free(&spliced);
	alert_free(&a);
	reader_close(r);
}

/* --- --release --- */

static int
delete_policy(struct netpol *np, const char *namespace, const char *name,
    struct outcome *o)
{
	char *path = api_path("/apis/networking.k8s.io/v1", namespace,
	    "networkpolicies", name);
	cJSON *policy;
	struct kube_result r;
	int found = get_object(np, path, &policy, o);

	outcome_policy(o, name);
	if (found == 0)
		outcome_set(o, "skipped", "policy not found");
	if (found == 1 && !policy_is_managed(policy)) {
		warnx("'%s/%s': not created by falco-pipes, left alone",
		    namespace, name);
		outcome_set(o, "failed", "policy '%s' was not created by "
		    "falco-pipes", name);
		found = -1;
	}
	cJSON_Delete(policy);
	if (found == 1) {
		if (kube_call(np->kube, "DELETE", path, NULL, NULL, NULL, &r) != 200) {
			outcome_set(o, "failed", "%s", r.reason);
			found = -1;
		}
		kube_result_free(&r);
	}
	free(path);
	return found == 1 ? 0 : -1;
}

static void
release_label(struct netpol *np, struct outcome *o)
{
	outcome_policy(o, np->policy_name ? np->policy_name : DEFAULT_POLICY);
	/* the namespace's policy stays: it selects nothing once no pod is labelled */
	if (patch_label(np, o->namespace, o->pod, NULL, o) == 0)
		outcome_set(o, np->dry_run ? "dry-run" : "released", NULL);
}

static void
release_owner(struct netpol *np, struct outcome *o)
{
	const struct workload *w = NULL;
	cJSON *pod, *owner;
	char *policy;
	int found;

	if (get_pod(np, o->namespace, o->pod, &pod, o) < 0)
		return;
	found = owner_of(np, o->namespace, pod, &owner, &w, o);
	cJSON_Delete(pod);
	if (found == 0)
		release_label(np, o);
	if (found <= 0)
		return;
	policy = owner_policy_name(w, owner);
	if (delete_policy(np, o->namespace, policy, o) == 0)
		outcome_set(o, np->dry_run ? "dry-run" : "released", NULL);
	cJSON_Delete(owner);
	free(policy);
}

static void
release(struct netpol *np)
{
	struct outcome o = { 0 };
	struct buf json = BUF_INIT;
	const char *slash = strchr(np->release, '/');
	char *policy;

	o.namespace = xstrndup(np->release, (size_t)(slash - np->release));
	o.pod = xstrdup(slash + 1);
	if (!name_is_dns_label(o.namespace) || !name_is_dns_subdomain(o.pod))
		errx(EXIT_USAGE, "--release: '%s': not NAMESPACE/POD", np->release);
	if (np->mode == MODE_LABEL)
		release_label(np, &o);
	else if (np->mode == MODE_OWNER)
		release_owner(np, &o);
	else {
		policy = selector_policy_name(np);
		if (delete_policy(np, o.namespace, policy, &o) == 0)
			outcome_set(&o, np->dry_run ? "dry-run" : "released", NULL);
		free(policy);
	}
	if (strcmp(o.action, "failed") == 0)
		np->failed = 1;
	outcome_json(&o, &json);
	out_line(json.data, json.len);
	buf_free(&json);
	outcome_free(&o);
}

/* --- options --- */

static void
split_label(const char *text, const char *what, char **key,
    const char **value)
{
	const char *eq = strchr(text, '=');

	if (!eq)
		errx(EXIT_USAGE, "%s: '%s': not KEY=VALUE", what, text);
	*key = xstrndup(text, (size_t)(eq - text));
	*value = eq + 1;
	if (!label_key_is_valid(*key) || !label_value_is_valid(*value))
		errx(EXIT_USAGE, "%s: '%s': not a valid label", what, text);
}

static void
add_selector(struct netpol *np, const char *text)
{
	cJSON *labels;
	char *key;
	const char *value;

	split_label(text, "--selector", &key, &value);
	if (!np->selector)
		np->selector = cJSON_CreateObject();
	if (!(labels = cJSON_GetObjectItemCaseSensitive(np->selector, "matchLabels")))
		labels = cJSON_AddObjectToObject(np->selector, "matchLabels");
	cJSON_DeleteItemFromObjectCaseSensitive(labels, key);
	cJSON_AddStringToObject(labels, key, value);
	free(key);
}

static void
add_cidr(struct netpol *np, const char *text)
{
	char address[64];
	unsigned char bytes[16];
	const char *slash = strchr(text, '/');
	int v6 = strchr(text, ':') != NULL;
	size_t n = slash ? (size_t)(slash - text) : 0;

	if (!slash || n >= sizeof(address))
		errx(EXIT_USAGE, "--allow-cidr: '%s': not a CIDR", text);
	memcpy(address, text, n);
	address[n] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, address, bytes) != 1)
		errx(EXIT_USAGE, "--allow-cidr: '%s': not a CIDR", text);
	num_parse(slash + 1, 0, v6 ? 128 : 32, "--allow-cidr");
	if (np->ncidrs == MAX_LIST)
		errx(EXIT_USAGE, "--allow-cidr: more than %d", MAX_LIST);
	np->cidrs[np->ncidrs++] = xstrdup(text);
}

static void
add_namespace(const char **list, size_t *n, const char *text,
    const char *what)
{
	if (!name_is_dns_label(text))
		errx(EXIT_USAGE, "%s: '%s': not a namespace name", what, text);
	if (*n == MAX_LIST)
		errx(EXIT_USAGE, "%s: more than %d", what, MAX_LIST);
	list[(*n)++] = text;
}

static enum mode
parse_mode(const char *text)
{
	/* in the order of enum mode */
	static const char *const names[] = { "label", "owner", "selector",
	    NULL };

	return (enum mode)opts_choice("--mode", text, names);
}

static const char *
parse_dry_run(const char *text)
{
	static const char *const names[] = { "client", "server", NULL };

	/* a bare --dry-run is the client form, as kubectl's */
	return text ? names[opts_choice("--dry-run", text, names)] : names[0];
}

static void
parse_options(struct netpol *np, int argc, char **argv)
{
	struct opt_parser parser;
	int c;

	opts_build(options, &parser);
	while ((c = getopt_long(argc, argv, parser.shortopts, parser.longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'h':
			opts_help(stdout, synopsis, summary, options);
			exit(EXIT_OK);
		case 'l':
			if (!np->lists)
				np->lists = lists_new();
			lists_load_or_exit(np->lists, optarg);
			break;
		case 'm':
			np->mode = parse_mode(optarg);
			break;
		case 'n':
			add_namespace(np->allowed, &np->nallowed, optarg,
			    "--namespace");
			break;
		case 'p':
			np->min_severity = opts_priority("--min-priority", optarg);
			break;
		case 'r':
			np->release = optarg;
			break;
		case 's':
			add_selector(np, optarg);
			break;
		case 'V':
			printf("falco-netpol %s\n", FALCO_PIPES_VERSION);
			exit(EXIT_OK);
		case 'w':
			np->when_text = optarg;
			break;
		case OPT_ALLOW_CIDR:
			add_cidr(np, optarg);
			break;
		case OPT_ALLOW_DNS:
			np->allow_dns = 1;
			break;
		case OPT_CA:
			np->flags.certificate_authority = optarg;
			break;
		case OPT_CONTEXT:
			np->flags.context = optarg;
			break;
		case OPT_DRY_RUN:
			np->dry_run = parse_dry_run(optarg);
			break;
		case OPT_INGRESS:
			np->ingress = 1;
			break;
		case OPT_KUBECONFIG:
			np->flags.kubeconfig = optarg;
			break;
		case OPT_LABEL:
			free(np->label_key);
			split_label(optarg, "--label", &np->label_key,
			    &np->label_value);
			break;
		case OPT_MAX_ACTIONS:
			rate_parse(optarg, &np->max_count, &np->max_seconds,
			    "--max-actions");
			if (np->max_count > MAX_ACTIONS_COUNT)
				errx(EXIT_USAGE, "--max-actions: '%s': too large",
				    optarg);
			break;
		case OPT_POLICY_NAME:
			if (!name_is_dns_subdomain(optarg))
				errx(EXIT_USAGE, "--policy-name: '%s': not a "
				    "valid name", optarg);
			np->policy_name = optarg;
			break;
		case OPT_PROTECT:
			add_namespace(np->protect, &np->nprotect, optarg,
			    "--protect");
			break;
		case OPT_RETRIES:
			np->settings.retries = (int)num_parse(optarg, 0, 100,
			    "--retries");
			break;
		case OPT_SERVER:
			np->flags.server = optarg;
			break;
		case OPT_TIMEOUT:
			np->settings.timeout = duration_parse(optarg, 0.001,
			    3600, "--timeout");
			break;
		case OPT_TOKEN_FILE:
			np->flags.token_file = optarg;
			break;
		default:
			opts_usage(synopsis);
		}
	}
	opts_free(&parser);
}

static void
check_options(struct netpol *np, int noperands)
{
	if (np->mode == MODE_SELECTOR && !np->selector)
		errx(EXIT_USAGE, "--mode selector needs --selector");
	if (np->mode != MODE_SELECTOR && np->selector)
		errx(EXIT_USAGE, "--selector needs --mode selector");
	if (np->release && (noperands > 0 || np->when_text ||
	    np->min_severity >= 0))
		errx(EXIT_USAGE, "--release reads no input and takes no --when "
		    "or --min-priority");
	if (np->release && !strchr(np->release, '/'))
		errx(EXIT_USAGE, "--release: '%s': not NAMESPACE/POD", np->release);
	if (!np->flags.server && (np->flags.token_file ||
	    np->flags.certificate_authority))
		errx(EXIT_USAGE, "--token-file and --certificate-authority "
		    "need --server");
}

/* the lists are needed only to compile: the condition keeps what it uses */
static void
compile_condition(struct netpol *np)
{
	if (np->when_text)
		np->when = cond_compile(np->when_text, np->lists);
	lists_free(np->lists);
	np->lists = NULL;
}

static void
netpol_defaults(struct netpol *np)
{
	static const char *const protected[] = {
		"kube-system", "kube-public", "kube-node-lease"
	};

	memset(np, 0, sizeof(*np));
	np->label_key = xstrdup(DEFAULT_LABEL_KEY);
	np->label_value = DEFAULT_LABEL_VALUE;
	np->min_severity = -1;
	np->settings.retries = 5;
	np->settings.timeout = 10;
	/* --protect adds to these: they are never to be isolated */
	for (size_t i = 0; i < 3; i++)
		np->protect[np->nprotect++] = protected[i];
}

static void
netpol_free(struct netpol *np)
{
	kube_free(np->kube);
	cond_free(np->when);
	cJSON_Delete(np->selector);
	free(np->label_key);
	free(np->action_times);
	for (size_t i = 0; i < np->ncidrs; i++)
		free(np->cidrs[i]);
	memory_free(&np->pods);
	memory_free(&np->policies);
}

int
main(int argc, char **argv)
{
	static struct netpol np;
	struct kube_access access;

	netpol_defaults(&np);
	parse_options(&np, argc, argv);
	check_options(&np, argc - optind);
	compile_condition(&np);
	if (np.max_count > 0)
		np.action_times = xcalloc((size_t)np.max_count, sizeof(double));

	out_init();
	http_global_init();
	kube_access_load(&np.flags, &access);
	np.settings.dry_run = np.dry_run;
	np.kube = kube_new(&access, &np.settings);

	if (np.release)
		release(&np);
	else
		process_stream(&np, argv + optind, argc - optind);

	out_finish();
	netpol_free(&np);
	kube_access_free(&access);
	return np.failed ? EXIT_FAILED : EXIT_OK;
}
