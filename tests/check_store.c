/* Unit tests for store.c: migrations and the run and build state machine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../daemon/sizematd.h"
#include "../daemon/store_private.h"
#include "../daemon/db_sqlite.h"
#include "check_sizematd.h"

static char		 dir[] = "/tmp/sizemat-check-store-XXXXXX";
static char		 path[256];
static struct store	*st;

/* Opens a store in a fresh temporary directory. */
static void
setup(void)
{
	char	*cause = NULL;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/test.db", dir);
	st = store_open(path, &cause);
	ck_assert_msg(st != NULL, "%s", cause);
}

/* Closes the store and removes its files. */
static void
teardown(void)
{
	char	 cmd[512];

	store_close(st);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Creates a run of n variants (opt-level 0..n-1) for a project. */
static int64_t
make_run(const char *project, int n)
{
	struct variant		 v[4];
	struct build_plan	 plans[4];
	struct run_plan		 run;
	char			 value[16], *cause = NULL;
	int64_t			 id;
	int			 i;

	ck_assert_int_le(n, 4);
	memset(plans, 0, sizeof plans);
	for (i = 0; i < n; i++) {
		variant_init(&v[i]);
		snprintf(value, sizeof value, "%d", i);
		variant_set(&v[i], "opt-level", value);
		plans[i].variant = &v[i];
		plans[i].step = NULL;
		xasprintf(&plans[i].target_dir, "/w/t/%d", i);
	}
	memset(&run, 0, sizeof run);
	run.project = project;
	run.matrix = "m";
	run.shape = "axes";
	run.source = "{}";
	ck_assert_msg(store_run_create(st, &run, plans, (size_t)n, &id,
	    &cause) == 0, "%s", cause);
	for (i = 0; i < n; i++) {
		free(plans[i].target_dir);
		variant_clear(&v[i]);
	}
	return (id);
}

/* Finishes build id as done with one artifact of the given size. */
static void
finish_done(int64_t id, int64_t fence, int64_t size)
{
	struct build_outcome	 o;
	struct artifact		 a;

	memset(&a, 0, sizeof a);
	a.name = xstrdup("app");
	a.kind = xstrdup("bin");
	a.path = xstrdup("/w/t/app");
	xasprintf(&a.kept_path, "/w/artifacts/%lld/app", (long long)id);
	a.file_size = size;
	artifact_add_measurement(&a, "file_size", size);
	artifact_add_measurement(&a, "section.text", size / 2);
	a.sections = xcalloc(1, sizeof *a.sections);
	a.sections[0].name = xstrdup(".text");
	a.sections[0].value = size / 2;
	a.nsections = 1;
	memset(&o, 0, sizeof o);
	o.state = "done";
	o.exit_code = 0;
	o.wall_ms = 10;
	o.cpu_ms = 20;
	o.artifacts = &a;
	o.nartifacts = 1;
	ck_assert_int_eq(store_build_finish(st, id, fence, &o), 0);
	artifact_clear(&a);
}

/* Returns the first build id of a run. */
static int64_t
first_build(int64_t run)
{
	cJSON	*doc;
	int64_t	 id;

	ck_assert_int_eq(store_run_document(st, run, &doc), STORE_OK);
	id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "builds"), 0), "id"));
	cJSON_Delete(doc);
	return (id);
}

