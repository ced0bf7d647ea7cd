/*
 * falco-netpol: isolate the pod an alert names with a NetworkPolicy,
 * safely and idempotently, and pass every alert on with what was done
 * spliced in as "falco_netpol".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#include "ratefile.h"
#include "reader.h"
#include "sandbox.h"
#include "select.h"
#include "signals.h"
#include "statedir.h"
#include "version.h"
#include "xalloc.h"

#define DEFAULT_LABEL_KEY "falco-pipes.io/quarantine"
#define DEFAULT_LABEL_VALUE "true"
#define DEFAULT_POLICY "falco-pipes-quarantine"
/* --max-actions when none is given, and its file in the state directory */
#define DEFAULT_MAX_COUNT 10
#define DEFAULT_MAX_SECONDS 60.0
#define ACTIONS_FILE "falco-netpol.actions"
#define MAX_ACTIONS_COUNT 10000
#define MAX_LIST 64
/* writes of a policy that another writer keeps changing under us */
#define POLICY_TRIES 3

static const char synopsis[] =
    "falco-netpol [-nq] [-w CONDITION] [--mode MODE] [OPTIONS] [FILE ...]\n"
    "falco-netpol --isolate NAMESPACE/POD [--mode MODE] [OPTIONS]\n"
    "falco-netpol --release NAMESPACE/POD [--mode MODE] [OPTIONS]";

static const char summary[] =
    "Isolate the pod each alert names (output_fields k8s.ns.name and\n"
    "k8s.pod.name) with a NetworkPolicy that denies its egress, and write\n"
    "every alert to standard output with \"falco_netpol\" added: what was done.";

enum {
	OPT_ALLOW_CIDR = 256, OPT_ALLOW_DNS, OPT_CA, OPT_CONTEXT,
	OPT_INGRESS, OPT_ISOLATE, OPT_KUBECONFIG, OPT_LABEL, OPT_MAX_ACTIONS,
	OPT_MODE, OPT_NAMESPACE, OPT_NO_SANDBOX, OPT_POLICY_NAME,
	OPT_PROTECT, OPT_RELEASE, OPT_RETRIES, OPT_SELECTOR, OPT_SERVER,
	OPT_STATE_FILE, OPT_TIMEOUT, OPT_TOKEN_FILE, OPT_VERBOSE
};

static const struct opt_spec options[] = {
	SELECT_OPTIONS,
	{ "quiet", 'q', no_argument, NULL, "write nothing to standard output" },
	{ "mode", OPT_MODE, required_argument, "MODE", "label (default), owner or selector" },
	{ "label", OPT_LABEL, required_argument, "KEY=VALUE", "quarantine label (falco-pipes.io/quarantine=true)" },
	{ "policy-name", OPT_POLICY_NAME, required_argument, "NAME", "policy name (falco-pipes-quarantine)" },
	{ "selector", OPT_SELECTOR, required_argument, "KEY=VALUE", "pods the policy selects in selector mode (repeatable)" },
	{ "allow-dns", OPT_ALLOW_DNS, no_argument, NULL, "keep egress to port 53 over UDP and TCP" },
	{ "allow-cidr", OPT_ALLOW_CIDR, required_argument, "CIDR", "keep egress to this range (repeatable)" },
	{ "ingress", OPT_INGRESS, no_argument, NULL, "deny ingress as well" },
	{ "isolate", OPT_ISOLATE, required_argument, "NAMESPACE/POD", "isolate a pod as an alert would; reads no input" },
	{ "release", OPT_RELEASE, required_argument, "NAMESPACE/POD", "undo the isolation of a pod; reads no input" },
	{ "protect", OPT_PROTECT, required_argument, "NS", "never touch this namespace (repeatable)" },
	{ "namespace", OPT_NAMESPACE, required_argument, "NS", "act only in this namespace (repeatable)" },
	{ "dry-run", 'n', optional_argument, "client|server", "change nothing; print or server-check writes" },
	{ "max-actions", OPT_MAX_ACTIONS, required_argument, "N/DURATION", "isolate at most N pods per DURATION (10/1m; 0: no cap)" },
	{ "state-file", OPT_STATE_FILE, required_argument, "FILE", "where --max-actions is counted" },
	{ "verbose", OPT_VERBOSE, no_argument, NULL, "say on standard error what was done" },
	{ "kubeconfig", OPT_KUBECONFIG, required_argument, "FILE", "kubeconfig file to use" },
	{ "context", OPT_CONTEXT, required_argument, "NAME", "kubeconfig context to use" },
	{ "server", OPT_SERVER, required_argument, "URL", "API server URL, no kubeconfig" },
	{ "token-file", OPT_TOKEN_FILE, required_argument, "FILE", "bearer token for --server" },
	{ "certificate-authority", OPT_CA, required_argument, "FILE", "CA certificates for --server" },
	{ "retries", OPT_RETRIES, required_argument, "N", "retries on 429, 5xx and errors (5)" },
	{ "timeout", OPT_TIMEOUT, required_argument, "DURATION", "time limit of one request (10s)" },
	{ "no-sandbox", OPT_NO_SANDBOX, no_argument, NULL, "do not confine the program with seccomp (for debugging)" },
	{ "help", 'h', no_argument, NULL, "show this help and exit" },
	{ "version", 'V', no_argument, NULL, "show the version and exit" },
	{ NULL, 0, 0, NULL, NULL }
};

