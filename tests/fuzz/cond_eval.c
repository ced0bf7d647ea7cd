/*
 * cond_eval: the condition language (common/cond.c), the attacker's
 * side: fixed conditions, one per operator and field kind, evaluated
 * on any line the scanner accepts. A condition and its negation must
 * disagree on every alert.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "cond.h"
#include "fuzz.h"

static const char *const conditions[] = {
	"rule = \"Terminal shell in container\"",
	"priority >= warning",
	"priority in (critical, error)",
	"proc.name in (sh, bash) and not proc.pname = runc",
	"proc.name != sh or k8s.ns.name exists",
	"evt.time > 1685022245478445995",
	"proc.tty <= 34816",
	"user.uid = 0",
	"scap.n_drops_perc < 0.5e+0",
	"proc.cmdline contains \"\\\\ b\"",
	"proc.cmdline icontains CLEAR",
	"fd.name startswith /tmp",
	"fd.name endswith .conf",
	"fd.name pmatch (/etc, /bin, /tmp/hello)",
	"proc.exepath glob \"/usr/*/ba?h\"",
	"proc.name iglob \"RUNC:[[]*\"",
	"proc.name regex \"^(ba)?sh$\"",
	"tags intersects (T1059, shell, container)",
	"tags contains shell",
	"fd.ports in (80, 443)",
	"evt.args = c",
	"proc.aname[2] = event-generator",
	"ka.uri.param[command] = sh",
	"proc.pname exists",
	"time < \"2024\"",
	"hostname = \"\\x00\"",
	NULL
};

static struct cond *conds[64], *negated[64];
static size_t nconds;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct cond_error error;

	(void)argc, (void)argv;
	for (nconds = 0; conditions[nconds] != NULL; nconds++) {
		char *not_text = NULL;

		conds[nconds] = cond_parse(conditions[nconds], NULL, &error);
		if (asprintf(&not_text, "not (%s)", conditions[nconds]) < 0)
			abort();
		negated[nconds] = cond_parse(not_text, NULL, &error);
		free(not_text);
		if (conds[nconds] == NULL || negated[nconds] == NULL) {
			cond_error_report(conditions[nconds], &error);
			abort();
		}
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct alert a;
	const char *reason;

	alert_init(&a);
	if (alert_parse(&a, (const char *)data, size, &reason) == 0)
		for (size_t i = 0; i < nconds; i++) {
			int yes = cond_eval(conds[i], &a);

			FUZZ_ASSERT(yes == 0 || yes == 1);
			FUZZ_ASSERT(cond_eval(negated[i], &a) == !yes);
		}
	alert_free(&a);
	return 0;
}
