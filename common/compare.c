/*
 * compare.c: decoding and comparing values by Falco's field types (see
 * compare.h).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compare.h"
#include "glob.h"

/* a token quoted in a message, shortened so the message stays readable */
static int
shown_len(size_t len)
{
	return len > 64 ? 64 : (int)len;
}

/* the type of a number a transformer gives (len) */
static const struct field_info uint64_info = { "", FT_UINT, 64, 0, "UINT64" };

const char *
op_name(enum op op)
{
	static const char *const names[] = { "=", "!=", "<", "<=", ">", ">=",
	    "in", "intersects", "pmatch", "contains", "icontains",
	    "bcontains", "startswith", "bstartswith", "endswith", "glob",
	    "iglob", "regex", "exists" };

	return names[op];
}

int
number_text(const char *s, size_t len, struct decimal *d)
{
	return len > 0 && decimal_parse(s, len, d) == 0;
}

/*
 * A relative time, -1h or +30m (ms, s, m, h, d), as nanoseconds from
 * now; or an absolute one, RFC 3339 or a date (midnight UTC).
 */
static int
time_value_parse(const char *s, size_t len, struct value *v)
{
	static const struct {
		const char *unit;
		long long ns;
	} units[] = {
		{ "ms", 1000000LL }, { "s", 1000000000LL },
		{ "m", 60000000000LL }, { "h", 3600000000000LL },
		{ "d", 86400000000000LL }, { NULL, 0 }
	};
	char date[32];
	long long n = 0;
	size_t i = 1, u;

	if (len >= 3 && (s[0] == '-' || s[0] == '+')) {
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (n > 1000000000LL)
				return -1;
			n = n * 10 + (s[i] - '0');
		}
		if (i == 1)
			return -1;
		for (u = 0; units[u].unit != NULL; u++)
			if (strlen(units[u].unit) == len - i &&
			    memcmp(units[u].unit, s + i, len - i) == 0)
				break;
		if (units[u].unit == NULL)
			return -1;
		v->time_relative = 1;
		v->ns = n * units[u].ns * (s[0] == '-' ? -1 : 1);
		return 0;
	}
	if (len == 10) {
		snprintf(date, sizeof(date), "%.10sT00:00:00Z", s);
		return time_parse_ns(date, strlen(date), &v->ns);
	}
	return time_parse_ns(s, len, &v->ns);
}

/* sscanf as libsinsp parses a number for a field of this width */
static int
typed_number_parse(const struct field_info *f, const char *s, uint64_t *out)
{
	char extra;
	int n;

	if (f->type == FT_INT || f->type == FT_DOUBLE) {
		int64_t i64 = 0;
		int32_t i32 = 0;
		int16_t i16 = 0;
		int8_t i8 = 0;

		switch (f->type == FT_DOUBLE ? 32 : f->bits) {
		case 8:
			n = sscanf(s, "%" SCNd8 "%c", &i8, &extra);
			i64 = i8;
			break;
		case 16:
			n = sscanf(s, "%" SCNd16 "%c", &i16, &extra);
			i64 = i16;
			break;
		case 32:
			n = sscanf(s, "%" SCNd32 "%c", &i32, &extra);
			i64 = i32;
			break;
		default:
			n = sscanf(s, "%" SCNd64 "%c", &i64, &extra);
		}
		*out = (uint64_t)i64;
		return n == 1 ? 0 : -1;
	}
	{
		uint64_t u64 = 0;
		uint32_t u32 = 0;
		uint16_t u16 = 0;
		uint8_t u8 = 0;

		switch (f->bits) {
		case 8:
			n = sscanf(s, "%" SCNu8 "%c", &u8, &extra);
			u64 = u8;
			break;
		case 16:
			n = sscanf(s, "%" SCNu16 "%c", &u16, &extra);
			u64 = u16;
			break;
		case 32:
			n = sscanf(s, "%" SCNu32 "%c", &u32, &extra);
			u64 = u32;
			break;
		default:
			n = sscanf(s, "%" SCNu64 "%c", &u64, &extra);
		}
		*out = u64;
		return n == 1 ? 0 : -1;
	}
}