START_TEST(test_verify_jitter)
{
	struct variant		 v;
	struct build_plan	 plan;
	struct run_plan		 run;
	struct build_outcome	 o;
	struct artifact		 a;
	char			*cause = NULL, *where, *commit;
	int64_t			 orig, again, project, jitter, fence;
	int			 differs;

	orig = make_run("/p", 1);
	ck_assert_int_eq(store_build_start(st, first_build(orig), 30, &fence),
	    0);
	finish_done(first_build(orig), fence, 1000);
	ck_assert_int_eq(store_run_origin(st, orig, &project, &where,
	    &commit), STORE_OK);
	free(where);
	free(commit);
	ck_assert_int_eq(store_variant_jitter(st, project, "opt-level=0",
	    "app", &jitter, &differs), STORE_NOT_FOUND);
	/* Built again by verify: 40 bytes more, other bytes. */
	variant_init(&v);
	variant_set(&v, "opt-level", "0");
	memset(&plan, 0, sizeof plan);
	plan.variant = &v;
	plan.target_dir = "/w/t/fresh";
	memset(&run, 0, sizeof run);
	run.project = "/p";
	run.matrix = "verify";
	run.shape = "axes";
	run.source = "{}";
	run.parent = orig;
	run.kind = "verify";
	ck_assert_msg(store_run_create(st, &run, &plan, 1, &again, &cause) ==
	    0, "%s", cause);
	variant_clear(&v);
	memset(&a, 0, sizeof a);
	a.name = xstrdup("app");
	a.kind = xstrdup("bin");
	a.path = xstrdup("/w/t/fresh/app");
	a.file_size = 1040;
	snprintf(a.sha256, sizeof a.sha256, "%064d", 7);
	memset(&o, 0, sizeof o);
	o.state = "done";
	o.artifacts = &a;
	o.nartifacts = 1;
	ck_assert_int_eq(store_build_start(st, first_build(again), 30, &fence),
	    0);
	ck_assert_int_eq(store_build_finish(st, first_build(again), fence, &o),
	    0);
	artifact_clear(&a);
	ck_assert_int_eq(store_variant_jitter(st, project, "opt-level=0",
	    "app", &jitter, &differs), STORE_OK);
	ck_assert_int_eq(jitter, 40);
	ck_assert_int_eq(differs, 1);
	/* The build's document says so too. */
	{
		cJSON	*doc;

		ck_assert_int_eq(store_run_document(st, orig, &doc), STORE_OK);
		ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(
		    cJSON_GetObjectItem(doc, "builds"), 0),
		    "nondeterministic")));
		cJSON_Delete(doc);
	}
}
END_TEST

/* Counts the builds of a run document in a state. */
static int
count_state(const cJSON *doc, const char *state)
{
	const cJSON	*b;
	int		 n = 0;

	cJSON_ArrayForEach(b, cJSON_GetObjectItem(doc, "builds")) {
		if (strcmp(cJSON_GetObjectItem(b, "state")->valuestring,
		    state) == 0)
			n++;
	}
	return (n);
}

START_TEST(test_prune_kept_copies)
{
	struct build_spec	 spec;
	struct strlist		 paths = { NULL, 0 };
	cJSON			*doc;
	int64_t			 ids[3];
	int			 i;

	/* Three runs of the same variant, then one of another project. */
	for (i = 0; i < 3; i++) {
		make_run("/src/app", 1);
		ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &spec),
		    STORE_OK);
		ids[i] = spec.id;
		finish_done(ids[i], spec.fence, 1000 + i);
		build_spec_clear(&spec);
		ck_assert_int_eq(store_prune_kept(st, ids[i], 2, &paths), 0);
		ck_assert_uint_eq(paths.n, i < 2 ? 0 : 1);
	}
	/* The oldest copy goes; the two newest stay. */
	ck_assert_str_eq(paths.v[0], "/w/artifacts/1/app");
	strlist_free(&paths);
	ck_assert_int_eq(store_build_document(st, ids[0], &doc), STORE_OK);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(doc, "artifacts"), 0), "kept_path")));
	cJSON_Delete(doc);
	ck_assert_int_eq(store_build_document(st, ids[2], &doc), STORE_OK);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(doc, "artifacts"), 0), "kept_path")->valuestring,
	    "/w/artifacts/3/app");
	cJSON_Delete(doc);
	/* Another project's copies of the same variant are its own. */
	make_run("/src/other", 1);
	ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &spec), STORE_OK);
	finish_done(spec.id, spec.fence, 5);
	ck_assert_int_eq(store_prune_kept(st, spec.id, 1, &paths), 0);
	ck_assert_uint_eq(paths.n, 0);
	build_spec_clear(&spec);
}
END_TEST

