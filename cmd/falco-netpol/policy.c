/*
 * policy.c: Kubernetes names, NetworkPolicy manifests and label
 * patches, as pure functions so they are checked without a cluster.
 * Shapes and pitfalls: reference §7.2, §7.4 and §7.6.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "netpol.h"
#include "xalloc.h"

#define DNS_LABEL_MAX 63
#define DNS_SUBDOMAIN_MAX 253
#define LABEL_NAME_MAX 63

static int
is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int
is_dns_label_n(const char *s, size_t n)
{
	if (n == 0 || n > DNS_LABEL_MAX)
		return 0;
	if (!is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return 0;
	return 1;
}

int
name_is_dns_label(const char *s)
{
	return is_dns_label_n(s, strlen(s));
}

int
name_is_dns_subdomain(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > DNS_SUBDOMAIN_MAX)
		return 0;
	for (const char *part = s;;) {
		const char *dot = strchr(part, '.');
		size_t len = dot ? (size_t)(dot - part) : strlen(part);

		/* each dot-separated part has the label's shape, any length */
		if (len == 0 || !is_lower_alnum(part[0]) ||
		    !is_lower_alnum(part[len - 1]))
			return 0;
		for (size_t i = 0; i < len; i++)
			if (!is_lower_alnum(part[i]) && part[i] != '-')
				return 0;
		if (!dot)
			return 1;
		part = dot + 1;
	}
}

static int
is_label_name_n(const char *s, size_t n)
{
	if (n == 0 || n > LABEL_NAME_MAX)
		return 0;
	if (!isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return 0;
	return 1;
}

int
label_key_is_valid(const char *s)
{
	const char *slash = strchr(s, '/');

	if (!slash)
		return is_label_name_n(s, strlen(s));
	char *prefix = xstrndup(s, (size_t)(slash - s));
	int ok = name_is_dns_subdomain(prefix) &&
	    is_label_name_n(slash + 1, strlen(slash + 1));
	free(prefix);
	return ok;
}

int
label_value_is_valid(const char *s)
{
	return *s == '\0' || is_label_name_n(s, strlen(s));
}

static cJSON *
port_rule(const char *protocol, int port)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "protocol", protocol);
	cJSON_AddNumberToObject(p, "port", port);
	return p;
}

/*
 * Egress rules that keep what the user asked for. No rule at all means
 * nothing is allowed; a rule with neither "to" nor "ports" would allow
 * everything, so none is ever made empty.
 */
static cJSON *
egress_rules(const struct policy_spec *spec)
{
	cJSON *rules = cJSON_CreateArray();

	if (spec->allow_dns) {
		cJSON *rule = cJSON_CreateObject();
		cJSON *ports = cJSON_AddArrayToObject(rule, "ports");

		cJSON_AddItemToArray(ports, port_rule("UDP", 53));
		cJSON_AddItemToArray(ports, port_rule("TCP", 53));
		cJSON_AddItemToArray(rules, rule);
	}
	if (spec->nallow_cidrs > 0) {
		cJSON *rule = cJSON_CreateObject();
		cJSON *to = cJSON_AddArrayToObject(rule, "to");

		for (size_t i = 0; i < spec->nallow_cidrs; i++) {
			cJSON *peer = cJSON_CreateObject();
			cJSON *block = cJSON_AddObjectToObject(peer, "ipBlock");

			cJSON_AddStringToObject(block, "cidr", spec->allow_cidrs[i]);
			cJSON_AddItemToArray(to, peer);
		}
		cJSON_AddItemToArray(rules, rule);
	}
	return rules;
}

cJSON *
policy_manifest(const struct policy_spec *spec)
{
	cJSON *policy = cJSON_CreateObject();
	cJSON *metadata, *labels, *body, *types, *egress;

	cJSON_AddStringToObject(policy, "apiVersion", "networking.k8s.io/v1");
	cJSON_AddStringToObject(policy, "kind", "NetworkPolicy");
	metadata = cJSON_AddObjectToObject(policy, "metadata");
	cJSON_AddStringToObject(metadata, "name", spec->name);
	cJSON_AddStringToObject(metadata, "namespace", spec->namespace);
	labels = cJSON_AddObjectToObject(metadata, "labels");
	cJSON_AddStringToObject(labels, MANAGED_BY_KEY, MANAGED_BY_VALUE);
	body = cJSON_AddObjectToObject(policy, "spec");
	cJSON_AddItemToObject(body, "podSelector",
	    cJSON_Duplicate(spec->pod_selector, 1));
	/* policyTypes must name Egress: without it no egress is denied */
	types = cJSON_AddArrayToObject(body, "policyTypes");
	if (spec->ingress)
		cJSON_AddItemToArray(types, cJSON_CreateString("Ingress"));
	cJSON_AddItemToArray(types, cJSON_CreateString("Egress"));
	egress = egress_rules(spec);
	if (cJSON_GetArraySize(egress) > 0)
		cJSON_AddItemToObject(body, "egress", egress);
	else
		cJSON_Delete(egress);
	return policy;
}

int
policy_is_managed(const cJSON *policy)
{
	const cJSON *metadata = cJSON_GetObjectItemCaseSensitive(policy, "metadata");
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(metadata, "labels");
	const cJSON *by = cJSON_GetObjectItemCaseSensitive(labels, MANAGED_BY_KEY);

	return cJSON_IsString(by) && strcmp(by->valuestring, MANAGED_BY_VALUE) == 0;
}

int
policy_selects(const cJSON *policy, const cJSON *pod_selector)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(policy, "spec");
	const cJSON *selector = cJSON_GetObjectItemCaseSensitive(spec, "podSelector");

	return selector && cJSON_Compare(selector, pod_selector, 1);
}

