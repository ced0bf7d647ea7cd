#include <err.h>
#include <limits.h>
#include <stdint.h>
#include <zlib.h>

#include "exitcode.h"
#include "gzip.h"

/* windowBits 15 plus 16 asks zlib for a gzip header and trailer */
#define GZIP_WINDOW (15 + 16)

void
gzip_compress(const void *p, size_t n, struct buf *out)
{
	z_stream z = { 0 };
	uLong bound;
	int rc;

	if (n > UINT_MAX)
		errx(EXIT_USAGE, "gzip: a body of %zu bytes is too large", n);
	if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, GZIP_WINDOW, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		errx(EXIT_USAGE, "gzip: out of memory");
	/* deflateBound covers the zlib format; the gzip framing adds 18 bytes */
	bound = deflateBound(&z, (uLong)n) + 18;
	buf_reset(out);
	buf_reserve(out, bound);
	/* zlib does not write to its input; its type just lacks the const */
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out->data;
	z.avail_out = (uInt)bound;
	rc = deflate(&z, Z_FINISH);
	if (rc != Z_STREAM_END)
		errx(EXIT_USAGE, "gzip: internal error (deflate %d)", rc);
	out->len = z.total_out;
	out->data[out->len] = '\0';
	deflateEnd(&z);
}
