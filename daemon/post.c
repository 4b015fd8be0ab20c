/*
 * Post-link steps: what an artifact weighs after strip, gzip, xz, zstd or
 * upx. Each works on a copy (never the artifact itself) and adds one
 * measurement, post.NAME. The compressors run in-process at fixed levels
 * that match their command-line tools: gzip -9n's level (zlib's deflate at
 * level 9 in a gzip wrapper with no name and time 0; GNU gzip's own deflate
 * differs by a fraction of a percent), xz -9e (liblzma preset 9 extreme,
 * CRC64, the stream encoder the xz tool uses: byte for byte the same), zstd
 * -19 (libzstd level 19 with the content size and checksum the zstd tool
 * writes). strip and upx are external programs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "sizematd.h"

#define POST_MAX_INPUT	((size_t)2 << 30)

/* The steps in their canonical order. */
static const char *const post_names[] = {
	"strip", "gzip", "xz", "zstd", "upx", NULL
};

/* Returns the index of a step name, or -1. */
static int
post_index(const char *name, size_t len)
{
	int	 i;

	for (i = 0; post_names[i] != NULL; i++) {
		if (strlen(post_names[i]) == len &&
		    strncmp(post_names[i], name, len) == 0)
			return (i);
	}
	return (-1);
}

/* Returns the steps of a bit set, comma-joined, or NULL for none. */
static char *
post_join(unsigned int set)
{
	struct buf	 b;
	int		 i;

	if (set == 0)
		return (NULL);
	buf_init(&b);
	for (i = 0; post_names[i] != NULL; i++) {
		if (set & (1U << i))
			buf_printf(&b, "%s%s", b.len ? "," : "", post_names[i]);
	}
	return (b.data);
}

/* Reads a JSON list of step names into their canonical comma-joined form. */
int
post_normalise(const cJSON *list, char **out, char **cause)
{
	const cJSON	*item;
	unsigned int	 set = 0;
	int		 i;

	*out = NULL;
	if (!cJSON_IsArray(list)) {
		*cause = xstrdup("must be a list of post steps: strip, gzip, "
		    "xz, zstd, upx");
		return (-1);
	}
	cJSON_ArrayForEach(item, list) {
		if (!cJSON_IsString(item) || (i = post_index(item->valuestring,
		    strlen(item->valuestring))) < 0) {
			char *shown = cJSON_PrintUnformatted(item);

			xasprintf(cause, "%s is not one of strip, gzip, xz, "
			    "zstd, upx", shown ? shown : "entry");
			cJSON_free(shown);
			return (-1);
		}
		set |= 1U << i;
	}
	*out = post_join(set);
	return (0);
}

/* Puts a comma-joined list of known steps in canonical order. */
char *
post_canonical(const char *steps)
{
	unsigned int	 set = 0;
	size_t		 len;
	int		 i;

	for (; steps != NULL && *steps != '\0'; steps += len) {
		steps += *steps == ',';
		len = strcspn(steps, ",");
		if ((i = post_index(steps, len)) >= 0)
			set |= 1U << i;
	}
	return (post_join(set));
}

/* Reads a whole file into memory. */
static unsigned char *
post_read(const char *path, size_t *len, char **cause)
{
	struct stat	 sb;
	unsigned char	*data;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &sb) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return (NULL);
	}
	if ((size_t)sb.st_size > POST_MAX_INPUT) {
		xasprintf(cause, "%s: larger than %zu bytes", path,
		    POST_MAX_INPUT);
		close(fd);
		return (NULL);
	}
	data = xmalloc((size_t)sb.st_size + 1);
	while (got < (size_t)sb.st_size) {
		n = read(fd, data + got, (size_t)sb.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return (data);
}

/* Returns the size of data after gzip -9n. */
int64_t
post_gzip_size(const unsigned char *data, size_t len)
{
	z_stream	 z;
	unsigned char	 out[65536];
	int64_t		 total = 0;
	int		 rc;

	memset(&z, 0, sizeof z);
	/* windowBits 15 + 16: a gzip wrapper with no name and time 0. */
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return (-1);
	z.next_in = (unsigned char *)data;
	z.avail_in = (uInt)len;
	do {
		z.next_out = out;
		z.avail_out = sizeof out;
		rc = deflate(&z, Z_FINISH);
		total += (int64_t)(sizeof out - z.avail_out);
	} while (rc == Z_OK);
	deflateEnd(&z);
	return (rc == Z_STREAM_END ? total : -1);
}

/*
 * Returns the size of data after xz -9e. The stream encoder, as the xz tool
 * uses it: the one-shot buffer encoder writes sizes into the block header
 * that the tool's output does not have.
 */
int64_t
post_xz_size(const unsigned char *data, size_t len)
{
	lzma_stream	 z = LZMA_STREAM_INIT;
	uint8_t		 out[65536];
	int64_t		 total = 0;
	lzma_ret	 rc;

	if (lzma_easy_encoder(&z, 9 | LZMA_PRESET_EXTREME,
	    LZMA_CHECK_CRC64) != LZMA_OK)
		return (-1);
	z.next_in = data;
	z.avail_in = len;
	do {
		z.next_out = out;
		z.avail_out = sizeof out;
		rc = lzma_code(&z, LZMA_FINISH);
		total += (int64_t)(sizeof out - z.avail_out);
	} while (rc == LZMA_OK);
	lzma_end(&z);
	return (rc == LZMA_STREAM_END ? total : -1);
}

/* Returns the size of data after zstd -19. */
int64_t
post_zstd_size(const unsigned char *data, size_t len)
{
	ZSTD_CCtx	*c;
	void		*out;
	size_t		 cap, n;

	if ((c = ZSTD_createCCtx()) == NULL)
		fatalx("ZSTD_createCCtx failed");
	ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 19);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1);
	cap = ZSTD_compressBound(len);
	out = xmalloc(cap);
	n = ZSTD_compress2(c, out, cap, data, len);
	free(out);
	ZSTD_freeCCtx(c);
	return (ZSTD_isError(n) ? -1 : (int64_t)n);
}