/* an absent list of rules and an empty one say the same: none */
static int
same_rules(const cJSON *a, const cJSON *b)
{
	if (cJSON_GetArraySize(a) == 0 && cJSON_GetArraySize(b) == 0)
		return (!a || cJSON_IsArray(a)) && (!b || cJSON_IsArray(b));
	return a && b && cJSON_Compare(a, b, 1);
}

static int
has_string(const cJSON *array, const char *s)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, array)
		if (cJSON_IsString(item) && strcmp(item->valuestring, s) == 0)
			return 1;
	return 0;
}

/* policyTypes is a set: ["Egress", "Ingress"] is ["Ingress", "Egress"] */
static int
same_types(const cJSON *a, const cJSON *b)
{
	const cJSON *item;

	if (!cJSON_IsArray(a) || !cJSON_IsArray(b) ||
	    cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
		return 0;
	cJSON_ArrayForEach(item, a)
		if (!cJSON_IsString(item) || !has_string(b, item->valuestring))
			return 0;
	cJSON_ArrayForEach(item, b)
		if (!cJSON_IsString(item) || !has_string(a, item->valuestring))
			return 0;
	return 1;
}

static void
add_difference(struct buf *out, const char *what)
{
	if (out->len > 0)
		buf_adds(out, ", ");
	buf_adds(out, what);
}

char *
policy_differences(const cJSON *policy, const cJSON *manifest)
{
	const cJSON *have = cJSON_GetObjectItemCaseSensitive(policy, "spec");
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(manifest, "spec");
	static const char *const rules[] = { "ingress", "egress", NULL };
	struct buf out = BUF_INIT;
	const cJSON *a, *b;

	a = cJSON_GetObjectItemCaseSensitive(have, "podSelector");
	b = cJSON_GetObjectItemCaseSensitive(want, "podSelector");
	if (!a || !cJSON_Compare(a, b, 1))
		add_difference(&out, "podSelector");
	if (!same_types(cJSON_GetObjectItemCaseSensitive(have, "policyTypes"),
	    cJSON_GetObjectItemCaseSensitive(want, "policyTypes")))
		add_difference(&out, "policyTypes");
	for (size_t i = 0; rules[i]; i++)
		if (!same_rules(cJSON_GetObjectItemCaseSensitive(have, rules[i]),
		    cJSON_GetObjectItemCaseSensitive(want, rules[i])))
			add_difference(&out, rules[i]);
	if (out.len == 0)
		return NULL;
	return out.data;
}

cJSON *
label_patch(const char *key, const char *value)
{
	cJSON *patch = cJSON_CreateObject();
	cJSON *metadata = cJSON_AddObjectToObject(patch, "metadata");
	cJSON *labels = cJSON_AddObjectToObject(metadata, "labels");

	/* merge patch (RFC 7386): null removes the key */
	if (value)
		cJSON_AddStringToObject(labels, key, value);
	else
		cJSON_AddNullToObject(labels, key);
	return patch;
}

cJSON *
selector_of_label(const char *key, const char *value)
{
	cJSON *selector = cJSON_CreateObject();
	cJSON *match = cJSON_AddObjectToObject(selector, "matchLabels");

	cJSON_AddStringToObject(match, key, value);
	return selector;
}

/* labels a controller puts on its pods, which vary between revisions */
static int
is_controller_label(const char *key)
{
	static const char *const keys[] = {
		"pod-template-hash", "controller-revision-hash",
		"pod-template-generation", NULL
	};

	for (size_t i = 0; keys[i]; i++)
		if (strcmp(key, keys[i]) == 0)
			return 1;
	return 0;
}

cJSON *
selector_of_controller(const cJSON *selector)
{
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(selector, "matchLabels");
	const cJSON *exprs = cJSON_GetObjectItemCaseSensitive(selector, "matchExpressions");
	const cJSON *item;
	cJSON *out = cJSON_CreateObject();
	cJSON *out_labels = cJSON_CreateObject();
	cJSON *out_exprs = cJSON_CreateArray();

	cJSON_ArrayForEach(item, labels)
		if (cJSON_IsString(item) && !is_controller_label(item->string))
			cJSON_AddItemToObject(out_labels, item->string,
			    cJSON_Duplicate(item, 1));
	cJSON_ArrayForEach(item, exprs) {
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(item, "key");

		if (cJSON_IsString(key) && !is_controller_label(key->valuestring))
			cJSON_AddItemToArray(out_exprs, cJSON_Duplicate(item, 1));
	}
	if (cJSON_GetArraySize(out_labels) > 0)
		cJSON_AddItemToObject(out, "matchLabels", out_labels);
	else
		cJSON_Delete(out_labels);
	if (cJSON_GetArraySize(out_exprs) > 0)
		cJSON_AddItemToObject(out, "matchExpressions", out_exprs);
	else
		cJSON_Delete(out_exprs);
	if (cJSON_GetArraySize(out) == 0) {
		cJSON_Delete(out);
		return NULL;
	}
	return out;
}

char *
policy_name_from(const char *prefix, const char *text)
{
	struct buf name = BUF_INIT;
	size_t max = DNS_SUBDOMAIN_MAX;

	buf_adds(&name, prefix);
	for (const char *p = text; *p; p++) {
		char c = (char)tolower((unsigned char)*p);

		if (!is_lower_alnum(c))
			c = '-';
		if (c == '-' && name.len > 0 && name.data[name.len - 1] == '-')
			continue;
		buf_addc(&name, c);
	}
	if (name.len > max)
		name.len = max;
	while (name.len > 0 && !is_lower_alnum(name.data[name.len - 1]))
		name.len--;
	name.data[name.len] = '\0';
	return name.data;
}