enum mode { MODE_LABEL, MODE_OWNER, MODE_SELECTOR };

struct netpol {
	enum mode mode;
	struct selection select;	/* -w, -p, -l, --max-line-bytes, --follow */
	int quiet, verbose, no_sandbox;
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
	const char *isolate;	/* --isolate NAMESPACE/POD */
	const char *release;	/* --release NAMESPACE/POD */
	long long max_count;	/* 0: no cap */
	double max_seconds;
	const char *state_file;
	struct ratefile *actions;	/* NULL: no cap */
	struct kube_flags flags;
	struct kube_settings settings;
	struct kube *kube;
	int failed;		/* an action failed: status 1 */
	int bad_input;		/* unreadable file or over-long line: status 2 */
};

/* in the order of enum action */
static const char *const action_names[] = {
	"failed", "isolated", "already-isolated", "released", "not-isolated",
	"skipped", "dry-run"
};

enum action {
	ACTION_FAILED, ACTION_ISOLATED, ACTION_ALREADY_ISOLATED,
	ACTION_RELEASED, ACTION_NOT_ISOLATED, ACTION_SKIPPED, ACTION_DRY_RUN
};

struct outcome {
	enum action action;
	char *namespace;
	char *pod;
	char *policy;
	char reason[1100];
};

/* --- outcome --- */

static void
outcome_set(struct outcome *o, enum action action, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
outcome_set(struct outcome *o, enum action action, const char *fmt, ...)
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
	add_json_member(b, "action", action_names[o->action], 0);
	add_json_member(b, "namespace", o->namespace, 0);
	add_json_member(b, "pod", o->pod, 0);
	add_json_member(b, "policy", o->policy, 0);
	add_json_member(b, "reason", o->reason, 1);
	buf_addc(b, '}');
}

/* --verbose: what was done, as a sentence, when something was */
static void
outcome_say(const struct netpol *np, const struct outcome *o)
{
	static const char *const verbs[] = {
		[ACTION_ISOLATED] = "isolated by",
		[ACTION_ALREADY_ISOLATED] = "already isolated by",
		[ACTION_RELEASED] = "released from",
		[ACTION_DRY_RUN] = "dry run, nothing changed:",
	};
	const char *verb = (size_t)o->action < sizeof(verbs) / sizeof(verbs[0]) ?
	    verbs[o->action] : NULL;

	if (!np->verbose || !verb || !o->policy)
		return;
	warnx("%s/%s: %s policy %s/%s", o->namespace, o->pod, verb,
	    o->namespace, o->policy);
}

