/* Unit tests for matrix.c: both shapes, exclusions, caps and causes. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/sizematd.h"
#include "check_sizematd.h"

/* Parses a matrix from JSON text; returns it, or NULL with the cause. */
static struct matrix *
parse(const char *json, size_t cap, char **cause)
{
	cJSON		*o = cJSON_Parse(json);
	struct matrix	*m;

	ck_assert_msg(o != NULL, "test JSON does not parse: %s", json);
	*cause = NULL;
	m = matrix_parse(o, "profiles/x.json", cap, cause);
	cJSON_Delete(o);
	return (m);
}

/* Asserts that a matrix is refused with exactly this cause. */
static void
assert_refused(const char *json, const char *want)
{
	struct matrix	*m;
	char		*cause;

	m = parse(json, 1024, &cause);
	ck_assert_msg(m == NULL, "accepted: %s", json);
	ck_assert_str_eq(cause, want);
	free(cause);
}

/* Returns the key of variant i. */
static char *
key_of(const struct matrix *m, size_t i)
{
	return (variant_key(matrix_variant(m, i)));
}

START_TEST(test_post_and_bootstrap)
{
	struct matrix	*m;
	char		*cause, *post;

	m = parse("{\"name\": \"p\", \"shape\": \"ladder\","
	    " \"unstable\": \"bootstrap\", \"post\": [\"xz\", \"gzip\"],"
	    " \"steps\": [{\"name\": \"a\"}, {\"name\": \"b\","
	    " \"set\": {\"build-std\": [\"std\", \"panic_abort\"],"
	    " \"panic\": \"immediate-abort\"}, \"post\": [\"upx\", \"gzip\"]}]}",
	    1024, &cause);
	ck_assert_msg(m != NULL, "%s", cause);
	ck_assert_int_eq(matrix_bootstrap(m), 1);
	post = matrix_post_steps(m, 0);
	ck_assert_str_eq(post, "gzip,xz");
	free(post);
	post = matrix_post_steps(m, 1);
	ck_assert_str_eq(post, "gzip,xz,upx");
	free(post);
	matrix_free(m);
}
END_TEST

START_TEST(test_axes_product_and_exclude)
{
	struct matrix	*m;
	char		*cause, *key;

	m = parse("{\"name\": \"example\", \"shape\": \"axes\","
	    " \"base\": {\"strip\": \"symbols\"},"
	    " \"axes\": {\"opt-level\": [3, \"z\"],"
	    "  \"panic\": [\"unwind\", \"abort\"]},"
	    " \"exclude\": [{\"opt-level\": 3, \"panic\": \"abort\"}]}",
	    1024, &cause);
	ck_assert_msg(m != NULL, "%s", cause);
	ck_assert_str_eq(matrix_name(m), "example");
	ck_assert_str_eq(matrix_shape(m), "axes");
	ck_assert_uint_eq(matrix_count(m), 3);
	key = key_of(m, 0);
	ck_assert_str_eq(key, "opt-level=3,panic=unwind,strip=symbols");
	free(key);
	key = key_of(m, 1);
	ck_assert_str_eq(key, "opt-level=z,panic=unwind,strip=symbols");
	free(key);
	key = key_of(m, 2);
	ck_assert_str_eq(key, "opt-level=z,panic=abort,strip=symbols");
	free(key);
	ck_assert_ptr_null(matrix_step(m, 0));
	matrix_free(m);
}
END_TEST

START_TEST(test_axis_overrides_base)
{
	struct matrix	*m;
	char		*cause, *key;

	m = parse("{\"name\": \"o\", \"shape\": \"axes\","
	    " \"base\": {\"lto\": true, \"opt-level\": 2},"
	    " \"axes\": {\"opt-level\": [\"s\"]}}", 1024, &cause);
	ck_assert_msg(m != NULL, "%s", cause);
	key = key_of(m, 0);
	ck_assert_str_eq(key, "lto=fat,opt-level=s");
	free(key);
	matrix_free(m);
}
END_TEST

