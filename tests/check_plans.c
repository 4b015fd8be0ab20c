/*
 * The query plans of the store's hot queries (what the client and the
 * dashboard ask for on every page): each statement they run is explained
 * (EXPLAIN QUERY PLAN) and must reach the big tables through an index,
 * never by scanning one. A change that turns a lookup into a scan fails
 * here, whatever SQLite's version prints around it: the test reads only
 * which table a SCAN line names.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/sizematd.h"
#include "../daemon/store_private.h"
#include "../daemon/db_sqlite.h"
#include "check_sizematd.h"

/* Tables that grow with the history: never scanned by a hot query. */
static const char *const plans_large[] = {
	"builds", "runs", "artifacts", "measurements", "sections", "commits",
	"regressions", "deliveries", "bisections", NULL
};

/*
 * Index-only reads that /metrics makes on purpose: counts by state and
 * the duration histogram read a narrow index, not the table.
 */
static const char *const plans_allowed[] = {
	"USING COVERING INDEX builds_by_state",
	"USING COVERING INDEX builds_by_duration",
	"USING COVERING INDEX deliveries_by_state",
	NULL
};

static char		 dir[] = "/tmp/sizemat-check-plans-XXXXXX";
static struct store	*st;
static struct strlist	 statements;	/* every SQL text run, once */
static int		 tracing;

/* Remembers each statement the store runs while tracing. */
static int
plans_trace(unsigned int type, void *ctx, void *p, void *x)
{
	const char	*sql = sqlite3_sql(p);
	size_t		 i;

	(void)type;
	(void)ctx;
	(void)x;
	if (!tracing || sql == NULL)
		return (0);
	for (i = 0; i < statements.n; i++) {
		if (strcmp(statements.v[i], sql) == 0)
			return (0);
	}
	strlist_add(&statements, sql);
	return (0);
}

/*
 * Tells whether a SCAN line's name is a large table in sql: the table
 * itself, or an alias given to it after FROM or JOIN.
 */
static int
plans_is_large(const char *sql, const char *name)
{
	const char	*at, *const *t;
	char		 pat[128];
	size_t		 len;
	int		 k;

	for (t = plans_large; *t != NULL; t++) {
		if (strcmp(name, *t) == 0)
			return (1);
		for (k = 0; k < 2; k++) {
			len = (size_t)snprintf(pat, sizeof pat, "%s %s %s",
			    k == 0 ? "FROM" : "JOIN", *t, name);
			for (at = sql; (at = strstr(at, pat)) != NULL;
			    at += len) {
				if (!isalnum((unsigned char)at[len]) &&
				    at[len] != '_')
					return (1);
			}
		}
	}
	return (0);
}

/*
 * Tells whether a scan of name reads the newest rows first and stops at
 * a LIMIT (ORDER BY name.id DESC LIMIT, with no sort of its own): it
 * reads as many rows as asked for, not the table.
 */
static int
plans_newest_first(const char *sql, const char *name, int sorts)
{
	char	 pat[160];

	snprintf(pat, sizeof pat, "ORDER BY %s.id DESC LIMIT", name);
	return (!sorts && (strstr(sql, pat) != NULL ||
	    strstr(sql, "ORDER BY id DESC LIMIT") != NULL));
}

/*
 * Tells whether sql may look builds up by state = 'done': a "+" before
 * the column ("+b.state") tells SQLite not to.
 */
static int
plans_done_by_state(const char *sql)
{
	const char	*at, *p;

	for (at = sql; (at = strstr(at, "state = 'done'")) != NULL; at++) {
		p = at;
		if (p > sql && p[-1] == '.') {
			for (p--; p > sql && (isalnum((unsigned char)p[-1]) ||
			    p[-1] == '_'); p--)
				;
		}
		if (p == sql || p[-1] != '+')
			return (1);
	}
	return (0);
}

/*
 * Explains one statement; returns the first plan line that scans a large
 * table (allocated), or NULL when none does.
 */