static void
outcome_free(struct outcome *o)
{
	free(o->namespace);
	free(o->pod);
	free(o->policy);
	memset(o, 0, sizeof(*o));
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

/*
 * 1 when the pod may be written to; else 0 and the outcome says why.
 * Asked only once a write is known to be needed, so an alert for a pod
 * already isolated takes nothing from the cap.
 */
static int
claim_action(struct netpol *np, struct outcome *o)
{
	char *what;
	int rc, saved;

	if (!np->actions)
		return 1;
	what = object_key(o->namespace, o->pod);
	rc = ratefile_take(np->actions, what);
	saved = errno;
	free(what);
	if (rc > 0)
		return 1;
	if (rc == 0) {
		outcome_set(o, ACTION_SKIPPED, "more than %lld isolations in "
		    "%gs (--max-actions)", np->max_count, np->max_seconds);
		return 0;
	}
	/* a cap that cannot be kept is not waived: the pod is left alone */
	warnx("--max-actions: '%s': %s", ratefile_path(np->actions),
	    strerror(saved));
	outcome_set(o, ACTION_FAILED, "--max-actions: '%s': %s",
	    ratefile_path(np->actions), strerror(saved));
	return 0;
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

static char *
policy_path(const char *namespace, const char *name)
{
	return api_path("/apis/networking.k8s.io/v1", namespace,
	    "networkpolicies", name);
}

static const long quiet_404[] = { 404, 0 };
static const long quiet_409[] = { 409, 0 };
static const long quiet_404_409[] = { 404, 409, 0 };

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
	outcome_set(o, ACTION_FAILED, "%s", r.reason);
	return -1;
}

static const char *
resource_version_of(const cJSON *object)
{
	const cJSON *metadata = cJSON_GetObjectItemCaseSensitive(object, "metadata");
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(metadata,
	    "resourceVersion");

	return cJSON_IsString(version) ? version->valuestring : NULL;
}

/* --- policies --- */

/*
 * The policy an isolation needs: what this run asks, and what was found
 * of it. Nothing is taken on trust from an earlier run or an earlier
 * alert: a policy is read before every claim that it is in force, since
 * another process may have deleted it or anyone allowed to write
 * policies in the namespace may have changed it.
 */
struct policy_want {
	const char *namespace;
	const char *name;
	const cJSON *selector;
	cJSON *manifest;	/* what this run asks */
	char *version;		/* resourceVersion of the one found */
	char *differs;		/* what of it differs, for messages */
};

enum policy_state { POLICY_IN_FORCE, POLICY_MISSING, POLICY_DIFFERS,
	POLICY_FAILED };

static void
policy_want_init(struct policy_want *w, const struct netpol *np,
    const char *namespace, const char *name, const cJSON *selector)
{
	struct policy_spec spec = {
		name, namespace, selector, np->allow_dns, np->ingress,
		np->cidrs, np->ncidrs
	};

	memset(w, 0, sizeof(*w));
	w->namespace = namespace;
	w->name = name;
	w->selector = selector;
	w->manifest = policy_manifest(&spec);
}

static void
policy_want_free(struct policy_want *w)
{
	cJSON_Delete(w->manifest);
	free(w->version);
	free(w->differs);
	memset(w, 0, sizeof(*w));
}

/*
 * A policy of that name that is not ours, or ours but selecting other
 * pods, is never changed: replacing it would undo someone's protection,
 * or release the pods an earlier run isolated under another label.
 */
static int
check_existing_policy(const cJSON *policy, const struct policy_want *w,
    struct outcome *o)
{
	if (!policy_is_managed(policy)) {
		warnx("'%s/%s': a policy of that name exists and was not "
		    "created by falco-pipes; pod left alone", w->namespace,
		    w->name);
		outcome_set(o, ACTION_FAILED, "policy '%s' exists and was not "
		    "created by falco-pipes", w->name);
		return -1;
	}
	if (!policy_selects(policy, w->selector)) {
		warnx("'%s/%s': the existing policy selects other pods",
		    w->namespace, w->name);
		outcome_set(o, ACTION_FAILED, "policy '%s' exists with another "
		    "podSelector", w->name);
		return -1;
	}
	return 0;
}

static enum policy_state
policy_read(struct netpol *np, struct policy_want *w, struct outcome *o)
{
	char *path = policy_path(w->namespace, w->name);
	cJSON *policy;
	int found = get_object(np, path, &policy, o);
	enum policy_state state = POLICY_FAILED;

	free(path);
	free(w->version);
	free(w->differs);
	w->version = w->differs = NULL;
	if (found == 0)
		state = POLICY_MISSING;
	else if (found == 1 && check_existing_policy(policy, w, o) == 0) {
		w->differs = policy_differences(policy, w->manifest);
		if (resource_version_of(policy))
			w->version = xstrdup(resource_version_of(policy));
		state = w->differs ? POLICY_DIFFERS : POLICY_IN_FORCE;
	}
	cJSON_Delete(policy);
	return state;
}

/*
 * What the server stored must deny what was asked: a mutating admission
 * webhook may have changed it. Nothing to check under client dry-run.
 */
static int
policy_stored(const struct policy_want *w, const cJSON *stored,
    struct outcome *o)
{
	char *differs;

	if (!stored)
		return 0;
	if (!(differs = policy_differences(stored, w->manifest)))
		return 0;
	warnx("'%s/%s': the server stored another policy than was sent (%s)",
	    w->namespace, w->name, differs);
	outcome_set(o, ACTION_FAILED, "policy '%s' was stored with another "
	    "%s", w->name, differs);
	free(differs);
	return -1;
}

/* create the policy, or replace ours that differs, as of what was read */
static long
policy_write(struct netpol *np, struct policy_want *w,
    enum policy_state state, struct kube_result *r)
{
	char *path;
	cJSON *body = w->manifest, *metadata;
	long status;

	if (state == POLICY_MISSING) {
		path = api_path("/apis/networking.k8s.io/v1", w->namespace,
		    "networkpolicies", NULL);
		status = kube_call(np->kube, "POST", path, "application/json",
		    body, quiet_409, r);
		free(path);
		return status;
	}
	warnx("'%s/%s': the policy differs from what this run asks (%s): "
	    "updating it", w->namespace, w->name, w->differs);
	/*
	 * The whole object as ours, not the one read with its spec swapped:
	 * an owner reference or finalizer someone else put there would
	 * stay. The resourceVersion read makes it a compare-and-swap: a
	 * change in between is answered 409 Conflict, not overwritten.
	 */
	body = cJSON_Duplicate(w->manifest, 1);
	metadata = cJSON_GetObjectItemCaseSensitive(body, "metadata");
	if (w->version)
		cJSON_AddStringToObject(metadata, "resourceVersion", w->version);
	path = policy_path(w->namespace, w->name);
	status = kube_call(np->kube, "PUT", path, "application/json", body,
	    quiet_404_409, r);
	free(path);
	cJSON_Delete(body);
	return status;
}

/*
 * Bring the policy to what this run asks, from the state read: 0 once
 * it is (or, in a dry run, would be), -1 failed (o set). Another writer
 * creating, changing or deleting it meanwhile makes the server answer
 * 409 or 404; it is read again and the write redone, a few times.
 */
static int
policy_apply(struct netpol *np, struct policy_want *w,
    enum policy_state state, struct outcome *o)
{
	for (int tries = 1;; tries++) {
		struct kube_result r;
		long status = policy_write(np, w, state, &r);
		int rc;

		if (status == 200 || status == 201) {
			rc = dry_client(np) ? 0 : policy_stored(w, r.body, o);
			kube_result_free(&r);
			return rc;
		}
		kube_result_free(&r);
		if (status != 409 && status != 404) {
			outcome_set(o, ACTION_FAILED, "%s", r.reason);
			return -1;
		}
		if (tries == POLICY_TRIES) {
			warnx("'%s/%s': the policy changed under each of %d "
			    "writes", w->namespace, w->name, POLICY_TRIES);
			outcome_set(o, ACTION_FAILED, "policy '%s' changed under "
			    "each write", w->name);
			return -1;
		}
		state = policy_read(np, w, o);
		if (state == POLICY_FAILED)
			return -1;
		if (state == POLICY_IN_FORCE)
			return 0;
	}
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

/* value NULL removes the label; 0 done, -1 not (o set) */
static int
patch_label(struct netpol *np, const char *namespace, const char *pod,
    const char *value, struct outcome *o)
{
	char *path = api_path("/api/v1", namespace, "pods", pod);
	cJSON *patch = label_patch(np->label_key, value);
	struct kube_result r;
	long status = kube_call(np->kube, "PATCH", path,
	    "application/merge-patch+json", patch, quiet_404, &r);
	int rc = -1;

	if (status == 404)
		outcome_set(o, ACTION_SKIPPED, "pod not found");
	else if (status != 200)
		outcome_set(o, ACTION_FAILED, "%s", r.reason);
	else if (r.body && value && !pod_has_label(r.body, np->label_key, value))
		outcome_set(o, ACTION_FAILED, "the pod was stored without "
		    "the label");
	else
		rc = 0;
	kube_result_free(&r);
	cJSON_Delete(patch);
	free(path);
	return rc;
}

/*
 * Put the policy in force and then, when label_pod is not NULL, label
 * that pod: the policy first, so the label never selects a pod before
 * the policy denies. The action is counted only when a write is needed.
 */
static void
isolate_with(struct netpol *np, struct policy_want *w, const char *label_pod,
    struct outcome *o)
{
	enum policy_state state = policy_read(np, w, o);

	outcome_policy(o, w->name);
	if (state == POLICY_FAILED)
		return;
	if (state == POLICY_IN_FORCE && !label_pod) {
		outcome_set(o, ACTION_ALREADY_ISOLATED, NULL);
		return;
	}
	if (!claim_action(np, o))
		return;
	if (state != POLICY_IN_FORCE && policy_apply(np, w, state, o) < 0)
		return;
	if (label_pod && patch_label(np, w->namespace, label_pod,
	    np->label_value, o) < 0)
		return;
	outcome_set(o, np->dry_run ? ACTION_DRY_RUN : ACTION_ISOLATED, NULL);
}

static const char *
label_policy_name(const struct netpol *np)
{
	return np->policy_name ? np->policy_name : DEFAULT_POLICY;
}

static void
isolate_labelled(struct netpol *np, const char *namespace, const char *name,
    const cJSON *pod, struct outcome *o)
{
	cJSON *selector = selector_of_label(np->label_key, np->label_value);
	int labelled = pod_has_label(pod, np->label_key, np->label_value);
	struct policy_want w;

	policy_want_init(&w, np, namespace, label_policy_name(np), selector);
	isolate_with(np, &w, labelled ? NULL : name, o);
	policy_want_free(&w);
	cJSON_Delete(selector);
}

static int
get_pod(struct netpol *np, const char *namespace, const char *name,
    cJSON **pod, struct outcome *o)
{
	char *path = api_path("/api/v1", namespace, "pods", name);
	int found = get_object(np, path, pod, o);

	free(path);
	if (found == 0)
		outcome_set(o, ACTION_SKIPPED, "pod not found");
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
				outcome_set(o, ACTION_FAILED, "%s '%s' not found",
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
	struct policy_want want;
	char *policy;
	int found;

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
		outcome_set(o, ACTION_FAILED, "%s has an empty selector", w->kind);
		outcome_policy(o, policy);
	} else {
		policy_want_init(&want, np, namespace, policy, selector);
		isolate_with(np, &want, NULL, o);
		policy_want_free(&want);
	}
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
	struct policy_want want;

	policy_want_init(&want, np, namespace, policy, np->selector);
	isolate_with(np, &want, NULL, o);
	policy_want_free(&want);
	free(policy);
}

/* --- one pod --- */

static int
namespace_listed(const char *const *list, size_t n, const char *namespace)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], namespace) == 0)
			return 1;
	return 0;
}