/* Writes data to a new file. */
static int
post_write(const char *path, const unsigned char *data, size_t len,
    char **cause)
{
	FILE	*f;

	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(data, 1, len, f) != len) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return (-1);
	}
	if (fclose(f) != 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	return (0);
}

/* Tells whether a program is on PATH. */
static int
post_have(const char *prog)
{
	char	*path = program_path(prog);

	free(path);
	return (path != NULL);
}

/* Runs an external step on a copy and returns the copy's size. */
static int64_t
post_external(const char *step, const unsigned char *data, size_t len,
    const char *copy, char **cause)
{
	struct strlist	 argv = { NULL, 0 };
	struct stat	 sb;
	char		*out = NULL, *printed;
	int64_t		 size = -1;
	int		 rc;

	if (post_write(copy, data, len, cause) != 0)
		return (-1);
	if (strcmp(step, "strip") == 0) {
		strlist_add(&argv, "strip");
		strlist_add(&argv, "--strip-all");
		strlist_add(&argv, copy);
		out = xstrdup(copy);
	} else {
		xasprintf(&out, "%s.upx", copy);
		strlist_add(&argv, "upx");
		strlist_add(&argv, "--best");
		strlist_add(&argv, "--lzma");
		strlist_add(&argv, "-q");
		strlist_add(&argv, "-o");
		strlist_add(&argv, out);
		strlist_add(&argv, copy);
	}
	printed = command_capture(&argv, NULL, cause);
	rc = printed != NULL ? 0 : -1;
	free(printed);
	strlist_free(&argv);
	if (rc == 0 && stat(out, &sb) == 0)
		size = (int64_t)sb.st_size;
	else if (rc == 0)
		xasprintf(cause, "%s: %s", out, strerror(errno));
	unlink(copy);
	unlink(out);
	free(out);
	return (size);
}

/*
 * Applies the comma-joined post steps to a copy of the artifact at stem
 * followed by its name (a path no other build measured at the same time
 * uses), adding a post.NAME measurement for each. A step that cannot run
 * here adds "NAME: unavailable: why and how to fix" to notes; one that
 * fails adds "NAME: failed: why".
 */
void
post_apply(struct artifact *a, const char *steps, const char *stem,
    struct buf *notes)
{
	unsigned char	*data;
	char		*cause = NULL, *copy, *name;
	size_t		 len, n;
	int64_t		 size;
	int		 i, is_wasm;

	if (steps == NULL || *steps == '\0')
		return;
	if ((data = post_read(a->path, &len, &cause)) == NULL) {
		buf_printf(notes, "%spost: failed: %s", notes->len ? "\n" : "",
		    cause);
		free(cause);
		return;
	}
	n = strlen(a->path);
	is_wasm = n > 5 && strcmp(a->path + n - 5, ".wasm") == 0;
	xasprintf(&copy, "%s%s", stem, a->name);
	for (; *steps != '\0'; steps += n) {
		steps += *steps == ',';
		n = strcspn(steps, ",");
		if ((i = post_index(steps, n)) < 0)
			continue;
		size = -1;
		cause = NULL;
		switch (i) {
		case 0:
			if (is_wasm)
				cause = xstrdup("unavailable: binutils' strip "
				    "does not read WebAssembly; use the strip "
				    "setting (strip=symbols) instead");
			else if (!post_have("strip"))
				cause = xstrdup("unavailable: strip is not on "
				    "PATH; install binutils (apt-get install "
				    "binutils)");
			else
				size = post_external("strip", data, len, copy,
				    &cause);
			break;
		case 1:
			size = post_gzip_size(data, len);
			break;
		case 2:
			size = post_xz_size(data, len);
			break;
		case 3:
			size = post_zstd_size(data, len);
			break;
		case 4:
			if (!post_have("upx"))
				cause = xstrdup("unavailable: upx is not on "
				    "PATH (Debian 12 does not package it); get "
				    "a release from https://github.com/upx/upx/"
				    "releases and put upx on the daemon's PATH");
			else
				size = post_external("upx", data, len, copy,
				    &cause);
			break;
		}
		if (size >= 0) {
			xasprintf(&name, "post.%s", post_names[i]);
			artifact_add_measurement(a, name, size);
			free(name);
		} else {
			buf_printf(notes, "%s%s: %s: %s%s", notes->len ? "\n" :
			    "", a->name, post_names[i], cause != NULL &&
			    strncmp(cause, "unavailable:", 12) == 0 ? "" :
			    "failed: ", cause != NULL ? cause : "the "
			    "compressor reported an error");
		}
		free(cause);
	}
	free(copy);
	free(data);
}