START_TEST(test_migrations_apply_once)
{
	char		*cause = NULL;
	struct store	*again;

	ck_assert_int_ge(store_schema_version(st), 1);
	again = store_open(path, &cause);
	ck_assert_msg(again != NULL, "%s", cause);
	ck_assert_int_eq(store_schema_version(again),
	    store_schema_version(st));
	store_close(again);
}
END_TEST

START_TEST(test_run_lifecycle)
{
	struct build_spec	 spec;
	cJSON			*doc, *run, *b, *a;
	int64_t			 run_id, fence;
	int			 n;

	run_id = make_run("/src/app", 2);
	ck_assert_int_eq(store_run_document(st, run_id, &doc), STORE_OK);
	run = cJSON_GetObjectItem(doc, "run");
	ck_assert_str_eq(cJSON_GetObjectItem(run, "state")->valuestring,
	    "queued");
	ck_assert_int_eq(cJSON_GetObjectItem(run, "builds_total")->valueint, 2);
	cJSON_Delete(doc);

	ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &spec), STORE_OK);
	ck_assert_str_eq(spec.variant_key, "opt-level=0");
	ck_assert_str_eq(spec.project, "/src/app");
	ck_assert_str_eq(variant_get(&spec.variant, "opt-level"), "0");
	/* Starting it twice is refused: it is no longer queued. */
	ck_assert_int_eq(store_build_start(st, spec.id, 30, &fence), -1);
	finish_done(spec.id, spec.fence, 1000);
	build_spec_clear(&spec);

	ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &spec), STORE_OK);
	ck_assert_str_eq(spec.variant_key, "opt-level=1");
	finish_done(spec.id, spec.fence, 800);
	build_spec_clear(&spec);
	ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &spec),
	    STORE_NOT_FOUND);

	ck_assert_int_eq(store_run_document(st, run_id, &doc), STORE_OK);
	run = cJSON_GetObjectItem(doc, "run");
	ck_assert_str_eq(cJSON_GetObjectItem(run, "state")->valuestring,
	    "done");
	ck_assert_int_eq(cJSON_GetObjectItem(run, "builds_done")->valueint, 2);
	b = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "builds"), 1);
	a = cJSON_GetArrayItem(cJSON_GetObjectItem(b, "artifacts"), 0);
	ck_assert_int_eq(cJSON_GetObjectItem(a, "file_size")->valueint, 800);
	ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(a,
	    "sections"), ".text")->valueint, 400);
	ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(a,
	    "measurements"), "section.text")->valueint, 400);
	n = cJSON_GetArraySize(cJSON_GetObjectItem(b, "artifacts"));
	ck_assert_int_eq(n, 1);
	cJSON_Delete(doc);

	/* The same settings in a second run are the same variant. */
	make_run("/src/app", 1);
	ck_assert_int_eq(store_best(st, "/src/app", 10, &doc), STORE_OK);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc,
	    "ranking")), 2);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(doc, "ranking"), 0), "variant_key")->valuestring,
	    "opt-level=1");
	cJSON_Delete(doc);
	ck_assert_int_eq(store_best(st, "/src/other", 10, &doc),
	    STORE_NOT_FOUND);
}
END_TEST

/* Takes the next queued build, starts it and finishes it done. */
static void
build_one(int64_t size)
{
	struct build_spec	 spec;

	ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &spec), STORE_OK);
	finish_done(spec.id, spec.fence, size);
	build_spec_clear(&spec);
}

/*
 * What a project has measured last follows its builds as they end (the
 * table "latest", kept by triggers): a newer done build replaces an older
 * one, a failed one does not.
 */