/* o names a valid pod; isolate it unless its namespace is off limits */
static void
isolate(struct netpol *np, struct outcome *o)
{
	if (namespace_listed(np->protect, np->nprotect, o->namespace))
		outcome_set(o, ACTION_SKIPPED, "namespace is protected");
	else if (np->nallowed > 0 &&
	    !namespace_listed(np->allowed, np->nallowed, o->namespace))
		outcome_set(o, ACTION_SKIPPED, "namespace is not in --namespace");
	else if (np->mode == MODE_LABEL)
		isolate_label(np, o->namespace, o->pod, o);
	else if (np->mode == MODE_OWNER)
		isolate_owner(np, o->namespace, o->pod, o);
	else
		isolate_selector(np, o->namespace, o);
}

/* --- alerts --- */

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
handle_alert(struct netpol *np, struct alert *a, struct outcome *o)
{
	size_t ns_len = 0, pod_len = 0;
	const char *refusal;

	o->namespace = alert_string(a, "k8s.ns.name", &ns_len);
	o->pod = alert_string(a, "k8s.pod.name", &pod_len);
	if ((refusal = select_refusal(&np->select, a)) != NULL) {
		outcome_set(o, ACTION_SKIPPED, "%s", refusal);
		return;
	}
	if (!o->namespace || !o->pod) {
		outcome_set(o, ACTION_SKIPPED, "alert names no pod");
		return;
	}
	if (!names_are_valid(o, ns_len, pod_len)) {
		warnx("'%s/%s': not a valid namespace and pod name, refused",
		    o->namespace, o->pod);
		outcome_set(o, ACTION_FAILED, "invalid namespace or pod name");
		return;
	}
	isolate(np, o);
}