START_TEST(test_ladder_is_cumulative)
{
	struct matrix	*m;
	char		*cause, *key;

	m = parse("{\"name\": \"steps\", \"shape\": \"ladder\", \"base\": {},"
	    " \"steps\": [{\"name\": \"release\"},"
	    "  {\"name\": \"strip\", \"set\": {\"strip\": true}},"
	    "  {\"name\": \"opt z\", \"set\": {\"opt-level\": \"z\"}}]}",
	    1024, &cause);
	ck_assert_msg(m != NULL, "%s", cause);
	ck_assert_uint_eq(matrix_count(m), 3);
	key = key_of(m, 0);
	ck_assert_str_eq(key, "release");
	free(key);
	key = key_of(m, 2);
	ck_assert_str_eq(key, "opt-level=z,strip=symbols");
	free(key);
	ck_assert_str_eq(matrix_step(m, 1), "strip");
	ck_assert_str_eq(matrix_step(m, 2), "opt z");
	matrix_free(m);
}
END_TEST

START_TEST(test_refusals_name_file_and_path)
{
	assert_refused("{\"name\": \"x\", \"shape\": \"axes\","
	    " \"axes\": {\"lto\": [\"off\", \"thin\", \"fatt\"]}}",
	    "profiles/x.json: axes.lto[2]: \"fatt\" is not one of false, "
	    "true, thin, fat, off");
	assert_refused("{\"name\": \"x\", \"shape\": \"axes\","
	    " \"axes\": {\"codegen-units\": [1, 300]}}",
	    "profiles/x.json: axes.codegen-units[1]: 300 is not a whole "
	    "number from 1 to 256");
	assert_refused("{\"name\": \"x\", \"shape\": \"axes\","
	    " \"axes\": {\"opt-level\": []}}",
	    "profiles/x.json: axes.opt-level: must be a non-empty list of "
	    "values");
	assert_refused("{\"name\": \"x\", \"shape\": \"axes\","
	    " \"axes\": {\"opt-level\": [3, \"3\"]}}",
	    "profiles/x.json: axes.opt-level[1]: repeats axes.opt-level[0] "
	    "(both mean 3)");
	assert_refused("{\"name\": \"x\", \"shape\": \"axes\","
	    " \"axes\": {\"opt-level\": [3]},"
	    " \"exclude\": [{\"opt-level\": 3}]}",
	    "profiles/x.json: exclude: leaves out every combination: the "
	    "matrix is empty");
	assert_refused("{\"name\": \"x\", \"shape\": \"axes\","
	    " \"axes\": {\"opt-level\": [3]},"
	    " \"exclude\": [{\"lto\": true}]}",
	    "profiles/x.json: exclude[0].lto: is not an axis of this matrix");
	assert_refused("{\"name\": \"x\", \"shape\": \"cube\","
	    " \"axes\": {}}",
	    "profiles/x.json: shape: \"cube\" is not one of axes, ladder");
	assert_refused("{\"name\": \"x\", \"shape\": \"axes\","
	    " \"base\": {\"panic\": \"immediate\"},"
	    " \"axes\": {\"opt-level\": [3]}}",
	    "profiles/x.json: base.panic: \"immediate\" is not one of "
	    "unwind, abort, immediate-abort");
	/* Settings that need another are refused for the variant. */
	assert_refused("{\"name\": \"x\", \"shape\": \"axes\","
	    " \"base\": {\"panic\": \"immediate-abort\"},"
	    " \"axes\": {\"opt-level\": [3]}}",
	    "profiles/x.json: opt-level=3,panic=immediate-abort: "
	    "panic=immediate-abort needs build-std (for example \"build-std\":"
	    " [\"std\", \"panic_abort\"]): the prebuilt standard library "
	    "cannot abort immediately");
	assert_refused("{\"name\": \"x\", \"shape\": \"ladder\","
	    " \"steps\": [{\"name\": \"a\", \"set\": "
	    "{\"build-std-features\": []}}]}",
	    "profiles/x.json: steps[0]: build-std-features needs build-std "
	    "(for example \"build-std\": [\"std\", \"panic_abort\"])");
	assert_refused("{\"name\": \"x\", \"shape\": \"ladder\","
	    " \"unstable\": \"yes\", \"steps\": [{\"name\": \"a\"}]}",
	    "profiles/x.json: unstable: the only value is \"bootstrap\" "
	    "(build unstable options on a stable toolchain with "
	    "RUSTC_BOOTSTRAP=1)");
	assert_refused("{\"name\": \"x\", \"shape\": \"ladder\","
	    " \"post\": [\"gzip\", \"brotli\"], \"steps\": "
	    "[{\"name\": \"a\"}]}",
	    "profiles/x.json: post: \"brotli\" is not one of strip, gzip, "
	    "xz, zstd, upx");
	assert_refused("{\"name\": \"x\", \"shape\": \"ladder\","
	    " \"steps\": [{\"name\": \"a\"}, {\"name\": \"b\","
	    " \"set\": {\"strip\": \"none\"}}, {\"name\": \"c\","
	    " \"set\": {\"strip\": false}}]}",
	    "profiles/x.json: steps[2]: changes nothing: it builds the same "
	    "variant as steps[1] (strip=none)");
	assert_refused("{\"name\": \"x\", \"shape\": \"ladder\","
	    " \"steps\": [{\"name\": \"a\"}, {\"name\": \"a\","
	    " \"set\": {\"strip\": true}}]}",
	    "profiles/x.json: steps[1].name: \"a\" is already the name of "
	    "steps[0]");
	assert_refused("{\"name\": \"x\", \"shape\": \"ladder\","
	    " \"steps\": []}",
	    "profiles/x.json: steps: must be a non-empty list of "
	    "{\"name\": ..., \"set\": {...}}");
	assert_refused("{\"name\": \"x\", \"shape\": \"axes\", \"axis\": {}}",
	    "profiles/x.json: axis: unknown key; a matrix has name, shape, "
	    "description, base, axes and exclude (axes) or steps (ladder), "
	    "post, unstable, timeout, verify and bench");
	assert_refused("{\"name\": \"x\", \"shape\": \"axes\", \"timeout\": 0,"
	    " \"axes\": {\"opt-level\": [3]}}",
	    "profiles/x.json: timeout: must be a whole number of seconds "
	    "from 1 to 604800 (a build running longer is killed)");
	assert_refused("{\"name\": \"../x\", \"shape\": \"axes\","
	    " \"axes\": {\"opt-level\": [3]}}",
	    "profiles/x.json: name: must be a string of letters, digits, "
	    "'.', '_' and '-' (at most 64)");
	assert_refused("[1, 2]", "profiles/x.json: a matrix must be a JSON "
	    "object with name, shape and axes or steps");
}
END_TEST

