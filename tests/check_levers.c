/*
 * Unit tests for toolchain.c (rustc -vV identities, the rust-src fix) and
 * post.c (step names, and the compressors against their own decoders).
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "../daemon/sizematd.h"
#include "check_sizematd.h"

START_TEST(test_identity_stable_and_nightly)
{
	struct toolchain_identity	 id;

	ck_assert_int_eq(toolchain_parse_identity(&id,
	    "rustc 1.96.0 (ac68faa20 2026-05-25) (built from a source "
	    "tarball)\nbinary: rustc\ncommit-hash: ac68faa20c58cbccd01ee72"
	    "08bf3b6e93a7d7f96\ncommit-date: 2026-05-25\nhost: x86_64-unknown"
	    "-linux-gnu\nrelease: 1.96.0\nLLVM version: 22.1.8\n"), 0);
	ck_assert_str_eq(id.version, "rustc 1.96.0 (ac68faa20 2026-05-25) "
	    "(built from a source tarball)");
	ck_assert_str_eq(id.release, "1.96.0");
	ck_assert_str_eq(id.commit, "ac68faa20c58cbccd01ee7208bf3b6e93a7d7f96");
	ck_assert_str_eq(id.host, "x86_64-unknown-linux-gnu");
	ck_assert_str_eq(id.llvm, "22.1.8");
	ck_assert_int_eq(id.nightly, 0);
	toolchain_identity_clear(&id);

	ck_assert_int_eq(toolchain_parse_identity(&id,
	    "rustc 1.97.0-nightly (e50aa6fba 2026-05-19)\nbinary: rustc\n"
	    "host: aarch64-apple-darwin\nrelease: 1.97.0-nightly\n"), 0);
	ck_assert_int_eq(id.nightly, 1);
	ck_assert_ptr_null(id.llvm);
	ck_assert_str_eq(id.host, "aarch64-apple-darwin");
	toolchain_identity_clear(&id);
}
END_TEST

START_TEST(test_identity_refusals)
{
	struct toolchain_identity	 id;

	ck_assert_int_eq(toolchain_parse_identity(&id, NULL), -1);
	ck_assert_int_eq(toolchain_parse_identity(&id, ""), -1);
	ck_assert_int_eq(toolchain_parse_identity(&id,
	    "error: toolchain 'x' is not installed\n"), -1);
	/* No host: a build could not pick its target. */
	ck_assert_int_eq(toolchain_parse_identity(&id,
	    "rustc 1.95.0 (59807616e 2026-04-14)\nrelease: 1.95.0\n"), -1);
}
END_TEST

START_TEST(test_rust_src_fix)
{
	struct toolchain	 tc;
	char			*fix;

	memset(&tc, 0, sizeof tc);
	tc.name = "default";
	tc.rustc_shown = "/root/.cargo/bin/rustc";
	tc.sysroot = "/root/.rustup/toolchains/stable-x86_64-unknown-linux-gnu";
	fix = toolchain_src_fix(&tc);
	ck_assert_str_eq(fix, "run 'rustup component add rust-src --toolchain "
	    "stable-x86_64-unknown-linux-gnu'");
	free(fix);
	tc.sysroot = "/usr";
	tc.rustc_shown = "/usr/bin/rustc";
	fix = toolchain_src_fix(&tc);
	ck_assert_ptr_nonnull(strstr(fix, "rust-web-src"));
	free(fix);
}
END_TEST

START_TEST(test_post_names)
{
	cJSON	*list;
	char	*out, *cause;

	list = cJSON_Parse("[\"upx\", \"xz\", \"strip\", \"xz\"]");
	ck_assert_int_eq(post_normalise(list, &out, &cause), 0);
	ck_assert_str_eq(out, "strip,xz,upx");
	free(out);
	cJSON_Delete(list);
	list = cJSON_Parse("[\"gzip\", \"bzip2\"]");
	ck_assert_int_eq(post_normalise(list, &out, &cause), -1);
	ck_assert_str_eq(cause, "\"bzip2\" is not one of strip, gzip, xz, "
	    "zstd, upx");
	free(cause);
	cJSON_Delete(list);
	list = cJSON_Parse("\"gzip\"");
	ck_assert_int_eq(post_normalise(list, &out, &cause), -1);
	free(cause);
	cJSON_Delete(list);
	out = post_canonical("zstd,gzip,nonsense,gzip");
	ck_assert_str_eq(out, "gzip,zstd");
	free(out);
	ck_assert_ptr_null(post_canonical(""));
}
END_TEST

/* Fills a buffer with text that compresses, but not to nothing. */
static unsigned char *
sample(size_t len)
{
	unsigned char	*p = xmalloc(len);
	size_t		 i;
	uint32_t	 x = 12345;

	for (i = 0; i < len; i++) {
		x = x * 1103515245 + 12345;
		p[i] = (unsigned char)("abcdefgh sizemat \n"[(x >> 16) % 18]);
	}
	return (p);
}

START_TEST(test_compressors_round_trip)
{
	unsigned char	*in = sample(200000), *out, *back;
	size_t		 len = 200000, cap = 2 * len + 1024, pos;
	int64_t		 n;

	/* gzip: a stream zlib inflates back, with the 10-byte header. */
	n = post_gzip_size(in, len);
	ck_assert_int_gt(n, 18);
	ck_assert_int_lt(n, (int64_t)len);
	out = xmalloc(cap);
	{
		z_stream	 z;

		memset(&z, 0, sizeof z);
		ck_assert_int_eq(deflateInit2(&z, 9, Z_DEFLATED, 31, 8,
		    Z_DEFAULT_STRATEGY), Z_OK);
		z.next_in = in;
		z.avail_in = (uInt)len;
		z.next_out = out;
		z.avail_out = (uInt)cap;
		ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
		ck_assert_int_eq((int64_t)z.total_out, n);
		deflateEnd(&z);
		ck_assert_int_eq(out[0], 0x1f);
		ck_assert_int_eq(out[1], 0x8b);
		/* No time stamp: the same input gives the same bytes. */
		ck_assert_int_eq(out[4] | out[5] | out[6] | out[7], 0);
	}
	back = xmalloc(len);

	/* xz: smaller than gzip on text, as it should be at -9e. */
	n = post_xz_size(in, len);
	ck_assert_int_gt(n, 0);
	ck_assert_int_lt(n, post_gzip_size(in, len));

	/* zstd: the size of a frame that says its content size. */
	n = post_zstd_size(in, len);
	ck_assert_int_gt(n, 0);
	pos = ZSTD_compress(out, cap, in, len, 19);
	ck_assert(!ZSTD_isError(pos));
	ck_assert_uint_eq(ZSTD_getFrameContentSize(out, pos), len);
	ck_assert_uint_eq(ZSTD_decompress(back, len, out, pos), len);
	ck_assert_int_eq(memcmp(back, in, len), 0);
	/* The checksum adds four bytes to what a plain level 19 gives. */
	ck_assert_int_eq(n, (int64_t)pos + 4);
	free(in);
	free(out);
	free(back);
}
END_TEST

Suite *
levers_suite(void)
{
	Suite	*s = suite_create("levers");
	TCase	*core = tcase_create("core"), *limits = tcase_create("limits");

	tcase_add_test(core, test_identity_stable_and_nightly);
	tcase_add_test(core, test_rust_src_fix);
	tcase_add_test(core, test_post_names);
	tcase_add_test(core, test_compressors_round_trip);
	tcase_add_test(limits, test_identity_refusals);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return (s);
}