static void
process_stream(struct netpol *np, char **files, int nfiles)
{
	struct reader *r = select_open_input(&np->select, files, nfiles);
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
			reader_report_bad(&line, reason);
			if (!np->quiet)
				out_line(line.text, line.raw_len);
			continue;
		}
		handle_alert(np, &a, &o);
		if (o.action == ACTION_FAILED)
			np->failed = 1;
		outcome_say(np, &o);
		if (!np->quiet) {
			buf_reset(&json);
			buf_reset(&spliced);
			outcome_json(&o, &json);
			json_splice_member(line.text, line.len, "falco_netpol",
			    buf_str(&json), &spliced);
			out_line(spliced.data, spliced.len);
		}
		outcome_free(&o);
	}
	if (reader_failed_files(r) > 0 || reader_long_lines(r) > 0)
		np->bad_input = 1;
	buf_free(&json);
	buf_free(&spliced);
	alert_free(&a);
	reader_close(r);
}

/* --- --release --- */

static void
release_done(struct netpol *np, struct outcome *o)
{
	outcome_set(o, np->dry_run ? ACTION_DRY_RUN : ACTION_RELEASED, NULL);
}

/* delete the policy if it is ours; the outcome says what came of it */
static void
delete_policy(struct netpol *np, const char *namespace, const char *name,
    struct outcome *o)
{
	char *path = policy_path(namespace, name);
	cJSON *policy;
	struct kube_result r;
	long status;
	int found = get_object(np, path, &policy, o);

