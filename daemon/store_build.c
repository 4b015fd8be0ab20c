/*
 * Builds in the store: the queue's next build and the state machine's
 * writes (started, prepared, finished, reused), artifacts and their
 * units, logs and target directories.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sizematd.h"
#include "store_private.h"

/*
 * The builds whose logs are older than the newest keep (?1), each log
 * once (a reused result shares its build's), made by this daemon when
 * others share the store (?2; NULL: any), whose files are its own.
 */
#define STORE_OLD_LOG \
	" log_path IS NOT NULL AND reused_from IS NULL AND id <=" \
	" (SELECT max(id) FROM builds) - ?1 AND state NOT IN ('queued'," \
	" 'running') AND (?2 IS NULL OR worker = ?2)"

/*
 * Forgets the logs of builds older than the newest keep, in the store's
 * copies too, and adds their paths to paths for deleting.
 */
int
store_prune_logs(struct store *st, int keep, struct strlist *paths)
{
	static const char *const forget[] = {
		"DELETE FROM build_logs WHERE build_id IN (SELECT id FROM"
		" builds WHERE" STORE_OLD_LOG ")",
		"UPDATE builds SET log_path = NULL WHERE log_path IN"
		" (SELECT log_path FROM builds WHERE" STORE_OLD_LOG ")",
	};
	struct db_stmt	*stmt;
	size_t		 i;
	int		 rc;

	if (store_begin(st) != 0)
		return (-1);
	stmt = store_prepare(st, "SELECT DISTINCT log_path FROM builds"
	    " WHERE" STORE_OLD_LOG);
	db_bind_int(stmt, 1, keep);
	store_bind_text(stmt, 2, store_shared(st) ? st->worker : NULL);
	while ((rc = db_step(stmt)) == DB_ROW)
		strlist_add(paths, db_column_text(stmt, 0));
	/* Every path read, or none forgotten: a log is never orphaned. */
	if (store_rows_done(st, stmt, rc) != 0)
		goto rollback;
	for (i = 0; i < sizeof forget / sizeof forget[0]; i++) {
		stmt = store_prepare(st, forget[i]);
		db_bind_int(stmt, 1, keep);
		store_bind_text(stmt, 2, store_shared(st) ? st->worker : NULL);
		if (store_step_done(st, stmt) != 0)
			goto rollback;
	}
	if (store_exec(st, "COMMIT") != 0)
		goto rollback;
	return (0);
rollback:
	store_exec(st, "ROLLBACK");
	strlist_free(paths);
	return (-1);
}

/*
 * The running builds whose daemon is gone, by how (?1, enum
 * store_requeue): every running build, or those whose lease expired, and
 * at a start those its name ran before.
 */
#define STORE_LOST \
	" b.state = 'running' AND (?1 = 2 OR b.lease_until IS NULL OR" \
	" b.lease_until < ?2 OR (?1 = 1 AND b.worker = ?3))"

/*
 * Queues again the running builds whose daemon is gone (see STORE_LOST;
 * STORE_REQUEUE_ALL when the store has no other daemon, at its start):
 * what they may have half recorded is removed in the same transaction,
 * and their next start counts another attempt. Their count in count.
 */
int
store_requeue_running(struct store *st, enum store_requeue how, int *count)
{
	static const char *const sql[] = {
		"DELETE FROM measurements WHERE artifact_id IN (SELECT a.id"
		" FROM artifacts a JOIN builds b ON a.build_id = b.id WHERE"
		STORE_LOST ")",
		"DELETE FROM symbol_tables WHERE artifact_id IN (SELECT a.id"
		" FROM artifacts a JOIN builds b ON a.build_id = b.id WHERE"
		STORE_LOST ")",
		"DELETE FROM sections WHERE artifact_id IN (SELECT a.id"
		" FROM artifacts a JOIN builds b ON a.build_id = b.id WHERE"
		STORE_LOST ")",
		"DELETE FROM artifacts WHERE build_id IN (SELECT b.id"
		" FROM builds b WHERE" STORE_LOST ")",
		"UPDATE builds SET state = 'queued', started_at = NULL,"
		" lease_until = NULL WHERE id IN (SELECT b.id FROM builds b"
		" WHERE" STORE_LOST ")",
	};
	struct db_stmt	*stmt;
	size_t		 i;

	*count = 0;
	if (store_begin(st) != 0)
		return (-1);
	for (i = 0; i < sizeof sql / sizeof sql[0]; i++) {
		stmt = store_prepare(st, sql[i]);
		db_bind_int(stmt, 1, how);
		db_bind_int(stmt, 2, store_now(st));
		store_bind_text(stmt, 3, st->worker);
		if (store_step_done(st, stmt) != 0)
			goto rollback;
	}
	*count = db_changes(st->db);
	if (store_bench_requeue(st, how) != 0)
		goto rollback;
	/* The store's only daemon: no other is alive. */
	if (how == STORE_REQUEUE_ALL) {
		stmt = store_prepare(st, "DELETE FROM daemons"
		    " WHERE name IS DISTINCT FROM ?1");
		store_bind_text(stmt, 1, st->worker);
		if (store_step_done(st, stmt) != 0)
			goto rollback;
	}
	if (store_exec(st, "COMMIT") != 0)
		goto rollback;
	return (0);
rollback:
	store_exec(st, "ROLLBACK");
	return (-1);
}