START_TEST(test_latest_follows_builds)
{
	struct build_spec	 spec;
	struct build_outcome	 o;
	const cJSON		*first;
	cJSON			*doc;

	make_run("/src/app", 2);
	build_one(1000);
	build_one(800);
	make_run("/src/app", 1);
	build_one(500);
	make_run("/src/app", 1);
	ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &spec), STORE_OK);
	memset(&o, 0, sizeof o);
	o.state = "failed";
	o.exit_code = 101;
	o.error = (char *)"cargo exited with status 101";
	ck_assert_int_eq(store_build_finish(st, spec.id, spec.fence, &o), 0);
	build_spec_clear(&spec);

	ck_assert_int_eq(store_best(st, "/src/app", 10, &doc), STORE_OK);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc,
	    "ranking")), 2);
	first = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "ranking"), 0);
	ck_assert_str_eq(cJSON_GetObjectItem(first, "variant_key")->valuestring,
	    "opt-level=0");
	ck_assert_int_eq(cJSON_GetObjectItem(first, "file_size")->valueint,
	    500);
	cJSON_Delete(doc);
}
END_TEST

/*
 * A name taken, a row not there and a failing database are three answers
 * (409, 404, 500), not one.
 */
/* A progress handler that interrupts every statement. */
static int
refuse(void *arg)
{
	(void)arg;
	return (1);
}

