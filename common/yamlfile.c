/*
 * yamlfile.c: YAML files read with a size cap (see yamlfile.h).
 */
#include "yamlfile.h"

static int
read_capped(void *data, unsigned char *buffer, size_t size,
    size_t *size_read)
{
	struct yaml_file *yf = data;
	size_t n = fread(buffer, 1, size, yf->f);

	if (n == 0 && ferror(yf->f))
		return 0;
	yf->read += n;
	if (yf->read > YAML_FILE_MAX) {
		yf->too_large = 1;
		return 0;
	}
	*size_read = n;
	return 1;
}

void
yaml_file_input(yaml_parser_t *parser, struct yaml_file *yf, FILE *f)
{
	yf->f = f;
	yf->read = 0;
	yf->too_large = 0;
	yaml_parser_set_input(parser, read_capped, yf);
}

const char *
yaml_file_problem(const yaml_parser_t *parser, const struct yaml_file *yf)
{
	if (yf->too_large)
		return "larger than 16 MiB";
	return parser->problem != NULL ? parser->problem : "invalid YAML";
}