/* Frees what a build spec holds. */
void
build_spec_clear(struct build_spec *b)
{
	free(b->project);
	free(b->commit);
	free(b->mirror);
	free(b->source);
	free(b->variant_key);
	free(b->target_dir);
	free(b->step);
	free(b->post);
	variant_clear(&b->variant);
	memset(b, 0, sizeof *b);
}

/*
 * Whether build o stands for build b: the same fingerprint (every unit's
 * profile, the toolchain, the post steps), in b's run, or in another
 * unforced run of the project that builds the same commit, or, for a
 * path project, that started after b's run was asked for (in a later
 * second: so it built sources at least as new).
 */
#define STORE_TWIN(o, b) \
	" " o ".fingerprint = " b ".fingerprint AND " o ".id <> " b ".id" \
	" AND (" o ".run_id = " b ".run_id OR EXISTS (SELECT 1 FROM runs ro," \
	" runs rb WHERE ro.id = " o ".run_id AND rb.id = " b ".run_id" \
	" AND ro.project_id = rb.project_id AND rb.force = 0 AND" \
	" (ro.commit_id = rb.commit_id OR (ro.commit_id IS NULL AND" \
	" rb.commit_id IS NULL AND " o ".started_at > rb.created_at))))"

/* The toolchain a build's variant names ("default" when none). */
#define STORE_TC \
	"coalesce(json_extract(v.settings, '$.toolchain'), 'default')"

/*
 * Whether caps (see toolchains_caps) can build variant v: its toolchain,
 * the standard library's source for build-std, its target's library.
 */
#define STORE_CAN(caps) \
	"(instr(" caps ", ',' || " STORE_TC " || ',') > 0" \
	" AND (json_extract(v.settings, '$.build-std') IS NULL OR" \
	" instr(" caps ", ',' || " STORE_TC " || '/src,') > 0)" \
	" AND (json_extract(v.settings, '$.target') IS NULL OR" \
	" json_extract(v.settings, '$.build-std') IS NOT NULL OR" \
	" instr(" caps ", ',' || " STORE_TC " || '/' ||" \
	" json_extract(v.settings, '$.target') || ',') > 0 OR" \
	" instr(" caps ", ',' || " STORE_TC " || '/any,') > 0))"

/*
 * Which queued builds this daemon takes, by what it can build (?1, its
 * caps; NULL: anything): those it can build, and those no other daemon
 * alive at ?2 (seen within its lease) that builds can (this one then
 * says why they are
 * unavailable); and, unless its run allows any compiler, not a build of
 * a series (a project's variant) last built by another compiler version
 * than this daemon's while another daemon has that version.
 */
#define STORE_CAPABLE \
	" AND (?1 IS NULL OR ((" STORE_CAN("?1") " OR NOT EXISTS (SELECT 1" \
	" FROM daemons w WHERE w.seen_at + w.lease >= ?2 AND w.name <> ?3" \
	" AND w.jobs > 0 AND " STORE_CAN("w.caps") "))" \
	" AND (r.any_compiler = 1 OR NOT EXISTS (SELECT 1 FROM latest l" \
	" JOIN builds lb ON lb.id = l.build_id WHERE l.project_id =" \
	" r.project_id AND l.variant_id = b.variant_id AND" \
	" lb.rustc_version IS NOT NULL AND" \
	" instr(?1, ',' || " STORE_TC " || '@' || lb.rustc_version || ',')" \
	" = 0 AND EXISTS (SELECT 1 FROM daemons w WHERE" \
	" w.seen_at + w.lease >= ?2 AND w.name <> ?3 AND w.jobs > 0 AND" \
	" instr(w.caps, ',' || " \
	STORE_TC " || '@' || lb.rustc_version || ',') > 0)))))"

/*
 * The queued builds ready to run, oldest run first and the longest
 * expected first within it: not behind a running twin, nor a running
 * build of the same target dir (on any daemon), and this daemon's to
 * take (STORE_CAPABLE).
 */
#define STORE_CANDIDATES \
	"SELECT b.id, b.run_id, p.path, v.key, v.settings, b.target_dir," \
	" b.step, b.bootstrap, b.post, r.commit_id, p.mirror, c.time," \
	" r.lock_hash, r.timeout_s, p.source" \
	" FROM builds b" \
	" JOIN runs r ON r.id = b.run_id" \
	" JOIN projects p ON p.id = r.project_id" \
	" JOIN variants v ON v.id = b.variant_id" \
	" LEFT JOIN commits c ON c.project_id = r.project_id" \
	" AND c.id = r.commit_id" \
	" WHERE b.state = 'queued' AND r.prepared = 1" \
	" AND NOT (b.fingerprint IS NOT NULL AND EXISTS (SELECT 1" \
	"  FROM builds s WHERE s.state = 'running' AND" \
	STORE_TWIN("s", "b") "))" \
	" AND NOT EXISTS (SELECT 1 FROM builds d WHERE d.target_dir =" \
	" b.target_dir AND d.state = 'running')" STORE_CAPABLE \
	" ORDER BY b.run_id, coalesce(b.expected_ms, 0) DESC, b.seq"