START_TEST(test_cap_is_counted_before_expanding)
{
	struct matrix	*m;
	char		*cause;

	/* 4 x 3 x 2 x 2 x 2 = 96 combinations against a cap of 95. */
	m = parse("{\"name\": \"grid\", \"shape\": \"axes\", \"axes\": {"
	    "\"opt-level\": [2, 3, \"s\", \"z\"],"
	    " \"lto\": [\"off\", \"thin\", \"fat\"],"
	    " \"codegen-units\": [1, 16], \"panic\": [\"unwind\", \"abort\"],"
	    " \"strip\": [\"none\", \"symbols\"]}}", 95, &cause);
	ck_assert_ptr_null(m);
	ck_assert_str_eq(cause, "profiles/x.json: axes: yields 96 builds, "
	    "over the cap of 95 (config max_builds)");
	free(cause);
	/* An exclusion can bring it under. */
	m = parse("{\"name\": \"grid\", \"shape\": \"axes\", \"axes\": {"
	    "\"opt-level\": [2, 3, \"s\", \"z\"],"
	    " \"lto\": [\"off\", \"thin\", \"fat\"],"
	    " \"codegen-units\": [1, 16], \"panic\": [\"unwind\", \"abort\"],"
	    " \"strip\": [\"none\", \"symbols\"]},"
	    " \"exclude\": [{\"opt-level\": 2, \"lto\": \"off\"}]}", 95, &cause);
	ck_assert_msg(m != NULL, "%s", cause);
	ck_assert_uint_eq(matrix_count(m), 88);
	matrix_free(m);
}
END_TEST

