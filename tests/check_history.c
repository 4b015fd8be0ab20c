/*
 * Unit tests for size history: limit.c (size limits), schedule.c,
 * bisect.c (the replayed search, against a table of outcomes) and
 * variant_select.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../daemon/sizematd.h"
#include "check_sizematd.h"

START_TEST(test_limit_parse)
{
	struct size_limit	 l;
	char			*cause = NULL;

	ck_assert_int_eq(limit_parse("1%", &l, &cause), 0);
	ck_assert(l.has_percent && !l.has_bytes);
	ck_assert(l.percent == 1.0);
	ck_assert_int_eq(limit_parse("2048", &l, &cause), 0);
	ck_assert(l.has_bytes && l.bytes == 2048);
	ck_assert_int_eq(limit_parse("4KiB", &l, &cause), 0);
	ck_assert_int_eq(l.bytes, 4096);
	ck_assert_int_eq(limit_parse("1.5MiB,0.5%", &l, &cause), 0);
	ck_assert_int_eq(l.bytes, 1572864);
	ck_assert(l.has_percent && l.percent == 0.5);
	ck_assert_int_eq(limit_parse("3KB", &l, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "unknown unit \"KB\""));
	free(cause);
	ck_assert_int_eq(limit_parse("1%,2%", &l, &cause), -1);
	free(cause);
	ck_assert_int_eq(limit_parse("-1", &l, &cause), -1);
	free(cause);
	ck_assert_int_eq(limit_parse("", &l, &cause), -1);
	free(cause);
	ck_assert_int_eq(limit_parse("1,2,3", &l, &cause), -1);
	free(cause);
}
END_TEST

START_TEST(test_limit_exceeded)
{
	struct size_limit	 l;
	char			*cause;

	ck_assert_int_eq(limit_parse("1%", &l, &cause), 0);
	ck_assert(!limit_exceeded(&l, 1000, 1010));	/* exactly 1% */
	ck_assert(limit_exceeded(&l, 1000, 1011));
	ck_assert(!limit_exceeded(&l, 1000, 900));	/* shrinking */
	ck_assert_int_eq(limit_parse("100", &l, &cause), 0);
	ck_assert(!limit_exceeded(&l, 1000000, 1000100));
	ck_assert(limit_exceeded(&l, 1000000, 1000101));
	/* Both parts must be exceeded. */
	ck_assert_int_eq(limit_parse("1KiB,1%", &l, &cause), 0);
	ck_assert(!limit_exceeded(&l, 1000, 1500));	/* 50%, 500 B */
	ck_assert(!limit_exceeded(&l, 10000000, 10002000));	/* 0.02% */
	ck_assert(limit_exceeded(&l, 100000, 102000));
}
END_TEST

START_TEST(test_schedule_parse)
{
	struct schedule	 sc;
	char		*cause = NULL;

	ck_assert_int_eq(schedule_parse("every 6h", &sc, &cause), 0);
	ck_assert_int_eq(sc.kind, SCHEDULE_EVERY);
	ck_assert_int_eq(sc.every, 6 * 3600);
	ck_assert_int_eq(schedule_parse("every 90s", &sc, &cause), 0);
	ck_assert_int_eq(sc.every, 90);
	ck_assert_int_eq(schedule_parse("daily 03:30", &sc, &cause), 0);
	ck_assert_int_eq(sc.kind, SCHEDULE_CRON);
	ck_assert_int_eq(schedule_parse("*/15 1-5 * * 1,3,5", &sc, &cause),
	    0);
	ck_assert(sc.mask[0] == ((1ULL << 0) | (1ULL << 15) | (1ULL << 30) |
	    (1ULL << 45)));
	ck_assert(sc.mask[1] == 0x3eULL);
	ck_assert_int_eq(schedule_parse("daily 3:30", &sc, &cause), -1);
	free(cause);
	ck_assert_int_eq(schedule_parse("every 6 hours", &sc, &cause), -1);
	free(cause);
	ck_assert_int_eq(schedule_parse("61 * * * *", &sc, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "minute field \"61\""));
	free(cause);
	ck_assert_int_eq(schedule_parse("* * * *", &sc, &cause), -1);
	free(cause);
}
END_TEST

START_TEST(test_schedule_next)
{
	struct schedule	 sc;
	struct tm	 tm;
	time_t		 t, next;
	char		*cause;

	setenv("TZ", "UTC", 1);
	tzset();
	memset(&tm, 0, sizeof tm);
	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 10;
	tm.tm_mday = 25;	/* a Wednesday */
	tm.tm_hour = 4;
	tm.tm_min = 10;
	t = timegm(&tm);
	ck_assert_int_eq(schedule_parse("daily 03:30", &sc, &cause), 0);
	next = schedule_next(&sc, t);
	gmtime_r(&next, &tm);
	ck_assert_int_eq(tm.tm_mday, 26);
	ck_assert_int_eq(tm.tm_hour, 3);
	ck_assert_int_eq(tm.tm_min, 30);
	ck_assert_int_eq(schedule_parse("every 6h", &sc, &cause), 0);
	ck_assert_int_eq(schedule_next(&sc, t), t + 6 * 3600);
	/* Saturday at 00:00: the next weekday run is Monday. */
	ck_assert_int_eq(schedule_parse("0 0 * * 1-5", &sc, &cause), 0);
	tm.tm_mday = 28;
	tm.tm_hour = 0;
	tm.tm_min = 0;
	next = schedule_next(&sc, timegm(&tm));
	gmtime_r(&next, &tm);
	ck_assert_int_eq(tm.tm_wday, 1);
	ck_assert_int_eq(tm.tm_mday, 30);
	/* Both day fields restricted: either matches, as in cron. */
	ck_assert_int_eq(schedule_parse("0 12 1 * 0", &sc, &cause), 0);
	tm.tm_mday = 25;
	next = schedule_next(&sc, timegm(&tm));
	gmtime_r(&next, &tm);
	ck_assert_int_eq(tm.tm_mday, 29);	/* a Sunday before the 1st */
}
END_TEST