/* How many candidates one claim locks and looks at. */
#define STORE_CLAIM_WINDOW	"32"

/*
 * Picks, inside the claim's transaction, the first candidate whose target
 * dir busy() does not refuse: STORE_OK with out filled, STORE_NOT_FOUND
 * when there is none. On PostgreSQL the candidates are locked, and those
 * another daemon is claiming are skipped rather than waited for.
 */
static enum store_result
store_build_pick(struct store *st, int (*busy)(const char *, void *),
    void *arg, struct build_spec *out)
{
	struct db_stmt	*stmt;
	const char	*dir, *settings;
	cJSON		*o;
	char		*cause;
	int		 rc;
	enum store_result found = STORE_NOT_FOUND;

	memset(out, 0, sizeof *out);
	stmt = store_prepare_dialect(st,
	    STORE_CANDIDATES " LIMIT " STORE_CLAIM_WINDOW,
	    STORE_CANDIDATES " LIMIT " STORE_CLAIM_WINDOW
	    " FOR UPDATE OF b SKIP LOCKED");
	store_bind_text(stmt, 1, st->caps);
	db_bind_int(stmt, 2, store_now(st));
	store_bind_text(stmt, 3, st->worker);
	while ((rc = db_step(stmt)) == DB_ROW) {
		dir = db_column_text(stmt, 5);
		if (busy != NULL && busy(dir, arg))
			continue;
		settings = db_column_text(stmt, 4);
		o = cJSON_Parse(settings);
		if (variant_from_json(&out->variant, o, &cause) != 0) {
			log_warnx("build %lld: %s", (long long)
			    db_column_int(stmt, 0), cause);
			free(cause);
			cJSON_Delete(o);
			continue;
		}
		cJSON_Delete(o);
		out->id = db_column_int(stmt, 0);
		out->run_id = db_column_int(stmt, 1);
		out->project = store_column_dup(stmt, 2);
		out->variant_key = store_column_dup(stmt, 3);
		out->target_dir = store_column_dup(stmt, 5);
		out->step = store_column_dup(stmt, 6);
		out->bootstrap = db_column_int(stmt, 7);
		out->post = store_column_dup(stmt, 8);
		out->timeout_s = db_column_int(stmt, 13);
		out->commit = store_column_dup(stmt, 9);
		if (out->commit != NULL) {
			out->mirror = store_column_dup(stmt, 10);
			out->source = store_column_dup(stmt, 14);
			out->commit_time = db_column_int(stmt, 11);
			out->locked = !db_column_is_null(stmt, 12);
		}
		found = STORE_OK;
		break;
	}
	if (rc != DB_ROW && rc != DB_DONE)
		found = store_found(st, rc);
	db_finalize(stmt);
	return (found);
}

/*
 * Marks a queued build running under this daemon's name, with a lease of
 * lease_s seconds and a new fence (in fence), and its run too; inside a
 * transaction. 0, or -1 when the build was not queued.
 */
static int
store_build_mark(struct store *st, int64_t id, int lease_s, int64_t *fence)
{
	struct db_stmt	*stmt;
	int64_t		 now = store_now(st);

	stmt = store_prepare(st, "UPDATE builds SET state = 'running',"
	    " started_at = ?2, attempts = attempts + 1, error = NULL,"
	    " exit_code = NULL, worker = ?3, lease_until = ?4,"
	    " fence = fence + 1 WHERE id = ?1 AND state = 'queued'"
	    " RETURNING fence");
	db_bind_int(stmt, 1, id);
	db_bind_int(stmt, 2, now);
	store_bind_text(stmt, 3, st->worker);
	db_bind_int(stmt, 4, now + lease_s);
	if (db_step(stmt) != DB_ROW) {
		db_finalize(stmt);
		return (-1);
	}
	*fence = db_column_int(stmt, 0);
	db_finalize(stmt);
	stmt = store_prepare(st, "UPDATE runs SET state = 'running',"
	    " started_at = coalesce(started_at, ?2) WHERE id ="
	    " (SELECT run_id FROM builds WHERE id = ?1) AND state = 'queued'");
	db_bind_int(stmt, 1, id);
	db_bind_int(stmt, 2, (int64_t)now);
	return (store_step_done(st, stmt));
}

/*
 * Claims the next build to run (see store_build_pick) in one transaction:
 * it is running under this daemon's name with a lease of lease_s seconds,
 * its fence in out->fence. STORE_OK, STORE_NOT_FOUND, or STORE_ERROR.
 */
enum store_result
store_build_claim(struct store *st, int (*busy)(const char *, void *),
    void *arg, int lease_s, struct build_spec *out)
{
	enum store_result	 rc;

	if (store_begin(st) != 0)
		return (STORE_ERROR);
	rc = store_build_pick(st, busy, arg, out);
	if (rc == STORE_OK &&
	    store_build_mark(st, out->id, lease_s, &out->fence) != 0)
		rc = STORE_ERROR;
	if (rc == STORE_OK && store_exec(st, "COMMIT") == 0)
		return (STORE_OK);
	store_exec(st, "ROLLBACK");
	if (rc == STORE_OK)
		rc = STORE_ERROR;
	if (rc == STORE_ERROR)
		log_warnx("store: cannot claim a build: %s", db_errmsg(st->db));
	build_spec_clear(out);
	return (rc);
}

