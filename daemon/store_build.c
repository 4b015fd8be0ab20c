/*
 * Builds in the store: the state machine's writes once a build is claimed
 * (prepared, units, finished, reused; store_claim.c claims them),
 * artifacts, logs and target directories.
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
		store_bind_text(stmt, 4, artifact_section_sha256(a,
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