static char *
plans_scan(const char *sql)
{
	sqlite3_stmt	*stmt;
	const char	*detail, *const *ok;
	char		*explain, name[128], *bad = NULL;
	struct strlist	 scans = { NULL, 0 };
	size_t		 i;
	int		 allowed, sorts = 0;

	xasprintf(&explain, "EXPLAIN QUERY PLAN %s", sql);
	ck_assert_int_eq(sqlite3_prepare_v2(db_sqlite(st->db), explain, -1, &stmt, NULL),
	    SQLITE_OK);
	free(explain);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		detail = (const char *)sqlite3_column_text(stmt, 3);
		if (detail != NULL && strstr(detail, "FOR ORDER BY") != NULL)
			sorts = 1;
		/*
		 * A search by state alone for done builds reads the whole
		 * history: a scan by another name (queued and running
		 * builds are few).
		 */
		if (detail != NULL && (strncmp(detail, "SCAN ", 5) == 0 ||
		    (strncmp(detail, "SEARCH ", 7) == 0 &&
		    strstr(detail, " (state=?)") != NULL &&
		    plans_done_by_state(sql))))
			strlist_add(&scans, detail);
	}
	sqlite3_finalize(stmt);
	for (i = 0; bad == NULL && i < scans.n; i++) {
		if (sscanf(strchr(scans.v[i], ' ') + 1, "%127[A-Za-z0-9_]",
		    name) != 1)
			continue;
		for (allowed = 0, ok = plans_allowed; *ok != NULL; ok++)
			allowed |= strstr(scans.v[i], *ok) != NULL;
		if (!allowed && plans_is_large(sql, name) &&
		    !plans_newest_first(sql, name, sorts))
			bad = xstrdup(scans.v[i]);
	}
	strlist_free(&scans);
	return (bad);
}

/* Opens a store and seeds it as the benchmark does, at a small scale. */
static void
setup(void)
{
	char	 path[256], cmd[512], *cause = NULL;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/plans.db", dir);
	st = store_open(path, &cause);
	ck_assert_msg(st != NULL, "%s", cause);
	store_close(st);
	snprintf(cmd, sizeof cmd, "python3 bench/seed-history.py %s plans 30 "
	    "6 2>/dev/null", path);
	ck_assert_int_eq(system(cmd), 0);
	st = store_open(path, &cause);
	ck_assert_msg(st != NULL, "%s", cause);
	sqlite3_trace_v2(db_sqlite(st->db), SQLITE_TRACE_STMT, plans_trace, NULL);
}