/* Starts queued build id, as a claim of it would; 0 or -1. */
int
store_build_start(struct store *st, int64_t id, int lease_s, int64_t *fence)
{
	if (store_begin(st) != 0)
		return (-1);
	if (store_build_mark(st, id, lease_s, fence) != 0 ||
	    store_exec(st, "COMMIT") != 0) {
		store_exec(st, "ROLLBACK");
		return (-1);
	}
	return (0);
}

/*
 * Extends the lease of a build this daemon runs under fence by lease_s
 * seconds from now: 0, 1 when the build is no longer its to run (its lease
 * expired and it was queued again, or it was cancelled), -1 on error.
 */
int
store_lease_renew(struct store *st, int64_t id, int64_t fence, int lease_s)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "UPDATE builds SET lease_until = ?3"
	    " WHERE id = ?1 AND fence = ?2 AND state = 'running'");
	db_bind_int(stmt, 1, id);
	db_bind_int(stmt, 2, fence);
	db_bind_int(stmt, 3, store_now(st) + lease_s);
	if (store_step_done(st, stmt) != 0)
		return (-1);
	return (db_changes(st->db) == 1 ? 0 : 1);
}

/*
 * Records what a build is about to run: env, cargo args, the toolchain's
 * identity, the log.
 */
int
store_build_prepared(struct store *st, int64_t id, int64_t fence,
    const cJSON *env, const cJSON *args, const cJSON *toolchain,
    const char *log_path)
{
	struct db_stmt	*stmt;
	const cJSON	*version;
	char		*e, *a, *t;
	int		 rc;

	e = cJSON_PrintUnformatted(env);
	a = cJSON_PrintUnformatted(args);
	t = cJSON_PrintUnformatted(toolchain);
	version = cJSON_GetObjectItemCaseSensitive(toolchain, "version");
	stmt = store_prepare(st, "UPDATE builds SET env = ?2, cargo_args = ?3,"
	    " rustc_version = ?4, log_path = ?5, toolchain = ?6 WHERE id = ?1"
	    " AND state = 'running' AND fence = ?7");
	db_bind_int(stmt, 1, id);
	db_bind_int(stmt, 7, fence);
	store_bind_text(stmt, 2, e);
	store_bind_text(stmt, 3, a);
	store_bind_text(stmt, 4, cJSON_IsString(version) ?
	    version->valuestring : NULL);
	store_bind_text(stmt, 5, log_path);
	store_bind_text(stmt, 6, t);
	rc = store_step_done(st, stmt);
	if (rc == 0 && db_changes(st->db) != 1)
		rc = -1;
	cJSON_free(e);
	cJSON_free(a);
	cJSON_free(t);
	return (rc);
}

/* The sha256 of an artifact's section's bytes, or NULL when not known. */
static const char *
store_section_sha256(const struct artifact *a, const char *name)
{
	size_t	 i;

	for (i = 0; i < a->ndigests; i++) {
		if (strcmp(a->digests[i].name, name) == 0)
			return (a->digests[i].sha256);
	}
	return (NULL);
}

/* Inserts one artifact with its sections and measurements. */
static int
store_artifact_insert(struct store *st, int64_t build_id,
    const struct artifact *a)
{
	struct db_stmt	*stmt;
	int64_t		 id;
	size_t		 i;

	stmt = store_prepare(st, "INSERT INTO artifacts (build_id, name, kind,"
	    " path, file_size, kept_path, sha256) VALUES (?1, ?2, ?3, ?4, ?5,"
	    " ?6, ?7)");
	db_bind_int(stmt, 1, build_id);
	store_bind_text(stmt, 2, a->name);
	store_bind_text(stmt, 3, a->kind);
	store_bind_text(stmt, 4, a->path);
	db_bind_int(stmt, 5, a->file_size);
	store_bind_text(stmt, 6, a->kept_path);
	store_bind_text(stmt, 7, a->sha256[0] ? a->sha256 : NULL);
	if (store_step_done(st, stmt) != 0)
		return (-1);
	id = db_last_id(st->db);
	if (a->symtab != NULL) {
		stmt = store_prepare(st, "INSERT INTO symbol_tables (artifact_id,"
		    " covered, symbols, raw_bytes, data) VALUES (?1, ?2, ?3,"
		    " ?4, ?5)");
		db_bind_int(stmt, 1, id);
		db_bind_int(stmt, 2, a->symtab_covered);
		db_bind_int(stmt, 3, (int64_t)a->symtab_rows);
		db_bind_int(stmt, 4, (int64_t)a->symtab_raw);
		db_bind_blob(stmt, 5, a->symtab, a->symtab_len);
		if (store_step_done(st, stmt) != 0)
			return (-1);
	}
	for (i = 0; i < a->nsections; i++) {
		stmt = store_prepare(st, "INSERT INTO sections (artifact_id,"
		    " name, size, sha256) VALUES (?1, ?2, ?3, ?4)");
		db_bind_int(stmt, 1, id);
		store_bind_text(stmt, 2, a->sections[i].name);
		db_bind_int(stmt, 3, a->sections[i].value);
		store_bind_text(stmt, 4, store_section_sha256(a,
		    a->sections[i].name));
		if (store_step_done(st, stmt) != 0)
			return (-1);
	}
	for (i = 0; i < a->nmeasurements; i++) {
		stmt = store_prepare(st, "INSERT INTO measurements (artifact_id,"
		    " name, value) VALUES (?1, ?2, ?3)");
		db_bind_int(stmt, 1, id);
		store_bind_text(stmt, 2, a->measurements[i].name);
		db_bind_int(stmt, 3, a->measurements[i].value);
		if (store_step_done(st, stmt) != 0)
			return (-1);
	}
	return (0);
}