/* A history for the bisection: sizes, 0 for a commit that does not build. */
struct table {
	const int64_t	*size;
	int		 built[64];
	int		 builds;
};

static enum commit_outcome
table_look(size_t i, int64_t *size, void *arg)
{
	struct table	*t = arg;

	if (!t->built[i])
		return (OUTCOME_NONE);
	*size = t->size[i];
	return (t->size[i] == 0 ? OUTCOME_FAILED : OUTCOME_DONE);
}

/* Runs a bisection to its end, building what it asks for. */
static void
table_bisect(struct table *t, size_t n, const char *limit,
    struct bisect_step *s)
{
	struct size_limit	 lim;
	char			*cause;

	ck_assert_int_eq(limit_parse(limit, &lim, &cause), 0);
	for (;;) {
		ck_assert_int_eq(bisect_replay(n, &lim, table_look, t, s), 0);
		if (s->what != BISECT_BUILD)
			return;
		ck_assert_msg(!t->built[s->index], "asked twice for %zu",
		    s->index);
		t->built[s->index] = 1;
		t->builds++;
		bisect_step_clear(s);
	}
}

START_TEST(test_bisect_finds_the_jump)
{
	static const int64_t sizes[] = { 1000, 1001, 1002, 1003, 1500, 1501,
	    1502, 1503, 1504, 1505, 1506, 1507, 1508, 1509, 1510, 1511 };
	struct table		 t;
	struct bisect_step	 s;
	size_t			 n = sizeof sizes / sizeof sizes[0];

	memset(&t, 0, sizeof t);
	t.size = sizes;
	table_bisect(&t, n, "1%", &s);
	ck_assert_int_eq(s.what, BISECT_FOUND);
	ck_assert_uint_eq(s.index, 4);
	ck_assert_uint_eq(s.base, 3);
	ck_assert_int_eq(s.base_size, 1003);
	ck_assert_int_eq(s.size, 1500);
	ck_assert_int_le(t.builds, (int)ceil(log2((double)n)) + 2);
	bisect_step_clear(&s);
}
END_TEST

START_TEST(test_bisect_skips_broken)
{
	/* The midpoint does not build: a neighbour is tried instead. */
	static const int64_t sizes[] = { 1000, 1000, 1000, 0, 1000, 2000,
	    2000, 2000 };
	struct table		 t;
	struct bisect_step	 s;

	memset(&t, 0, sizeof t);
	t.size = sizes;
	table_bisect(&t, 8, "1%", &s);
	ck_assert_int_eq(s.what, BISECT_FOUND);
	ck_assert_uint_eq(s.index, 5);
	ck_assert(t.built[3]);
	ck_assert_int_le(t.builds, 3 + 2);
	bisect_step_clear(&s);
}
END_TEST

START_TEST(test_bisect_broken_parent)
{
	/* The culprit's parent does not build: both are reported. */
	static const int64_t sizes[] = { 1000, 1000, 0, 2000, 2000 };
	struct table		 t;
	struct bisect_step	 s;

	memset(&t, 0, sizeof t);
	t.size = sizes;
	table_bisect(&t, 5, "1%", &s);
	ck_assert_int_eq(s.what, BISECT_FOUND);
	ck_assert_uint_eq(s.index, 3);
	ck_assert_uint_eq(s.base, 1);
	ck_assert_uint_eq(s.nskipped, 1);
	ck_assert(s.skipped[2]);
	bisect_step_clear(&s);
}
END_TEST

START_TEST(test_bisect_no_culprit)
{
	static const int64_t flat[] = { 1000, 1001, 1000, 1002, 1003 };
	static const int64_t creep[] = { 1000, 1008, 1016, 1024, 1032 };
	static const int64_t good_broken[] = { 0, 1000, 2000 };
	struct table		 t;
	struct bisect_step	 s;

	memset(&t, 0, sizeof t);
	t.size = flat;
	table_bisect(&t, 5, "1%", &s);
	ck_assert_int_eq(s.what, BISECT_NONE);
	ck_assert_ptr_nonnull(strstr(s.message, "not over the threshold"));
	bisect_step_clear(&s);

	/* Each step under 1%, the whole over it: no single culprit. */
	memset(&t, 0, sizeof t);
	t.size = creep;
	table_bisect(&t, 5, "1%", &s);
	ck_assert_int_eq(s.what, BISECT_NONE);
	ck_assert_ptr_nonnull(strstr(s.message, "crept"));
	bisect_step_clear(&s);

	memset(&t, 0, sizeof t);
	t.size = good_broken;
	table_bisect(&t, 3, "1%", &s);
	ck_assert_int_eq(s.what, BISECT_ERROR);
	ck_assert_ptr_nonnull(strstr(s.message, "good commit does not"));
	bisect_step_clear(&s);
}
END_TEST