	outcome_policy(o, name);
	if (found == 0)
		outcome_set(o, ACTION_NOT_ISOLATED, "policy '%s' not found", name);
	if (found == 1 && !policy_is_managed(policy)) {
		warnx("'%s/%s': not created by falco-pipes, left alone",
		    namespace, name);
		outcome_set(o, ACTION_FAILED, "policy '%s' was not created by "
		    "falco-pipes", name);
		found = -1;
	}
	cJSON_Delete(policy);
	if (found == 1) {
		status = kube_call(np->kube, "DELETE", path, NULL, NULL,
		    quiet_404, &r);
		if (status == 200 || status == 202)
			release_done(np, o);
		else if (status == 404)
			outcome_set(o, ACTION_NOT_ISOLATED, "policy '%s' not "
			    "found", name);
		else
			outcome_set(o, ACTION_FAILED, "%s", r.reason);
		kube_result_free(&r);
	}
	free(path);
}

/*
 * The label off the pod, when it has it: the namespace's policy stays,
 * it selects nothing once no pod carries the label.
 */
static void
release_labelled(struct netpol *np, const cJSON *pod, struct outcome *o)
{
	outcome_policy(o, label_policy_name(np));
	if (!pod_has_label(pod, np->label_key, np->label_value))
		outcome_set(o, ACTION_NOT_ISOLATED, "the pod has no label %s=%s",
		    np->label_key, np->label_value);
	else if (patch_label(np, o->namespace, o->pod, NULL, o) == 0)
		release_done(np, o);
}

static void
release_pod(struct netpol *np, struct outcome *o)
{
	const struct workload *w = NULL;
	cJSON *pod, *owner = NULL;
	char *policy;
	int found = 0;

	if (np->mode == MODE_SELECTOR) {
		policy = selector_policy_name(np);
		delete_policy(np, o->namespace, policy, o);
		free(policy);
		return;
	}
	if (get_pod(np, o->namespace, o->pod, &pod, o) < 0)
		return;
	if (np->mode == MODE_OWNER)
		found = owner_of(np, o->namespace, pod, &owner, &w, o);
	if (found == 0)
		release_labelled(np, pod, o);
	cJSON_Delete(pod);
	if (found <= 0)
		return;
	policy = owner_policy_name(w, owner);
	delete_policy(np, o->namespace, policy, o);
	cJSON_Delete(owner);
	free(policy);
}