START_TEST(test_three_answers)
{
	struct tracked_project	 p, q;
	char			*cause = NULL;
	cJSON			*doc;

	memset(&p, 0, sizeof p);
	p.name = xstrdup("app");
	p.source = xstrdup("/src/app.git");
	p.webhooks = cJSON_CreateArray();
	ck_assert_int_eq(store_project_add(st, &p, &cause), STORE_OK);
	ck_assert_int_eq(store_project_find(st, "app", &q), STORE_OK);
	ck_assert_str_eq(q.source, "/src/app.git");
	tracked_project_clear(&q);
	ck_assert_int_eq(store_project_find(st, "nope", &q), STORE_NOT_FOUND);
	ck_assert_int_eq(store_project_add(st, &p, &cause), STORE_CONFLICT);
	ck_assert_ptr_nonnull(strstr(cause, "exists already"));
	free(cause);
	cause = NULL;
	free(p.name);
	p.name = xstrdup("other");
	/* Lookups: a missing row and a failing database are two answers. */
	ck_assert_int_eq(store_run_document(st, 4242, &doc), STORE_NOT_FOUND);
	ck_assert_int_eq(store_build_document(st, 4242, &doc), STORE_NOT_FOUND);
	ck_assert_int_eq(store_bisection_document(st, 4242, &doc),
	    STORE_NOT_FOUND);
	ck_assert_int_eq(store_export(st, "/nowhere", &doc), STORE_NOT_FOUND);
	ck_assert_int_eq(store_project_remove(st, "nope"), STORE_NOT_FOUND);
	/* Every statement interrupted: the database fails each read. */
	sqlite3_progress_handler(db_sqlite(st->db), 1, refuse, NULL);
	ck_assert_int_eq(store_run_document(st, 4242, &doc), STORE_ERROR);
	ck_assert_int_eq(store_build_document(st, 4242, &doc), STORE_ERROR);
	ck_assert_int_eq(store_bisection_document(st, 4242, &doc),
	    STORE_ERROR);
	ck_assert_int_eq(store_export(st, "app", &doc), STORE_ERROR);
	ck_assert_int_eq(store_project_remove(st, "app"), STORE_ERROR);
	ck_assert_int_eq(store_best(st, "/src/app", 10, &doc), STORE_ERROR);
	ck_assert_ptr_null(doc);
	/* Lists: no list at all rather than a short one. */
	ck_assert_ptr_null(store_runs_list(st, 10));
	ck_assert_ptr_null(store_status(st));
	ck_assert_ptr_null(store_regressions(st, 1));
	ck_assert_ptr_null(store_trend(st, 1, "opt-level=1", "app",
	    "file_size", 0, 0));
	ck_assert_ptr_null(store_projects_list(st, NULL));
	sqlite3_progress_handler(db_sqlite(st->db), 0, NULL, NULL);
	/* A database that refuses every write. */
	ck_assert_int_eq(sqlite3_exec(db_sqlite(st->db), "PRAGMA query_only = 1", NULL,
	    NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(store_project_add(st, &p, &cause), STORE_ERROR);
	ck_assert_ptr_nonnull(strstr(cause, "database:"));
	free(cause);
	tracked_project_clear(&p);
}
END_TEST

/* Says that the target dir named by arg (or every one) is in use. */
static int
busy(const char *target_dir, void *arg)
{
	return (arg == NULL || strcmp(target_dir, arg) == 0);
}

START_TEST(test_busy_target_dirs_are_skipped)
{
	struct build_spec	 spec;

	make_run("/src/app", 2);
	/* The first build's dir is in use: the second is picked. */
	ck_assert_int_eq(store_build_claim(st, busy, "/w/t/0", 30, &spec), STORE_OK);
	ck_assert_str_eq(spec.target_dir, "/w/t/1");
	build_spec_clear(&spec);
	/* Every dir in use: nothing to pick. */
	ck_assert_int_eq(store_build_claim(st, busy, NULL, 30, &spec),
	    STORE_NOT_FOUND);
}
END_TEST

START_TEST(test_requeue_and_cancel)
{
	struct build_spec	 spec;
	struct build_outcome	 o;
	cJSON			*doc;
	int64_t			 run_id, *running;
	size_t			 nrunning;
	char			*cause = NULL;
	int			 requeued;

	run_id = make_run("/src/app", 3);
	ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &spec), STORE_OK);
	/* A daemon that died here queues it again at start. */
	ck_assert_int_eq(store_requeue_running(st, STORE_REQUEUE_ALL,
	    &requeued), 0);
	ck_assert_int_eq(requeued, 1);
	build_spec_clear(&spec);
	ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &spec), STORE_OK);

	ck_assert_int_eq(store_run_cancel(st, run_id, &running, &nrunning,
	    &cause), STORE_OK);
	ck_assert_uint_eq(nrunning, 1);
	ck_assert_int_eq(running[0], spec.id);
	free(running);
	/* The build's end after the cancel does not record it as done. */
	memset(&o, 0, sizeof o);
	o.state = "failed";
	o.exit_code = -1;
	o.wall_ms = o.cpu_ms = -1;
	ck_assert_int_eq(store_build_finish(st, spec.id, spec.fence, &o), 1);
	build_spec_clear(&spec);
	ck_assert_int_eq(store_run_document(st, run_id, &doc), STORE_OK);
	ck_assert_int_eq(count_state(doc, "cancelled"), 3);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "run"),
	    "state")->valuestring, "cancelled");
	cJSON_Delete(doc);
	/* Cancelling again is a conflict; an unknown run is not there. */
	ck_assert_int_eq(store_run_cancel(st, run_id, &running, &nrunning,
	    &cause), STORE_CONFLICT);
	ck_assert_ptr_nonnull(strstr(cause, "already cancelled"));
	free(cause);
	ck_assert_int_eq(store_run_cancel(st, 999, &running, &nrunning,
	    &cause), STORE_NOT_FOUND);
	ck_assert_str_eq(cause, "no run 999");
	free(cause);
	ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &spec),
	    STORE_NOT_FOUND);
}
END_TEST

/*
 * A build whose lease expired is queued again and claimed anew under a
 * higher fence; the daemon that held it before can neither renew nor
 * record, and its late result leaves the new claim's in place.
 */