START_TEST(test_product_overflow_is_refused)
{
	struct buf	 b;
	struct matrix	*m;
	char		*cause;
	int		 j;

	/* 256 x 6 x 8 x 4 x 3 x 2 x 2 x 2 = 1,179,648: never expanded. */
	buf_init(&b);
	buf_addstr(&b, "{\"name\": \"huge\", \"shape\": \"axes\", \"axes\": {"
	    "\"codegen-units\": [");
	for (j = 1; j <= 256; j++)
		buf_printf(&b, "%s%d", j > 1 ? ", " : "", j);
	buf_addstr(&b, "], \"opt-level\": [0, 1, 2, 3, \"s\", \"z\"],"
	    " \"debug\": [0, 1, 2, \"none\", \"line-directives-only\","
	    " \"line-tables-only\", \"limited\", \"full\"],"
	    " \"lto\": [false, \"off\", \"thin\", \"fat\"],"
	    " \"strip\": [\"none\", \"debuginfo\", \"symbols\"],"
	    " \"panic\": [\"unwind\", \"abort\"],"
	    " \"overflow-checks\": [true, false],"
	    " \"debug-assertions\": [true, false]}}");
	m = parse(b.data, 1024, &cause);
	ck_assert_ptr_null(m);
	ck_assert_str_eq(cause, "profiles/x.json: axes: the product of the "
	    "axes has more than 1000000 combinations; the cap is 1024 builds");
	buf_free(&b);
	free(cause);
}
END_TEST

START_TEST(test_shipped_profiles_load)
{
	static const struct {
		const char	*name;
		size_t		 count;
	} want[] = { { "default", 0 }, { "size-grid", 96 },
	    { "stable-min", 6 } };
	struct matrix	*m;
	char		*cause;
	size_t		 i;

	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		ck_assert_msg(matrix_find("profiles", want[i].name, 1024, &m,
		    &cause) == 0, "%s", cause);
		if (want[i].count != 0)
			ck_assert_uint_eq(matrix_count(m), want[i].count);
		matrix_free(m);
	}
	ck_assert_int_eq(matrix_find("profiles", "no-such", 1024, &m, &cause),
	    -1);
	ck_assert_ptr_nonnull(strstr(cause, "no matrix \"no-such\""));
	ck_assert_ptr_null(strstr(cause, "did you mean"));
	free(cause);
	/* A typo of a shipped matrix's name: did you mean. */
	ck_assert_int_eq(matrix_find("profiles", "stable-mn", 1024, &m,
	    &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "did you mean \"stable-min\"?"));
	free(cause);
	ck_assert_int_eq(matrix_find("profiles", "../etc/passwd", 1024, &m,
	    &cause), -1);
	free(cause);
}
END_TEST

START_TEST(test_every_bad_value_is_reported)
{
	/* Not only the first: each bad value and key, a line each. */
	assert_refused("{\"name\": \"x\", \"shape\": \"axes\", \"axes\": "
	    "{\"lto\": [\"fatt\", true, \"thinn\"], \"opt_level\": [3]}}",
	    "profiles/x.json: axes.lto[0]: \"fatt\" is not one of false, true, "
	    "thin, fat, off\n"
	    "profiles/x.json: axes.lto[2]: \"thinn\" is not one of false, true, "
	    "thin, fat, off\n"
	    "profiles/x.json: axes.opt_level: unknown key; known keys: bin, "
	    "build-std, build-std-features, codegen-units, debug, "
	    "debug-assertions, default-features, example, features, fmt-debug, "
	    "location-detail, lto, opt-level, overflow-checks, package, panic, "
	    "profile, rustflags, strip, target, toolchain");
	assert_refused("{\"name\": \"x\", \"shape\": \"ladder\", \"steps\": "
	    "[{\"name\": \"a\", \"set\": {\"strip\": \"all\", \"panic\": "
	    "\"immediate\"}}]}",
	    "profiles/x.json: steps[0].set.strip: \"all\" is not one of true, "
	    "false, none, debuginfo, symbols\n"
	    "profiles/x.json: steps[0].set.panic: \"immediate\" is not one of "
	    "unwind, abort, immediate-abort");
}
END_TEST

Suite *
matrix_suite(void)
{
	Suite	*s = suite_create("matrix");
	TCase	*core = tcase_create("core"), *limits = tcase_create("limits");

	tcase_add_test(core, test_axes_product_and_exclude);
	tcase_add_test(core, test_post_and_bootstrap);
	tcase_add_test(core, test_axis_overrides_base);
	tcase_add_test(core, test_ladder_is_cumulative);
	tcase_add_test(core, test_shipped_profiles_load);
	tcase_add_test(limits, test_refusals_name_file_and_path);
	tcase_add_test(limits, test_every_bad_value_is_reported);
	tcase_add_test(limits, test_cap_is_counted_before_expanding);
	tcase_add_test(limits, test_product_overflow_is_refused);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return (s);
}