/*
 * --isolate and --release: one pod named on the command line, one JSON
 * line out. The status is 0 only when what was asked is in force (or a
 * dry run showed it would be): an incident script can rely on it.
 */
static void
by_hand(struct netpol *np)
{
	const char *target = np->isolate ? np->isolate : np->release;
	const char *option = np->isolate ? "--isolate" : "--release";
	const char *slash = strchr(target, '/');
	struct outcome o = { 0 };
	struct buf json = BUF_INIT;
	int done;

	o.namespace = xstrndup(target, (size_t)(slash - target));
	o.pod = xstrdup(slash + 1);
	if (!name_is_dns_label(o.namespace) || !name_is_dns_subdomain(o.pod))
		errx(EXIT_USAGE, "%s: '%s': not NAMESPACE/POD", option, target);
	if (np->isolate)
		isolate(np, &o);
	else
		release_pod(np, &o);
	done = o.action == ACTION_DRY_RUN || o.action == ACTION_RELEASED ||
	    (np->isolate && (o.action == ACTION_ISOLATED ||
	    o.action == ACTION_ALREADY_ISOLATED));
	if (!done)
		np->failed = 1;
	outcome_say(np, &o);
	if (!np->quiet) {
		outcome_json(&o, &json);
		out_line(json.data, json.len);
	}
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
parse_max_actions(struct netpol *np, const char *text)
{
	if (strcmp(text, "0") == 0) {
		np->max_count = 0;
		return;
	}
	rate_parse(text, &np->max_count, &np->max_seconds, "--max-actions");
	if (np->max_count > MAX_ACTIONS_COUNT)
		errx(EXIT_USAGE, "--max-actions: '%s': too large", text);
}

static void
parse_option(void *ctx, int c, const char *arg)
{
	struct netpol *np = ctx;

	if (select_option(&np->select, c, arg))
		return;
	switch (c) {
	case 'n':
		np->dry_run = parse_dry_run(arg);
		break;
	case 'q':
		np->quiet = 1;
		break;
	case OPT_ALLOW_CIDR:
		add_cidr(np, arg);
		break;
	case OPT_ALLOW_DNS:
		np->allow_dns = 1;
		break;
	case OPT_CA:
		np->flags.certificate_authority = arg;
		break;
	case OPT_CONTEXT:
		np->flags.context = arg;
		break;
	case OPT_INGRESS:
		np->ingress = 1;
		break;
	case OPT_ISOLATE:
		np->isolate = arg;
		break;
	case OPT_KUBECONFIG:
		np->flags.kubeconfig = arg;
		break;
	case OPT_LABEL:
		free(np->label_key);
		split_label(arg, "--label", &np->label_key, &np->label_value);
		break;
	case OPT_MAX_ACTIONS:
		parse_max_actions(np, arg);
		break;
	case OPT_MODE:
		np->mode = parse_mode(arg);
		break;
	case OPT_NAMESPACE:
		add_namespace(np->allowed, &np->nallowed, arg, "--namespace");
		break;
	case OPT_NO_SANDBOX:
		np->no_sandbox = 1;
		break;
	case OPT_POLICY_NAME:
		if (!name_is_dns_subdomain(arg))
			errx(EXIT_USAGE, "--policy-name: '%s': not a valid name",
			    arg);
		np->policy_name = arg;
		break;
	case OPT_PROTECT:
		add_namespace(np->protect, &np->nprotect, arg, "--protect");
		break;
	case OPT_RELEASE:
		np->release = arg;
		break;
	case OPT_RETRIES:
		np->settings.retries = (int)num_parse(arg, 0, 100, "--retries");
		break;
	case OPT_SELECTOR:
		add_selector(np, arg);
		break;
	case OPT_SERVER:
		np->flags.server = arg;
		break;
	case OPT_STATE_FILE:
		np->state_file = arg;
		break;
	case OPT_TIMEOUT:
		np->settings.timeout = duration_parse(arg, 0.001, 3600,
		    "--timeout");
		break;
	case OPT_TOKEN_FILE:
		np->flags.token_file = arg;
		break;
	case OPT_VERBOSE:
		np->verbose = 1;
		break;
	default:
		opts_usage(synopsis);
	}
}

/* the index of the first operand */
static int
parse_options(struct netpol *np, int argc, char **argv)
{
	return opts_parse(argc, argv, options, synopsis, summary, parse_option,
	    np);
}

static void
check_by_hand(const char *target, const char *option, int noperands,
    const struct netpol *np)
{
	if (noperands > 0 || !select_all(&np->select))
		errx(EXIT_USAGE, "%s reads no input and takes no --when or "
		    "--min-priority", option);
	if (!strchr(target, '/'))
		errx(EXIT_USAGE, "%s: '%s': not NAMESPACE/POD", option, target);
}

static void
check_options(struct netpol *np, int noperands)
{
	if (np->mode == MODE_SELECTOR && !np->selector)
		errx(EXIT_USAGE, "--mode selector needs --selector");
	if (np->mode != MODE_SELECTOR && np->selector)
		errx(EXIT_USAGE, "--selector needs --mode selector");
	if (np->isolate && np->release)
		errx(EXIT_USAGE, "--isolate and --release exclude each other");
	if (np->isolate)
		check_by_hand(np->isolate, "--isolate", noperands, np);
	if (np->release)
		check_by_hand(np->release, "--release", noperands, np);
	if (!np->flags.server && (np->flags.token_file ||
	    np->flags.certificate_authority))
		errx(EXIT_USAGE, "--token-file and --certificate-authority "
		    "need --server");
}

/*
 * The cap on isolations, counted in a file every run sees (a program
 * started once per alert counts with the others); a dry run counts in
 * memory and leaves the file alone. Releases are never capped.
 */
static void
open_actions(struct netpol *np)
{
	struct buf path = BUF_INIT;

	if (np->max_count == 0 || np->release)
		return;
	if (np->dry_run) {
		np->actions = ratefile_memory(np->max_count, np->max_seconds);
		return;
	}
	if (np->state_file)
		buf_adds(&path, np->state_file);
	else
		buf_printf(&path, "%s/%s", state_dir(), ACTIONS_FILE);
	np->actions = ratefile_open(path.data, np->max_count, np->max_seconds);
	buf_free(&path);
}

static void
output_gone(void *ctx)
{
	(void)ctx;
	stop_request();
}

static void
netpol_defaults(struct netpol *np)
{
	static const char *const protected[] = {
		"kube-system", "kube-public", "kube-node-lease"
	};

	memset(np, 0, sizeof(*np));
	select_init(&np->select);
	np->label_key = xstrdup(DEFAULT_LABEL_KEY);
	np->label_value = DEFAULT_LABEL_VALUE;
	np->max_count = DEFAULT_MAX_COUNT;
	np->max_seconds = DEFAULT_MAX_SECONDS;
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
	select_free(&np->select);
	cJSON_Delete(np->selector);
	free(np->label_key);
	ratefile_close(np->actions);
	for (size_t i = 0; i < np->ncidrs; i++)
		free(np->cidrs[i]);
}

int
main(int argc, char **argv)
{
	static struct netpol np;
	struct kube_access access;
	int first;

	out_init();
	netpol_defaults(&np);
	first = parse_options(&np, argc, argv);
	check_options(&np, argc - first);
	select_compile(&np.select);

	signals_init(0, np.settings.timeout);
	/* a reader gone: the alerts read are still acted on, then 141 */
	out_on_broken_pipe(output_gone, NULL);
	http_global_init();
	kube_access_load(&np.flags, &access);
	open_actions(&np);
	np.settings.dry_run = np.dry_run;
	np.kube = kube_new(&access, &np.settings);
	/*
	 * Before the first request, whose resolver may start a thread. An
	 * exec credential plugin is run again whenever its credential
	 * expires or the server refuses it: that needs fork and exec.
	 */
	if (!np.no_sandbox)
		sandbox_enter_or_exit(access.exec != NULL ? SANDBOX_SPAWN :
		    SANDBOX_NETWORK);

	if (np.isolate || np.release)
		by_hand(&np);
	else
		process_stream(&np, argv + first, argc - first);

	out_finish();
	netpol_free(&np);
	kube_access_free(&access);
	if (np.bad_input)
		return EXIT_USAGE;
	if (np.failed)
		return EXIT_FAILED;
	return out_is_broken() ? EXIT_PIPE : EXIT_OK;
}