/*
 * Records the end of a running build and its artifacts in one transaction,
 * if this daemon still holds its fence: 0. A build that is no longer its
 * own (cancelled meanwhile, or queued again once its lease expired) keeps
 * its state: 1. -1 on error.
 */
int
store_build_finish(struct store *st, int64_t id, int64_t fence,
    const struct build_outcome *o)
{
	struct db_stmt	*stmt;
	size_t		 i;
	int		 ours;

	if (store_begin(st) != 0)
		return (-1);
	stmt = store_prepare(st, "UPDATE builds SET state = ?2, error = ?3,"
	    " exit_code = ?4, wall_ms = ?5, cpu_ms = ?6, finished_at = ?7,"
	    " notes = ?8 WHERE id = ?1 AND state = 'running' AND fence = ?9");
	db_bind_int(stmt, 1, id);
	db_bind_int(stmt, 9, fence);
	store_bind_text(stmt, 2, o->state);
	store_bind_text(stmt, 3, o->error);
	if (o->exit_code >= 0)
		db_bind_int(stmt, 4, o->exit_code);
	else
		db_bind_null(stmt, 4);
	if (o->wall_ms >= 0)
		db_bind_int(stmt, 5, o->wall_ms);
	else
		db_bind_null(stmt, 5);
	if (o->cpu_ms >= 0)
		db_bind_int(stmt, 6, o->cpu_ms);
	else
		db_bind_null(stmt, 6);
	db_bind_int(stmt, 7, (int64_t)time(NULL));
	store_bind_text(stmt, 8, o->notes);
	if (store_step_done(st, stmt) != 0)
		goto rollback;
	if ((ours = db_changes(st->db) == 1)) {
		for (i = 0; i < o->nartifacts; i++) {
			if (store_artifact_insert(st, id, &o->artifacts[i]) != 0)
				goto rollback;
		}
		if (store_bench_add(st, id, 0) != 0)
			goto rollback;
	}
	if (store_run_settle(st, id) != 0 || store_exec(st, "COMMIT") != 0)
		goto rollback;
	return (ours ? 0 : 1);
rollback:
	log_warnx("store: build %lld: %s", (long long)id,
	    db_errmsg(st->db));
	store_exec(st, "ROLLBACK");
	return (-1);
}

/* Returns the artifacts of a build with sections and measurements. */
cJSON *
store_build_artifacts(struct store *st, int64_t build_id)
{
	/* The artifact's id comes last, after the columns shown. */
	static const struct store_column columns[] = {
		{ "name", STORE_TEXT }, { "kind", STORE_TEXT },
		{ "path", STORE_TEXT }, { "file_size", STORE_INT },
		{ "kept_path", STORE_TEXT }, { "sha256", STORE_TEXT },
		{ NULL, STORE_TEXT }
	};
	struct db_stmt	*stmt;
	cJSON		*arr, *a;
	int64_t		 aid;

	arr = cJSON_CreateArray();
	stmt = store_prepare(st, "SELECT name, kind, path, file_size,"
	    " kept_path, sha256, id FROM artifacts WHERE build_id = ?1"
	    " ORDER BY kind, name");
	db_bind_int(stmt, 1, build_id);
	while (db_step(stmt) == DB_ROW) {
		aid = db_column_int(stmt, 6);
		a = cJSON_CreateObject();
		store_json_row(a, stmt, columns);
		store_json_pairs(st, cJSON_AddObjectToObject(a, "sections"),
		    "SELECT name, size FROM sections WHERE artifact_id = ?1"
		    " ORDER BY size DESC, name", aid);
		store_json_pairs(st, cJSON_AddObjectToObject(a,
		    "measurements"), "SELECT name, value FROM measurements"
		    " WHERE artifact_id = ?1 ORDER BY name", aid);
		cJSON_AddItemToArray(arr, a);
	}
	db_finalize(stmt);
	return (arr);
}

/*
 * Finds the log file of a build: STORE_OK with *path, NULL when it has not
 * started; STORE_NOT_FOUND when there is no such build.
 */
enum store_result
store_build_log_path(struct store *st, int64_t id, char **path)
{
	struct db_stmt	*stmt;
	int		 rc;

	*path = NULL;
	stmt = store_prepare(st, "SELECT log_path FROM builds WHERE id = ?1");
	db_bind_int(stmt, 1, id);
	if ((rc = db_step(stmt)) == DB_ROW)
		*path = store_column_dup(stmt, 0);
	db_finalize(stmt);
	return (store_found(st, rc));
}

/*
 * Keeps a build's packed log (logpack.c): len bytes holding the last raw
 * bytes of a log of size bytes. 0 or -1.
 */