START_TEST(test_lease_fencing)
{
	struct build_spec	 old, now;
	struct build_outcome	 o;
	cJSON			*doc, *b;
	int64_t			 run_id;
	int			 requeued;

	run_id = make_run("/src/app", 1);
	/* A live lease is not taken: nothing expired, nothing queued. */
	ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &old),
	    STORE_OK);
	ck_assert_int_eq(store_requeue_running(st, STORE_REQUEUE_EXPIRED,
	    &requeued), 0);
	ck_assert_int_eq(requeued, 0);
	ck_assert_int_eq(store_lease_renew(st, old.id, old.fence, -5), 0);
	/* Now expired (renewed into the past): queued again, claimed anew. */
	ck_assert_int_eq(store_requeue_running(st, STORE_REQUEUE_EXPIRED,
	    &requeued), 0);
	ck_assert_int_eq(requeued, 1);
	ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &now),
	    STORE_OK);
	ck_assert_int_eq(now.id, old.id);
	ck_assert_int_gt(now.fence, old.fence);
	/* The stale holder may not renew, nor record its end. */
	ck_assert_int_eq(store_lease_renew(st, old.id, old.fence, 30), 1);
	memset(&o, 0, sizeof o);
	o.state = "failed";
	o.exit_code = 1;
	o.wall_ms = o.cpu_ms = -1;
	ck_assert_int_eq(store_build_finish(st, old.id, old.fence, &o), 1);
	finish_done(now.id, now.fence, 700);
	ck_assert_int_eq(store_run_document(st, run_id, &doc), STORE_OK);
	b = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "builds"), 0);
	ck_assert_str_eq(cJSON_GetObjectItem(b, "state")->valuestring, "done");
	ck_assert_int_eq(cJSON_GetObjectItem(b, "attempts")->valueint, 2);
	ck_assert_int_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(b,
	    "artifacts"), 0) != NULL, 1);
	cJSON_Delete(doc);
	build_spec_clear(&old);
	build_spec_clear(&now);
}
END_TEST

/*
 * A log longer than what the store keeps comes back as its tail, saying
 * how much was left out; a reused build serves its source's.
 */
START_TEST(test_build_log_kept)
{
	struct build_spec	 spec;
	struct buf		 b;
	FILE			*f;
	char			 log[600];
	void			*data, *back;
	size_t			 len, blen;
	int64_t			 raw, size, bsize;
	int			 i;

	snprintf(log, sizeof log, "%s/build.log", dir);
	ck_assert_ptr_nonnull(f = fopen(log, "w"));
	for (i = 0; i < LOGPACK_TAIL / 16 + 100; i++)
		fprintf(f, "line %010d\n", i);	/* 16 bytes */
	fclose(f);
	ck_assert_ptr_nonnull(data = logpack_file(log, &len, &raw, &size));
	ck_assert_int_eq(raw, LOGPACK_TAIL);
	ck_assert_int_eq(size, (LOGPACK_TAIL / 16 + 100) * 16);
	ck_assert_uint_lt(len, (size_t)raw / 4);

	make_run("/src/app", 1);
	ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &spec),
	    STORE_OK);
	ck_assert_int_eq(store_build_log_packed(st, spec.id, &back, &blen,
	    &bsize), STORE_NOT_FOUND);
	ck_assert_int_eq(store_build_log(st, spec.id, data, len, raw, size),
	    0);
	ck_assert_int_eq(store_build_log_packed(st, spec.id, &back, &blen,
	    &bsize), STORE_OK);
	ck_assert_int_eq(bsize, size);
	buf_init(&b);
	ck_assert_int_eq(logpack_unpack(back, blen, bsize, &b), 0);
	buf_add(&b, "", 1);
	ck_assert_ptr_nonnull(strstr(b.data, "[... first 1600 bytes left out"
	    " ...]\nline 0000000100\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "line 0000065635\n"));
	/* Not a packed log: refused, not read. */
	ck_assert_int_eq(logpack_unpack("junk", 4, 4, &b), -1);
	buf_free(&b);
	free(back);
	free(data);
	build_spec_clear(&spec);
}
END_TEST

/*
 * Twins (one fingerprint) claimed at once: the first whose unit graph is
 * recorded goes on, the other waits behind it; and a claim gone elsewhere
 * is told to stop there.
 */
START_TEST(test_units_twins_and_fence)
{
	struct build_spec	 a, b;
	struct build_units	 u;

	make_run("/src/app", 2);
	ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &a), STORE_OK);
	ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &b), STORE_OK);
	ck_assert_int_lt(a.id, b.id);
	memset(&u, 0, sizeof u);
	u.fingerprint = (char *)"same";
	/* Both run: the first with its unit graph goes on... */
	ck_assert_int_eq(store_build_units(st, a.id, a.fence, &u), 0);
	/* ... and the other waits behind it. */
	ck_assert_int_eq(store_build_units(st, b.id, b.fence, &u),
	    BUILDER_WAIT);
	/* A stale fence: no longer this daemon's to build. */
	ck_assert_int_eq(store_build_units(st, a.id, a.fence - 1, &u),
	    STORE_UNITS_LOST);
	build_spec_clear(&a);
	build_spec_clear(&b);
}
END_TEST