static int
port_parse(const char *s, uint64_t *out)
{
	struct servent *se;

	if (*s == '\0') {
		*out = 0;
		return 0;
	}
	if (strspn(s, "0123456789") == strlen(s)) {
		*out = (uint64_t)strtoul(s, NULL, 10) & 0xffff;
		return 0;
	}
	se = getservbyname(s, NULL);
	if (se == NULL)
		return -1;
	*out = ntohs((uint16_t)se->s_port);
	return 0;
}

/* an IPv4 or IPv6 address into addr (zero-filled), its family in *family */
static int
address_parse(const char *s, int *family, unsigned char addr[16])
{
	memset(addr, 0, 16);
	if (strchr(s, '.') != NULL && inet_pton(AF_INET, s, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

/* "a.b.c.d/n" or "x::/n", as libsinsp reads a network */
static int
network_parse(const char *s, struct value *v, char *problem, size_t size)
{
	const char *slash = strchr(s, '/');
	char address[64];
	unsigned prefix;
	char extra;
	int v4 = strchr(s, '.') != NULL;

	if (slash == NULL) {
		snprintf(problem, size, v4 ? "unrecognized IP network %s" :
		    "invalid v6 netmask: %s", s);
		return -1;
	}
	snprintf(address, sizeof(address), "%.*s", (int)(slash - s), s);
	if (inet_pton(v4 ? AF_INET : AF_INET6, address, v->addr) != 1) {
		snprintf(problem, size, v4 ? "unrecognized IP address %s" :
		    "unrecognized IPv6 address %s", s);
		return -1;
	}
	if (sscanf(slash + 1, "%u%c", &prefix, &extra) != 1) {
		snprintf(problem, size, "%s is not a valid number", slash + 1);
		return -1;
	}
	if (v4 ? prefix > 32 : prefix == 0 || prefix > 128) {
		snprintf(problem, size, v4 ? "invalid netmask %s" :
		    "invalid v6 netmask %s", slash + 1);
		return -1;
	}
	v->family = v4 ? AF_INET : AF_INET6;
	v->prefix = (int)prefix;
	return 0;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* bcontains, bstartswith: the bytes written as hex digits */
static int
unhex(struct value *v)
{
	size_t i;

	if (v->len % 2 != 0)
		return -1;
	for (i = 0; i < v->len; i += 2) {
		int hi = hex_value(v->text[i]), lo = hex_value(v->text[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		v->text[i / 2] = (char)(hi * 16 + lo);
	}
	v->len /= 2;
	v->text[v->len] = '\0';
	return 0;
}

int
value_decode(const struct comparison *c, const struct field_info *f,
    struct value *v, char *problem, size_t size)
{
	uint64_t n;

	v->severity = -1;
	if (c->op == OP_BCONTAINS || c->op == OP_BSTARTSWITH) {
		if (unhex(v) < 0) {
			snprintf(problem, size, "bcontains and bstartswith "
			    "operator support hex strings only");
			return -1;
		}
		return 0;
	}
	/* libsinsp refuses a NUL in a value, but for a buffer; untyped is ours */
	if (c->type != FT_NONE && c->type != FT_BYTES &&
	    memchr(v->text, '\0', v->len) != NULL) {
		snprintf(problem, size, "filter value cannot contain a NUL byte "
		    "(\\x00)");
		return -1;
	}
	switch (c->kind) {
	case K_TEXT:
		v->is_number = number_text(v->text, v->len, &v->number);
		return 0;
	case K_BYTES:
		return 0;
	case K_SEVERITY:
		v->severity = priority_parse(v->text, v->len);
		if (v->severity < 0) {
			snprintf(problem, size, "unknown priority '%.*s'",
			    shown_len(v->len), v->text);
			return -1;
		}
		return 0;
	case K_TIME:
		if (number_text(v->text, v->len, &v->number) &&
		    v->number.is_int64) {
			v->ns = v->number.i;
			return 0;
		}
		if (time_value_parse(v->text, v->len, v) == 0)
			return 0;
		snprintf(problem, size, "'%.*s' is no time: write a number of "
		    "nanoseconds, an RFC 3339 time, a date, or a time relative "
		    "to now such as -1h", shown_len(v->len), v->text);
		return -1;
	case K_NUMBER:
		if (f == NULL)
			f = &uint64_info;
		if (f->type == FT_PORT ? port_parse(v->text, &n) :
		    typed_number_parse(f, v->text, &n)) {
			snprintf(problem, size, f->type == FT_PORT ?
			    "unrecognized protocol %s" :
			    "%s is not a valid number", v->text);
			return -1;
		}
		if (f->type == FT_INT || f->type == FT_DOUBLE)
			snprintf(v->number_text, sizeof(v->number_text),
			    "%" PRId64, (int64_t)n);
		else
			snprintf(v->number_text, sizeof(v->number_text),
			    "%" PRIu64, n);
		decimal_parse(v->number_text, strlen(v->number_text),
		    &v->number);
		v->is_number = 1;
		return 0;
	case K_BOOL:
		if (strcmp(v->text, "true") != 0 && strcmp(v->text, "false") != 0) {
			snprintf(problem, size, "unrecognized boolean value %s",
			    v->text);
			return -1;
		}
		v->boolean = v->text[0] == 't';
		return 0;
	case K_IPADDR:
		if (address_parse(v->text, &v->family, v->addr) < 0) {
			snprintf(problem, size, strchr(v->text, '.') != NULL ?
			    "unrecognized IPv4 address %s" :
			    "unrecognized IPv6 address %s", v->text);
			return -1;
		}
		return 0;
	case K_IPNET:
		return network_parse(v->text, v, problem, size);
	}
	return 0;
}


void
subject_prepare(const struct comparison *c, struct subject *sub)
{
	char text[64];

	sub->ok = 1;
	switch (c->kind) {
	case K_TEXT:
		sub->is_number = c->any_number && (sub->type == JSON_NUMBER ||
		    sub->type == JSON_STRING) &&
		    number_text(sub->s, sub->len, &sub->number);
		return;
	case K_BYTES:
		return;
	case K_SEVERITY:
		sub->severity = sub->type == JSON_STRING ?
		    priority_parse(sub->s, sub->len) : -1;
		sub->ok = sub->severity >= 0;
		return;
	case K_NUMBER:
		sub->ok = (sub->type == JSON_NUMBER ||
		    sub->type == JSON_STRING) &&
		    number_text(sub->s, sub->len, &sub->number);
		return;
	case K_TIME:
		if ((sub->type == JSON_NUMBER || sub->type == JSON_STRING) &&
		    number_text(sub->s, sub->len, &sub->number) &&
		    sub->number.is_int64) {
			sub->ns = sub->number.i;
			return;
		}
		sub->ok = sub->type == JSON_STRING &&
		    time_parse_ns(sub->s, sub->len, &sub->ns) == 0;
		return;
	case K_BOOL:
		if (sub->type == JSON_TRUE || sub->type == JSON_FALSE)
			sub->boolean = sub->type == JSON_TRUE;
		else if (sub->len == 4 && memcmp(sub->s, "true", 4) == 0)
			sub->boolean = 1;
		else if (sub->len == 5 && memcmp(sub->s, "false", 5) == 0)
			sub->boolean = 0;
		else
			sub->ok = 0;
		return;
	case K_IPADDR:
	case K_IPNET:
		/* an address, or a network's address ("10.0.0.0/8") */
		if (sub->type != JSON_STRING || sub->len == 0 ||
		    sub->len >= sizeof(text)) {
			sub->ok = 0;
			return;
		}
		memcpy(text, sub->s, sub->len);
		text[sub->len] = '\0';
		if (strchr(text, '/') != NULL)
			*strchr(text, '/') = '\0';
		sub->ok = address_parse(text, &sub->family, sub->addr) == 0;
		return;
	}
}

static int
bytes_compare(const char *a, size_t alen, const char *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r != 0)
		return r;
	return (alen > blen) - (alen < blen);
}

static int
in_network(const struct subject *sub, const struct value *v)
{
	int full = v->prefix / 8, bits = v->prefix % 8;

	if (sub->family != v->family)
		return 0;
	if (memcmp(sub->addr, v->addr, (size_t)full) != 0)
		return 0;
	if (bits == 0)
		return 1;
	return ((sub->addr[full] ^ v->addr[full]) &
	    (0xff << (8 - bits))) == 0;
}

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * <0, 0, >0 for subject against value; *ok 0 when the two cannot be
 * ordered (a priority Falco does not know, a value not of the kind).
 */
static int
subject_compare(const struct comparison *c, const struct subject *sub,
    const struct value *v, int *ok)
{
	long long ns;

	*ok = sub->ok;
	if (!sub->ok)
		return 0;
	switch (c->kind) {
	case K_SEVERITY:
		return (sub->severity > v->severity) -
		    (sub->severity < v->severity);
	case K_TIME:
		ns = v->time_relative ? now_ns() + v->ns : v->ns;
		return (sub->ns > ns) - (sub->ns < ns);
	case K_NUMBER:
		return decimal_compare(&sub->number, &v->number);
	case K_BOOL:
		return sub->boolean - v->boolean;
	case K_IPADDR:
		*ok = 1;
		if (sub->family != v->family)
			return 1;
		return memcmp(sub->addr, v->addr, sizeof(sub->addr));
	case K_IPNET:
		return !in_network(sub, v);
	case K_TEXT:
		if (sub->is_number && v->is_number)
			return decimal_compare(&sub->number, &v->number);
		break;
	case K_BYTES:
		break;
	}
	return bytes_compare(sub->s, sub->len, v->text, v->len);
}

int
subject_equals(const struct comparison *c, const struct subject *sub,
    const struct value *v)
{
	int ok, r = subject_compare(c, sub, v, &ok);

	return ok && r == 0;
}

static int
tolower_ascii(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : (unsigned char)c;
}

static const char *
memcasemem(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t i, j;

	if (nlen == 0)
		return hay;
	for (i = 0; i + nlen <= hlen; i++) {
		for (j = 0; j < nlen; j++)
			if (tolower_ascii(hay[i + j]) != tolower_ascii(needle[j]))
				break;
		if (j == nlen)
			return hay + i;
	}
	return NULL;
}

/* the subject under op against one value (in: equality; pmatch: prefix) */
int
value_matches(const struct comparison *c, enum op op,
    const struct subject *sub, const struct value *v)
{
	int ok, r;

	switch (op) {
	case OP_EQ:
	case OP_IN:
	case OP_INTERSECTS:
		return subject_equals(c, sub, v);
	case OP_NE:
		r = subject_compare(c, sub, v, &ok);
		return ok && r != 0;
	case OP_LT:
		r = subject_compare(c, sub, v, &ok);
		return ok && r < 0;
	case OP_LE:
		r = subject_compare(c, sub, v, &ok);
		return ok && r <= 0;
	case OP_GT:
		r = subject_compare(c, sub, v, &ok);
		return ok && r > 0;
	case OP_GE:
		r = subject_compare(c, sub, v, &ok);
		return ok && r >= 0;
	case OP_PMATCH:
		return path_prefix_match(v->text, v->len, sub->s, sub->len);
	case OP_CONTAINS:
	case OP_BCONTAINS:
		return memmem(sub->s, sub->len, v->text, v->len) != NULL;
	case OP_ICONTAINS:
		return memcasemem(sub->s, sub->len, v->text, v->len) != NULL;
	case OP_STARTSWITH:
	case OP_BSTARTSWITH:
		return sub->len >= v->len && memcmp(sub->s, v->text,
		    v->len) == 0;
	case OP_ENDSWITH:
		return sub->len >= v->len && memcmp(sub->s + sub->len -
		    v->len, v->text, v->len) == 0;
	case OP_GLOB:
	case OP_IGLOB:
		return glob_match(v->text, v->len, sub->s, sub->len,
		    op == OP_IGLOB);
	case OP_REGEX:
		return regex_match(v->re, sub->s, sub->len);
	case OP_EXISTS:
		return 1;
	}
	return 0;
}