int
store_build_log(struct store *st, int64_t id, const void *data, size_t len,
    int64_t raw, int64_t size)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "INSERT INTO build_logs (build_id, raw_bytes,"
	    " log_bytes, data) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (build_id)"
	    " DO UPDATE SET raw_bytes = excluded.raw_bytes, log_bytes ="
	    " excluded.log_bytes, data = excluded.data");
	db_bind_int(stmt, 1, id);
	db_bind_int(stmt, 2, raw);
	db_bind_int(stmt, 3, size);
	db_bind_blob(stmt, 4, data, len);
	return (store_step_done(st, stmt));
}

/*
 * Reads the packed log of a build (a reused one's is its source's):
 * STORE_OK with the data (the caller frees it), its length and the whole
 * log's size; STORE_NOT_FOUND when the store keeps none.
 */
enum store_result
store_build_log_packed(struct store *st, int64_t id, void **data,
    size_t *len, int64_t *size)
{
	struct db_stmt	*stmt;
	const void	*p;
	int		 rc;

	*data = NULL;
	stmt = store_prepare(st, "SELECT l.data, l.log_bytes FROM builds b"
	    " JOIN build_logs l ON l.build_id = coalesce(b.reused_from, b.id)"
	    " WHERE b.id = ?1");
	db_bind_int(stmt, 1, id);
	if ((rc = db_step(stmt)) == DB_ROW) {
		p = db_column_blob(stmt, 0, len);
		*data = xmalloc(*len > 0 ? *len : 1);
		memcpy(*data, p, *len);
		*size = db_column_int(stmt, 1);
	}
	db_finalize(stmt);
	return (store_found(st, rc));
}

/*
 * Reads one build: id, run, project, variant, state and its artifacts
 * with sections. STORE_OK with *out, or STORE_NOT_FOUND.
 */
enum store_result
store_build_document(struct store *st, int64_t id, cJSON **out)
{
	static const struct store_column columns[] = {
		{ "id", STORE_INT }, { "run", STORE_INT },
		{ "project", STORE_TEXT }, { "variant", STORE_JSON },
		{ "variant_key", STORE_TEXT }, { "state", STORE_TEXT },
		{ "toolchain", STORE_JSON }, { "bootstrap", STORE_BOOL },
		{ "commit", STORE_TEXT }, { "default_artifact", STORE_TEXT },
		{ "wall_ms", STORE_INT }, { "cpu_ms", STORE_INT },
		{ NULL, STORE_TEXT }
	};
	struct db_stmt	*stmt;
	cJSON		*b = NULL;
	int		 rc;

	stmt = store_prepare(st, "SELECT b.id, b.run_id,"
	    " coalesce(p.name, p.path), v.settings, v.key, b.state,"
	    " b.toolchain, b.bootstrap, r.commit_id, b.default_artifact,"
	    " b.wall_ms, b.cpu_ms FROM builds b"
	    " JOIN runs r ON r.id = b.run_id"
	    " JOIN projects p ON p.id = r.project_id"
	    " JOIN variants v ON v.id = b.variant_id WHERE b.id = ?1");
	db_bind_int(stmt, 1, id);
	if ((rc = db_step(stmt)) == DB_ROW) {
		b = cJSON_CreateObject();
		store_json_row(b, stmt, columns);
		cJSON_AddItemToObject(b, "artifacts",
		    store_build_artifacts(st, id));
		cJSON_AddItemToObject(b, "bench", store_bench_json(st, id));
	}
	db_finalize(stmt);
	*out = b;
	return (store_found(st, rc));
}

/*
 * Forgets the kept copies of a build's artifacts beyond the newest keep of
 * its project, variant, artifact name and kind, and adds their paths to
 * paths for the caller to delete. One transaction.
 */
int
store_prune_kept(struct store *st, int64_t build_id, int keep,
    struct strlist *paths)
{
	struct db_stmt	*stmt;
	int64_t		*ids;
	size_t		 n, i;
	int		 rc;

	if (store_begin(st) != 0)
		return (-1);
	stmt = store_prepare(st, "WITH mine AS ("
	    " SELECT r.project_id, b.variant_id, a.name, a.kind"
	    " FROM artifacts a JOIN builds b ON b.id = a.build_id"
	    " JOIN runs r ON r.id = b.run_id WHERE b.id = ?1),"
	    " ranked AS ("
	    " SELECT a.id, a.kept_path, row_number() OVER (PARTITION BY"
	    "  a.name, a.kind ORDER BY b.id DESC) AS n"
	    " FROM artifacts a JOIN builds b ON b.id = a.build_id"
	    " JOIN runs r ON r.id = b.run_id JOIN mine m"
	    " ON m.project_id = r.project_id AND m.variant_id = b.variant_id"
	    " AND m.name = a.name AND m.kind = a.kind"
	    " WHERE a.kept_path IS NOT NULL)"
	    " SELECT id, kept_path FROM ranked WHERE n > ?2");
	db_bind_int(stmt, 1, build_id);
	db_bind_int(stmt, 2, keep);
	ids = NULL;
	n = 0;
	while ((rc = db_step(stmt)) == DB_ROW) {
		strlist_add(paths, db_column_text(stmt, 1));
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		ids[n++] = db_column_int(stmt, 0);
	}
	db_finalize(stmt);
	/* Updated once the query is done with the rows it reads. */
	for (i = 0; i < n && rc == DB_DONE; i++) {
		stmt = store_prepare(st, "UPDATE artifacts SET kept_path = NULL"
		    " WHERE id = ?1");
		db_bind_int(stmt, 1, ids[i]);
		if (store_step_done(st, stmt) != 0)
			rc = DB_ERROR;
	}
	free(ids);
	if (rc == DB_DONE && store_symbols_prune(st, build_id, keep) != 0)
		rc = DB_ERROR;
	if (rc != DB_DONE || store_exec(st, "COMMIT") != 0) {
		store_exec(st, "ROLLBACK");
		strlist_free(paths);
		return (-1);
	}
	return (0);
}