static void
teardown(void)
{
	char	 cmd[512];

	store_close(st);
	strlist_free(&statements);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Reads a text column of the seeded database. */
static char *
plans_text(const char *sql)
{
	sqlite3_stmt	*stmt;
	char		*s = NULL;

	ck_assert_int_eq(sqlite3_prepare_v2(db_sqlite(st->db), sql, -1, &stmt, NULL),
	    SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		s = xstrdup((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	ck_assert_ptr_nonnull(s);
	return (s);
}

/* Runs what every page and command asks for, on a tracked project. */
static void
plans_run_hot_queries(void)
{
	static const double	 bounds[] = { 1, 60, 600 };
	struct tracked_project	 p;
	char			*key, *head, *base, *rustc, *want;
	cJSON			*doc;
	int64_t			 id;

	key = plans_text("SELECT key FROM variants ORDER BY id LIMIT 1");
	head = plans_text("SELECT head FROM projects WHERE name = 'plans'");
	base = plans_text("SELECT parent FROM commits WHERE id = (SELECT head"
	    " FROM projects WHERE name = 'plans')");
	want = plans_text("SELECT max(b.id) FROM builds b JOIN runs r"
	    " ON r.id = b.run_id JOIN projects p ON p.id = r.project_id"
	    " WHERE p.name = 'plans' AND r.commit_id = p.head"
	    " AND b.variant_id = (SELECT min(id) FROM variants)"
	    " AND b.state = 'done'");
	rustc = plans_text("SELECT rustc_version FROM builds WHERE id = (SELECT"
	    " max(b.id) FROM builds b JOIN runs r ON r.id = b.run_id"
	    " JOIN projects p ON p.id = r.project_id WHERE p.name = 'plans'"
	    " AND r.commit_id = p.head AND b.variant_id = (SELECT min(id)"
	    " FROM variants) AND b.state = 'done')");
	tracing = 1;
	ck_assert_int_eq(store_project_find(st, "plans", &p), STORE_OK);
	cJSON_Delete(store_projects_list(st, NULL));
	cJSON_Delete(store_projects_list(st, "plans"));
	cJSON_Delete(store_project_variants(st, p.id));
	cJSON_Delete(store_deliveries(st, p.id));
	doc = store_trend(st, p.id, key, "plans", "file_size", 0, 0);
	ck_assert_int_eq(cJSON_GetArraySize(doc), 30);
	cJSON_Delete(doc);
	cJSON_Delete(store_trend(st, p.id, key, "plans", "post.strip", 0, 2));
	doc = store_compare(st, p.id, base, head, "bench.wall_ms");
	ck_assert_int_eq(cJSON_GetArraySize(doc), 6);
	cJSON_Delete(doc);
	cJSON_Delete(store_commit_json(st, p.id, head));
	cJSON_Delete(store_regressions(st, p.id));
	ck_assert_int_eq(store_best(st, "plans", 10, &doc), STORE_OK);
	cJSON_Delete(doc);
	ck_assert_int_eq(store_best(st, "/nonexistent/plans", 10, &doc),
	    STORE_OK);
	cJSON_Delete(doc);
	cJSON_Delete(store_metrics(st, bounds, 3));
	cJSON_Delete(store_runs_list(st, 20));
	ck_assert_int_eq(store_run_document(st, 1, &doc), STORE_OK);
	cJSON_Delete(doc);
	cJSON_Delete(store_status(st));
	/* What every run asks of each build once git has resolved it. */
	ck_assert_int_eq(store_build_done_with(st, p.id, head, key, rustc,
	    &id), STORE_OK);
	ck_assert_int_eq(id, atoll(want));
	ck_assert_int_eq(store_build_done_with(st, p.id, head, key,
	    "rustc 0.0.0", &id), STORE_NOT_FOUND);
	tracing = 0;
	tracked_project_clear(&p);
	free(key);
	free(head);
	free(base);
	free(want);
	free(rustc);
}

START_TEST(test_hot_queries_use_indexes)
{
	size_t	 i;
	char	*bad;
	int	 failed = 0;

	plans_run_hot_queries();
	ck_assert_int_gt(statements.n, 10);
	for (i = 0; i < statements.n; i++) {
		if ((bad = plans_scan(statements.v[i])) == NULL)
			continue;
		fprintf(stderr, "plans: \"%s\" in:\n  %s\n", bad,
		    statements.v[i]);
		free(bad);
		failed++;
	}
	ck_assert_msg(failed == 0, "%d hot statements scan a large table",
	    failed);
}
END_TEST

/* The test can fail: a query without its index is caught. */
START_TEST(test_a_scan_is_caught)
{
	char	*bad;

	bad = plans_scan("SELECT b.id FROM builds b JOIN runs r ON r.id ="
	    " b.run_id WHERE b.wall_ms > 5");
	ck_assert_ptr_nonnull(bad);
	ck_assert_ptr_nonnull(strstr(bad, "SCAN b"));
	free(bad);
	/* The latest build of each variant, as it was found before. */
	bad = plans_scan("SELECT max(b2.id) FROM builds b2 JOIN runs r2"
	    " ON r2.id = b2.run_id WHERE r2.project_id = 1"
	    " AND b2.state = 'done' GROUP BY b2.variant_id");
	ck_assert_ptr_nonnull(bad);
	ck_assert_ptr_nonnull(strstr(bad, "(state=?)"));
	free(bad);
	/* Newest first with a LIMIT reads LIMIT rows; sorted first, all. */
	ck_assert_ptr_null(plans_scan("SELECT id FROM builds WHERE id = 3"));
	ck_assert_ptr_null(plans_scan("SELECT r.id FROM runs r"
	    " ORDER BY r.id DESC LIMIT 5"));
	bad = plans_scan("SELECT r.id FROM runs r ORDER BY r.created_at,"
	    " r.id DESC LIMIT 5");
	ck_assert_ptr_nonnull(bad);
	free(bad);
}
END_TEST

Suite *
plans_suite(void)
{
	Suite	*s = suite_create("plans");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_hot_queries_use_indexes);
	tcase_add_test(tc, test_a_scan_is_caught);
	suite_add_tcase(s, tc);
	return (s);
}