/*
 * Queues a run of one variant with setting name=value besides opt-level;
 * any: whether any compiler may build it.
 */
static void
make_variant_run(const char *name, const char *value, int any)
{
	struct variant		 v;
	struct build_plan	 plan;
	struct run_plan		 run;
	char			*cause = NULL;
	int64_t			 id;

	variant_init(&v);
	variant_set(&v, "opt-level", "0");
	if (name != NULL)
		variant_set(&v, name, value);
	memset(&plan, 0, sizeof plan);
	plan.variant = &v;
	plan.target_dir = (char *)"/w/t/caps";
	memset(&run, 0, sizeof run);
	run.project = "/src/app";
	run.matrix = "m";
	run.shape = "axes";
	run.source = "{}";
	run.any_compiler = any;
	ck_assert_msg(store_run_create(st, &run, &plan, 1, &id, &cause) == 0,
	    "%s", cause);
	variant_clear(&v);
}

/* Finishes spec's build done, as claimed through s, by rustc version. */
static void
finish_built_by(struct store *s, const struct build_spec *spec,
    const char *version)
{
	cJSON	*tc;

	tc = cJSON_CreateObject();
	cJSON_AddStringToObject(tc, "version", version);
	ck_assert_int_eq(store_build_prepared(s, spec->id, spec->fence, tc,
	    tc, tc, "/w/l"), 0);
	cJSON_Delete(tc);
	finish_done(spec->id, spec->fence, 100);
}

/*
 * Opens the store as a daemon named name, or makes st one when name is
 * "me", that builds with caps and a lease of lease_s, and has said so.
 */
static struct store *
as_daemon(const char *name, const char *caps, int lease_s)
{
	struct store	*s = st;
	char		*cause = NULL;

	if (strcmp(name, "me") != 0) {
		s = store_open(path, &cause);
		ck_assert_msg(s != NULL, "%s", cause);
	}
	store_set_worker(s, name);
	store_set_daemon(s, 1, 1, caps, lease_s);
	ck_assert_int_eq(store_daemon_seen(s), 0);
	return (s);
}

/*
 * A daemon claims what it can build; what it cannot, only when no other
 * live daemon can (it then says why it is unavailable); and a series last
 * built by another compiler only when no live daemon has that compiler or
 * its run allows any compiler.
 */