/*
 * Finds when a target dir was last used by a build: its latest finish,
 * start or queueing. STORE_OK with the time, STORE_NOT_FOUND when no
 * build used it.
 */
enum store_result
store_target_dir_used(struct store *st, const char *dir, int64_t *when)
{
	struct db_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "SELECT max(coalesce(finished_at, started_at,"
	    " queued_at)) FROM builds WHERE target_dir = ?1 HAVING count(*)"
	    " > 0");
	store_bind_text(stmt, 1, dir);
	if ((rc = db_step(stmt)) == DB_ROW)
		*when = db_column_int(stmt, 0);
	db_finalize(stmt);
	return (store_found(st, rc));
}

/*
 * Tells whether a queued or running build will use a target dir: STORE_OK
 * when one will, STORE_NOT_FOUND when none.
 */
enum store_result
store_target_dir_queued(struct store *st, const char *dir)
{
	struct db_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "SELECT 1 FROM builds WHERE target_dir = ?1"
	    " AND state IN ('queued', 'running') LIMIT 1");
	store_bind_text(stmt, 1, dir);
	rc = db_step(stmt);
	db_finalize(stmt);
	return (store_found(st, rc));
}

/*
 * Copies the artifacts of build from, with their sections and
 * measurements, to build id.
 */
static int
store_artifacts_copy(struct store *st, int64_t id, int64_t from)
{
	struct db_stmt	*stmt, *arts;
	int64_t		 aid, nid;

	arts = store_prepare(st, "SELECT id FROM artifacts WHERE build_id = ?1");
	db_bind_int(arts, 1, from);
	while (db_step(arts) == DB_ROW) {
		aid = db_column_int(arts, 0);
		stmt = store_prepare(st, "INSERT INTO artifacts (build_id, name,"
		    " kind, path, file_size, kept_path, sha256) SELECT ?1, name,"
		    " kind, path, file_size, kept_path, sha256 FROM artifacts"
		    " WHERE id = ?2");
		db_bind_int(stmt, 1, id);
		db_bind_int(stmt, 2, aid);
		if (store_step_done(st, stmt) != 0)
			goto fail;
		nid = db_last_id(st->db);
		stmt = store_prepare(st, "INSERT INTO sections (artifact_id,"
		    " name, size, sha256) SELECT ?1, name, size, sha256 FROM"
		    " sections WHERE artifact_id = ?2");
		db_bind_int(stmt, 1, nid);
		db_bind_int(stmt, 2, aid);
		if (store_step_done(st, stmt) != 0)
			goto fail;
		stmt = store_prepare(st, "INSERT INTO measurements (artifact_id,"
		    " name, value) SELECT ?1, name, value FROM measurements"
		    " WHERE artifact_id = ?2");
		db_bind_int(stmt, 1, nid);
		db_bind_int(stmt, 2, aid);
		if (store_step_done(st, stmt) != 0)
			goto fail;
		stmt = store_prepare(st, "INSERT INTO symbol_tables (artifact_id,"
		    " covered, symbols, raw_bytes, data) SELECT ?1, covered,"
		    " symbols, raw_bytes, data FROM symbol_tables"
		    " WHERE artifact_id = ?2");
		db_bind_int(stmt, 1, nid);
		db_bind_int(stmt, 2, aid);
		if (store_step_done(st, stmt) != 0)
			goto fail;
	}
	db_finalize(arts);
	return (0);
fail:
	db_finalize(arts);
	return (-1);
}

/* Copies a done build's result into a queued one, which becomes done. */
int
store_build_reuse(struct store *st, int64_t id, int64_t from)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "UPDATE builds SET (state, env, cargo_args,"
	    " rustc_version, log_path, exit_code, wall_ms, cpu_ms, toolchain,"
	    " notes, effective, project_profile, fingerprint,"
	    " default_artifact, started_at, finished_at, reused_from, worker) ="
	    " (SELECT 'done', env, cargo_args, rustc_version, log_path,"
	    " exit_code, wall_ms, cpu_ms, toolchain, notes, effective,"
	    " project_profile, fingerprint, default_artifact, ?3, ?3,"
	    " coalesce(reused_from, id), worker FROM builds WHERE id = ?2)"
	    " WHERE id = ?1 AND state = 'queued'");
	db_bind_int(stmt, 1, id);
	db_bind_int(stmt, 2, from);
	db_bind_int(stmt, 3, (int64_t)time(NULL));
	if (store_step_done(st, stmt) != 0 ||
	    store_artifacts_copy(st, id, from) != 0 ||
	    store_bench_add(st, id, from) != 0)
		return (-1);
	return (store_run_settle(st, id));
}

