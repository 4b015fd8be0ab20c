/*
 * A build's log as the store keeps it: its last LOGPACK_TAIL bytes,
 * zstd-compressed, so that any daemon sharing the store can serve the log
 * of a build another machine made, after that machine is gone or has
 * pruned its file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "sizematd.h"

#define LOGPACK_LEVEL	3

/*
 * Reads the log at path and packs its tail: the compressed bytes (the
 * caller frees them) and their length, with the tail's length in *raw
 * and the whole file's in *size. NULL when the log cannot be read.
 */
void *
logpack_file(const char *path, size_t *len, int64_t *raw, int64_t *size)
{
	FILE	*f;
	char	*text;
	void	*out;
	long	 end, from;
	size_t	 n, bound, packed;

	if ((f = fopen(path, "r")) == NULL)
		return (NULL);
	if (fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) < 0) {
		fclose(f);
		return (NULL);
	}
	from = end > LOGPACK_TAIL ? end - LOGPACK_TAIL : 0;
	fseek(f, from, SEEK_SET);
	text = xmalloc((size_t)(end - from) + 1);
	n = fread(text, 1, (size_t)(end - from), f);
	fclose(f);
	bound = ZSTD_compressBound(n);
	out = xmalloc(bound);
	packed = ZSTD_compress(out, bound, text, n, LOGPACK_LEVEL);
	free(text);
	if (ZSTD_isError(packed)) {
		free(out);
		return (NULL);
	}
	*len = packed;
	*raw = (int64_t)n;
	*size = (int64_t)end;
	return (out);
}

/*
 * Unpacks a packed log into b, after a line saying what was left out when
 * the log was longer than its tail; -1 when the data is not a packed log.
 */
int
logpack_unpack(const void *data, size_t len, int64_t size, struct buf *b)
{
	unsigned long long	 raw;
	char			*text;
	size_t			 n;

	raw = ZSTD_getFrameContentSize(data, len);
	if (raw == ZSTD_CONTENTSIZE_ERROR || raw == ZSTD_CONTENTSIZE_UNKNOWN ||
	    raw > LOGPACK_TAIL)
		return (-1);
	text = xmalloc((size_t)raw + 1);
	n = ZSTD_decompress(text, (size_t)raw, data, len);
	if (ZSTD_isError(n) || n != raw) {
		free(text);
		return (-1);
	}
	if (size > (int64_t)n)
		buf_printf(b, "[... first %lld bytes left out ...]\n",
		    (long long)(size - (int64_t)n));
	buf_add(b, text, n);
	free(text);
	return (0);
}