START_TEST(test_claims_follow_caps)
{
	struct build_spec	 spec;
	struct store		*other;

	as_daemon("me", ",default,default@rustc 1.96.0,", 30);
	/* No one has nightly: this daemon takes it, to say so. */
	make_variant_run("toolchain", "nightly", 0);
	ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &spec),
	    STORE_OK);
	finish_done(spec.id, spec.fence, 100);
	build_spec_clear(&spec);
	/* Another live daemon has it: its build, not this one's. */
	other = as_daemon("other", ",default,default@rustc 1.95.0,"
	    "nightly,nightly@rustc 1.97.0-nightly,", 30);
	make_variant_run("toolchain", "nightly", 0);
	ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &spec),
	    STORE_NOT_FOUND);
	ck_assert_int_eq(store_build_claim(other, NULL, NULL, 30, &spec),
	    STORE_OK);
	finish_done(spec.id, spec.fence, 100);
	build_spec_clear(&spec);
	/* opt-level=0 built by rustc 1.95.0: the series is other's. */
	make_variant_run(NULL, NULL, 0);
	ck_assert_int_eq(store_build_claim(other, NULL, NULL, 30, &spec),
	    STORE_OK);
	finish_built_by(other, &spec, "rustc 1.95.0");
	build_spec_clear(&spec);
	make_variant_run(NULL, NULL, 0);
	ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &spec),
	    STORE_NOT_FOUND);
	/* No daemon that builds has 1.95.0 now: the series goes on here. */
	store_set_daemon(other, 0, 0, "", 30);
	ck_assert_int_eq(store_daemon_seen(other), 0);
	ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &spec),
	    STORE_OK);
	finish_built_by(st, &spec, "rustc 1.96.0");
	build_spec_clear(&spec);
	/*
	 * other is back with 1.95.0: the series is this daemon's now, but
	 * a run that allows any compiler lets other build it.
	 */
	store_set_daemon(other, 1, 1, ",default,default@rustc 1.95.0,", 30);
	ck_assert_int_eq(store_daemon_seen(other), 0);
	make_variant_run(NULL, NULL, 0);
	ck_assert_int_eq(store_build_claim(other, NULL, NULL, 30, &spec),
	    STORE_NOT_FOUND);
	make_variant_run(NULL, NULL, 1);
	ck_assert_int_eq(store_build_claim(other, NULL, NULL, 30, &spec),
	    STORE_OK);
	ck_assert_int_eq(spec.run_id, 6);
	build_spec_clear(&spec);
	store_close(other);
}
END_TEST

/*
 * A daemon is alive for as long as its own lease says, whatever the
 * lease of the daemon that asks: a claim leaves it the builds only it can
 * make while it is.
 */
START_TEST(test_liveness_follows_each_lease)
{
	struct build_spec	 spec;
	struct store		*other;

	as_daemon("me", ",default,", 30);
	other = as_daemon("slow", ",default,nightly,", 300);
	/* Seen 100 s ago: past this daemon's lease, within its own. */
	ck_assert_int_eq(sqlite3_exec(db_sqlite(st->db), "UPDATE daemons SET"
	    " seen_at = seen_at - 100 WHERE name = 'slow'", NULL, NULL, NULL),
	    SQLITE_OK);
	make_variant_run("toolchain", "nightly", 0);
	ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &spec),
	    STORE_NOT_FOUND);
	/* Seen 400 s ago: gone; this daemon takes it, to say why not. */
	ck_assert_int_eq(sqlite3_exec(db_sqlite(st->db), "UPDATE daemons SET"
	    " seen_at = seen_at - 300 WHERE name = 'slow'", NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(store_build_claim(st, NULL, NULL, 30, &spec),
	    STORE_OK);
	build_spec_clear(&spec);
	store_close(other);
}
END_TEST

Suite *
store_suite(void)
{
	Suite	*s = suite_create("store");
	TCase	*core = tcase_create("core"), *limits = tcase_create("limits");

	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_checked_fixture(limits, setup, teardown);
	tcase_add_test(core, test_migrations_apply_once);
	tcase_add_test(core, test_run_lifecycle);
	tcase_add_test(core, test_lease_fencing);
	tcase_add_test(core, test_units_twins_and_fence);
	tcase_add_test(core, test_build_log_kept);
	tcase_add_test(core, test_claims_follow_caps);
	tcase_add_test(core, test_liveness_follows_each_lease);
	tcase_add_test(core, test_verify_jitter);
	tcase_add_test(core, test_latest_follows_builds);
	tcase_add_test(core, test_three_answers);
	tcase_add_test(core, test_prune_kept_copies);
	tcase_add_test(limits, test_busy_target_dirs_are_skipped);
	tcase_add_test(limits, test_requeue_and_cancel);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return (s);
}