/*
 * Records what a running build's unit graph said. When a done build of the
 * same run has the same fingerprint, the build becomes a copy of its
 * result (same_as) without being built; when a running one has, the build
 * is queued again behind it (the one whose unit graph was recorded first
 * goes on). Returns 0 (build it),
 * BUILDER_SAME, BUILDER_WAIT, STORE_UNITS_LOST (no longer this daemon's
 * under fence: stop it), or -1.
 */
int
store_build_units(struct store *st, int64_t id, int64_t fence,
    const struct build_units *u)
{
	struct db_stmt	*stmt;
	char		*effective, *project;
	int64_t		 from = 0;
	int		 rc = 0, done = 0;

	effective = u->effective ? cJSON_PrintUnformatted(u->effective) : NULL;
	project = u->project ? cJSON_PrintUnformatted(u->project) : NULL;
	if (store_begin(st) != 0)
		goto out;
	stmt = store_prepare(st, "UPDATE builds SET effective = ?2,"
	    " project_profile = ?3, fingerprint = ?4, default_artifact = ?5"
	    " WHERE id = ?1 AND state = 'running' AND fence = ?6");
	db_bind_int(stmt, 1, id);
	db_bind_int(stmt, 6, fence);
	store_bind_text(stmt, 2, effective);
	store_bind_text(stmt, 3, project);
	store_bind_text(stmt, 4, u->fingerprint);
	store_bind_text(stmt, 5, u->default_artifact);
	if (store_step_done(st, stmt) != 0)
		goto rollback;
	if (db_changes(st->db) != 1)
		rc = STORE_UNITS_LOST;
	else if (u->fingerprint != NULL) {
		stmt = store_prepare(st, "SELECT o.id, o.state = 'done'"
		    " FROM builds o JOIN builds b ON b.id = ?1"
		    " WHERE o.state IN ('done', 'running') AND "
		    STORE_TWIN("o", "b") " ORDER BY o.run_id = b.run_id DESC,"
		    " o.state = 'done' DESC, o.id LIMIT 1");
		db_bind_int(stmt, 1, id);
		if (db_step(stmt) == DB_ROW) {
			from = db_column_int(stmt, 0);
			done = db_column_int(stmt, 1);
		}
		db_finalize(stmt);
	}
	if (from != 0 && done) {
		stmt = store_prepare(st, "UPDATE builds SET (state, exit_code,"
		    " notes, finished_at, same_as) = (SELECT 'done', exit_code,"
		    " notes, ?3, coalesce(same_as, id) FROM builds"
		    " WHERE id = ?2) WHERE id = ?1");
		db_bind_int(stmt, 1, id);
		db_bind_int(stmt, 2, from);
		db_bind_int(stmt, 3, (int64_t)time(NULL));
		if (store_step_done(st, stmt) != 0 ||
		    store_artifacts_copy(st, id, from) != 0 ||
		    store_bench_add(st, id, from) != 0 ||
		    store_run_settle(st, id) != 0)
			goto rollback;
		rc = BUILDER_SAME;
	} else if (from != 0) {
		stmt = store_prepare(st, "UPDATE builds SET state = 'queued',"
		    " started_at = NULL, attempts = attempts - 1 WHERE id = ?1");
		db_bind_int(stmt, 1, id);
		if (store_step_done(st, stmt) != 0)
			goto rollback;
		rc = BUILDER_WAIT;
	}
	if (store_exec(st, "COMMIT") == 0)
		goto out;
rollback:
	log_warnx("store: build %lld: %s", (long long)id,
	    db_errmsg(st->db));
	store_exec(st, "ROLLBACK");
	rc = -1;
out:
	cJSON_free(effective);
	cJSON_free(project);
	return (rc);
}

/*
 * Finds the tracked project a build belongs to: STORE_OK with its id,
 * STORE_NOT_FOUND when the build's project is given by path.
 */
enum store_result
store_build_project(struct store *st, int64_t build_id, int64_t *project_id)
{
	struct db_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "SELECT r.project_id, r.bisection_id"
	    " FROM builds b JOIN runs r ON r.id = b.run_id"
	    " WHERE b.id = ?1 AND r.commit_id IS NOT NULL");
	db_bind_int(stmt, 1, build_id);
	if ((rc = db_step(stmt)) == DB_ROW)
		*project_id = db_column_int(stmt, 0);
	db_finalize(stmt);
	return (store_found(st, rc));
}

/*
 * Finds the run a build belongs to and whether that run has settled (no
 * build of it queued or running): STORE_OK, or STORE_NOT_FOUND.
 */
enum store_result
store_build_run(struct store *st, int64_t build_id, int64_t *run_id,
    int *settled)
{
	struct db_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "SELECT r.id, r.state IN ('done',"
	    " 'cancelled') FROM builds b JOIN runs r ON r.id = b.run_id"
	    " WHERE b.id = ?1");
	db_bind_int(stmt, 1, build_id);
	if ((rc = db_step(stmt)) == DB_ROW) {
		*run_id = db_column_int(stmt, 0);
		*settled = db_column_int(stmt, 1);
	}
	db_finalize(stmt);
	return (store_found(st, rc));
}