START_TEST(test_bisect_bound)
{
	static int64_t	 sizes[64];
	struct table	 t;
	struct bisect_step s;
	size_t		 n, jump, i;

	/* Every jump position in every length up to 64 commits. */
	for (n = 2; n <= 64; n++) {
		for (jump = 1; jump < n; jump++) {
			for (i = 0; i < n; i++)
				sizes[i] = i < jump ? 1000 : 5000;
			memset(&t, 0, sizeof t);
			t.size = sizes;
			table_bisect(&t, n, "1%", &s);
			ck_assert_int_eq(s.what, BISECT_FOUND);
			ck_assert_uint_eq(s.index, jump);
			ck_assert_int_le(t.builds,
			    (int)ceil(log2((double)n)) + 2);
			bisect_step_clear(&s);
		}
	}
}
END_TEST

START_TEST(test_variant_select)
{
	static const char *const keys[] = { "opt-level=s,strip=none",
	    "opt-level=s,strip=symbols", "opt-level=z,strip=symbols" };
	static const char *const steps[] = { NULL, "stripped", NULL };
	size_t	 at;
	char	*cause;

	ck_assert_int_eq(variant_select("opt-level=z,strip=symbols", keys,
	    steps, 3, &at, &cause), 0);
	ck_assert_uint_eq(at, 2);
	ck_assert_int_eq(variant_select("stripped", keys, steps, 3, &at,
	    &cause), 0);
	ck_assert_uint_eq(at, 1);
	ck_assert_int_eq(variant_select("strip=none", keys, steps, 3, &at,
	    &cause), 0);
	ck_assert_uint_eq(at, 0);
	ck_assert_int_eq(variant_select("opt-level=z", keys, steps, 3, &at,
	    &cause), 0);
	ck_assert_uint_eq(at, 2);
	ck_assert_int_eq(variant_select("strip=symbols", keys, steps, 3, &at,
	    &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "more than one"));
	ck_assert_ptr_nonnull(strstr(cause, "opt-level=s,strip=symbols "
	    "(step stripped)"));
	free(cause);
	ck_assert_int_eq(variant_select("lto=fat", keys, steps, 3, &at,
	    &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "matches none"));
	free(cause);
	ck_assert_int_eq(variant_select("nonsense", keys, steps, 3, &at,
	    &cause), -1);
	free(cause);
}
END_TEST

/* The root package's name in a Cargo.toml, as the tracker reads it. */
START_TEST(test_manifest_package)
{
	static const struct {
		const char	*toml;
		const char	*want;
	} cases[] = {
		{ "[package]\nname = \"hexyl\"\nversion = \"0.8.0\"\n",
		  "hexyl" },
		{ "# a comment\n[package]\nversion = \"1\"\n  name='lit'\n",
		  "lit" },
		{ "[workspace]\nmembers = [\"a\"]\n[package]\nname=\"root\"",
		  "root" },
		/* A virtual workspace, and names of other tables. */
		{ "[workspace]\nmembers = [\"a\", \"b\"]\n", NULL },
		{ "[[bin]]\nname = \"tool\"\n[package]\nedition = \"2021\"\n",
		  NULL },
		{ "[package.metadata.x]\nname = \"no\"\n", NULL },
		{ "[package]\nnamespace = \"no\"\n", NULL },
		{ "[package]\nname = \"unterminated\n", NULL },
		{ "", NULL },
	};
	size_t	 i;
	char	*got;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		got = track_manifest_package(cases[i].toml);
		if (cases[i].want == NULL)
			ck_assert_msg(got == NULL, "case %zu: got %s", i, got);
		else
			ck_assert_msg(got != NULL && strcmp(got,
			    cases[i].want) == 0, "case %zu: got %s", i,
			    got ? got : "NULL");
		free(got);
	}
}
END_TEST

Suite *
history_suite(void)
{
	Suite	*s = suite_create("history");
	TCase	*core = tcase_create("core");

	tcase_add_test(core, test_limit_parse);
	tcase_add_test(core, test_limit_exceeded);
	tcase_add_test(core, test_schedule_parse);
	tcase_add_test(core, test_schedule_next);
	tcase_add_test(core, test_bisect_finds_the_jump);
	tcase_add_test(core, test_bisect_skips_broken);
	tcase_add_test(core, test_bisect_broken_parent);
	tcase_add_test(core, test_bisect_no_culprit);
	tcase_add_test(core, test_bisect_bound);
	tcase_add_test(core, test_variant_select);
	tcase_add_test(core, test_manifest_package);
	suite_add_tcase(s, core);
	return (s);
}
