/*
 * labels: a driver for common/labels.c, for tests/labels.bats.
 * "labels name FIELD..." prints each field's label name (or "-" when
 * none can be made); "labels value TEXT..." prints each escaped value.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "labels.h"

int
main(int argc, char **argv)
{
	struct buf out = BUF_INIT;
	int i;

	if (argc < 2 || (strcmp(argv[1], "name") != 0 &&
	    strcmp(argv[1], "value") != 0)) {
		fprintf(stderr, "usage: labels name|value TEXT...\n");
		return 2;
	}
	for (i = 2; i < argc; i++) {
		buf_reset(&out);
		if (strcmp(argv[1], "value") == 0)
			prom_label_value(argv[i], strlen(argv[i]), &out);
		else if (label_name(argv[i], strlen(argv[i]), &out) < 0)
			buf_adds(&out, "-");
		printf("%s\n", buf_str(&out));
	}
	buf_free(&out);
	return 0;
}
