/*
 * The queue in the store: which daemon builds what. A claim takes the next
 * ready build this daemon can make under a lease and a fence; leases are
 * renewed, and the builds of a daemon gone are queued again.
 */
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"
#include "store_private.h"

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
	" FROM daemons w WHERE w.name <> ?3 AND" STORE_BUILDER("w", "?2") \
	" AND " STORE_CAN("w.caps") "))" \
	" AND (r.any_compiler = 1 OR NOT EXISTS (SELECT 1 FROM latest l" \
	" JOIN builds lb ON lb.id = l.build_id WHERE l.project_id =" \
	" r.project_id AND l.variant_id = b.variant_id AND" \
	" lb.rustc_version IS NOT NULL AND" \
	" instr(?1, ',' || " STORE_TC " || '@' || lb.rustc_version || ',')" \
	" = 0 AND EXISTS (SELECT 1 FROM daemons w WHERE w.name <> ?3 AND" \
	STORE_BUILDER("w", "?2") " AND instr(w.caps, ',' || " \
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
