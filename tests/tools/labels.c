/*
 * labels: a driver for common/labels.c, for tests/labels.bats.
 * "labels name FIELD..." prints each field's label name (or "-" when
 * none can be made); "labels value TEXT..." prints each escaped value;
 * "labels cut MAX TEXT..." prints each text as valid UTF-8 cut to at
 * most MAX bytes, then the number of bytes, tab-separated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "labels.h"

int
main(int argc, char **argv)
{
	struct buf out = BUF_INIT;
	size_t max = 0;
	int i = 2;

	if (argc < 2 || (strcmp(argv[1], "name") != 0 &&
	    strcmp(argv[1], "value") != 0 && strcmp(argv[1], "cut") != 0)) {
		fprintf(stderr, "usage: labels name|value|cut [MAX] TEXT...\n");
		return 2;
	}
	if (strcmp(argv[1], "cut") == 0) {
		if (argc < 3)
			return 2;
		max = strtoul(argv[2], NULL, 10);
		i = 3;
	}
	for (; i < argc; i++) {
		buf_reset(&out);
		if (strcmp(argv[1], "cut") == 0) {
			size_t n = label_value_utf8(argv[i], strlen(argv[i]),
			    max, &out);

			printf("%s\t%zu\n", buf_str(&out), n);
			continue;
		}
		if (strcmp(argv[1], "value") == 0)
			prom_label_value(argv[i], strlen(argv[i]), &out);
		else if (label_name(argv[i], strlen(argv[i]), &out) < 0)
			buf_adds(&out, "-");
		printf("%s\n", buf_str(&out));
	}
	buf_free(&out);
	return 0;
}
