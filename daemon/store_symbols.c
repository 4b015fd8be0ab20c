/*
 * What the store knows of an artifact's insides. Its symbol table
 * (attrib.c packs them): one per artifact with a symbol table, written
 * with the artifact (store_build.c), read for sizes, diff and
 * explanations, and kept for the newest --keep-artifacts builds of each
 * variant and for every build at a commit of a recorded regression. And
 * the sha256 of each section's bytes, which verify compares.
 */
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"
#include "store_private.h"

/* Unpacks the table in column i of a row; -1 when it is damaged. */
static int
store_symbols_unpack(struct store *st, struct db_stmt *stmt, int i,
    int64_t build_id, struct attribution *out)
{
	const void	*data;
	size_t		 len;

	data = db_column_blob(stmt, i, &len);
	if (data != NULL && attrib_unpack(data, len, out) == 0)
		return (0);
	log_warnx("database %s: a symbol table of build %lld is damaged",
	    st->path, (long long)build_id);
	return (-1);
}

/*
 * Reads the symbol table of a build's artifact (by name and kind; NULL
 * kind: the first of that name). STORE_OK with *out unpacked,
 * STORE_NOT_FOUND when none is kept, STORE_ERROR when the database failed
 * or the table is damaged.
 */
enum store_result
store_symbol_table(struct store *st, int64_t build_id, const char *name,
    const char *kind, struct attribution *out)
{
	struct db_stmt	*stmt;
	int		 rc;

	memset(out, 0, sizeof *out);
	stmt = store_prepare(st, "SELECT t.data FROM symbol_tables t"
	    " JOIN artifacts a ON a.id = t.artifact_id"
	    " WHERE a.build_id = ?1 AND a.name = ?2"
	    " AND (?3 IS NULL OR a.kind = ?3) ORDER BY a.kind LIMIT 1");
	db_bind_int(stmt, 1, build_id);
	store_bind_text(stmt, 2, name);
	store_bind_text(stmt, 3, kind);
	if ((rc = db_step(stmt)) == DB_ROW &&
	    store_symbols_unpack(st, stmt, 0, build_id, out) != 0) {
		db_finalize(stmt);
		return (STORE_ERROR);
	}
	db_finalize(stmt);
	return (store_found(st, rc));
}

/*
 * Forgets the symbol tables of a build's variant beyond the newest keep
 * (per artifact name and kind), except at commits of a recorded
 * regression, base or culprit. Inside the caller's transaction.
 */
int
store_symbols_prune(struct store *st, int64_t build_id, int keep)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "DELETE FROM symbol_tables WHERE artifact_id"
	    " IN (WITH mine AS ("
	    "  SELECT r.project_id, b.variant_id, a.name, a.kind"
	    "  FROM artifacts a JOIN builds b ON b.id = a.build_id"
	    "  JOIN runs r ON r.id = b.run_id WHERE b.id = ?1),"
	    " ranked AS ("
	    "  SELECT a.id, r.project_id, r.commit_id, row_number() OVER"
	    "  (PARTITION BY a.name, a.kind ORDER BY b.id DESC) AS n"
	    "  FROM symbol_tables t JOIN artifacts a ON a.id = t.artifact_id"
	    "  JOIN builds b ON b.id = a.build_id"
	    "  JOIN runs r ON r.id = b.run_id JOIN mine m"
	    "  ON m.project_id = r.project_id AND m.variant_id = b.variant_id"
	    "  AND m.name = a.name AND m.kind = a.kind)"
	    " SELECT id FROM ranked WHERE n > ?2 AND (commit_id IS NULL OR"
	    "  NOT EXISTS (SELECT 1 FROM regressions g"
	    "  WHERE g.project_id = ranked.project_id"
	    "  AND (g.commit_id = ranked.commit_id"
	    "  OR g.base_commit = ranked.commit_id))))");
	db_bind_int(stmt, 1, build_id);
	db_bind_int(stmt, 2, keep);
	return (store_step_done(st, stmt));
}

/*
 * Adds what the symbol tables take to a report: {"count", "bytes"
 * (compressed, as stored), "raw_bytes"}. 0, or -1 when the database
 * failed.
 */
int
store_symbols_usage(struct store *st, cJSON *report)
{
	struct db_stmt	*stmt;
	cJSON		*o;
	int		 rc;

	stmt = store_prepare(st, "SELECT count(*), coalesce(sum(length(data)),"
	    " 0), coalesce(sum(raw_bytes), 0) FROM symbol_tables");
	if ((rc = db_step(stmt)) == DB_ROW) {
		o = cJSON_AddObjectToObject(report, "symbol_tables");
		cJSON_AddNumberToObject(o, "count",
		    (double)db_column_int(stmt, 0));
		cJSON_AddNumberToObject(o, "bytes",
		    (double)db_column_int(stmt, 1));
		cJSON_AddNumberToObject(o, "raw_bytes",
		    (double)db_column_int(stmt, 2));
	}
	db_finalize(stmt);
	return (rc == DB_ROW ? 0 : -1);
}

/*
 * Reads the symbol table of a tracked project's artifact at a commit: the
 * newest done build of the variant (by key) there that has one. STORE_OK
 * with *build and *out, STORE_NOT_FOUND when none has.
 */
enum store_result
store_commit_table(struct store *st, int64_t project_id, const char *commit,
    const char *key, const char *artifact, int64_t *build,
    struct attribution *out)
{
	struct db_stmt	*stmt;
	int		 rc;

	memset(out, 0, sizeof *out);
	stmt = store_prepare(st, "SELECT b.id, t.data FROM runs r"
	    " JOIN builds b ON b.run_id = r.id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " JOIN artifacts a ON a.build_id = b.id"
	    " JOIN symbol_tables t ON t.artifact_id = a.id"
	    " WHERE r.project_id = ?1 AND r.commit_id = ?2 AND v.key = ?3"
	    " AND a.name = ?4 AND b.state = 'done'"
	    " ORDER BY b.id DESC LIMIT 1");
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, commit);
	store_bind_text(stmt, 3, key);
	store_bind_text(stmt, 4, artifact);
	if ((rc = db_step(stmt)) == DB_ROW) {
		*build = db_column_int(stmt, 0);
		if (store_symbols_unpack(st, stmt, 1, *build, out) != 0) {
			db_finalize(stmt);
			return (STORE_ERROR);
		}
	}
	db_finalize(stmt);
	return (store_found(st, rc));
}

/*
 * Tells whether a variant (by key) was ever queued at a project's commit:
 * STORE_OK, with *pending set while a build of it is queued or running;
 * STORE_NOT_FOUND when never.
 */
enum store_result
store_commit_variant(struct store *st, int64_t project_id, const char *commit,
    const char *key, int *pending)
{
	struct db_stmt	*stmt;
	int		 rc;

	*pending = 0;
	stmt = store_prepare(st, "SELECT max(CASE WHEN b.state IN ('queued',"
	    " 'running') THEN 1 ELSE 0 END)"
	    " FROM runs r JOIN builds b ON b.run_id = r.id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " WHERE r.project_id = ?1 AND (r.commit_id = ?2"
	    " OR (r.prepared = 0 AND r.rev = ?2)) AND v.key = ?3"
	    " HAVING count(*) > 0");
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, commit);
	store_bind_text(stmt, 3, key);
	if ((rc = db_step(stmt)) == DB_ROW)
		*pending = db_column_int(stmt, 0) != 0;
	db_finalize(stmt);
	return (store_found(st, rc));
}

/*
 * Returns a build's artifact's crate.* measurements as {"NAME": bytes},
 * without the prefix; an empty object when it has none, NULL when the
 * database failed.
 */
cJSON *
store_build_crates(struct store *st, int64_t build_id, const char *artifact)
{
	struct db_stmt	*stmt;
	cJSON		*o;
	int		 rc;

	o = cJSON_CreateObject();
	stmt = store_prepare(st, "SELECT substr(m.name, 7), m.value"
	    " FROM measurements m JOIN artifacts a ON a.id = m.artifact_id"
	    " WHERE a.build_id = ?1 AND a.name = ?2"
	    " AND m.name LIKE 'crate.%'");
	db_bind_int(stmt, 1, build_id);
	store_bind_text(stmt, 2, artifact);
	while ((rc = db_step(stmt)) == DB_ROW)
		cJSON_AddNumberToObject(o, db_column_text(stmt, 0),
		    (double)db_column_int(stmt, 1));
	db_finalize(stmt);
	if (rc != DB_DONE) {
		cJSON_Delete(o);
		return (NULL);
	}
	return (o);
}

/*
 * Sets *rows to the sections whose bytes differ between build a's
 * artifact and build b's of the same name and kind, from their sections'
 * sha256 (the sections a has, by name, as diff rows {name, a, b, delta,
 * change}); to NULL when either artifact has none recorded (measured
 * before they were, or not an ELF image). 0, or -1 when the database
 * failed.
 */
int
store_section_changes(struct store *st, int64_t a, int64_t b,
    const char *name, const char *kind, cJSON **rows)
{
	struct db_stmt	*stmt;
	cJSON		*row;
	int64_t		 sa, sb;
	int		 rc;

	*rows = NULL;
	stmt = store_prepare(st, "SELECT count(DISTINCT x.build_id) FROM"
	    " artifacts x JOIN sections s ON s.artifact_id = x.id WHERE"
	    " x.build_id IN (?1, ?2) AND x.name = ?3 AND x.kind = ?4 AND"
	    " s.sha256 IS NOT NULL");
	db_bind_int(stmt, 1, a);
	db_bind_int(stmt, 2, b);
	store_bind_text(stmt, 3, name);
	store_bind_text(stmt, 4, kind);
	rc = db_step(stmt);
	if (rc == DB_ROW && db_column_int(stmt, 0) != 2) {
		db_finalize(stmt);
		return (0);
	}
	db_finalize(stmt);
	if (rc != DB_ROW)
		goto fail;
	*rows = cJSON_CreateArray();
	stmt = store_prepare(st, "SELECT s.name, s.size, t.size, t.sha256"
	    " FROM artifacts x JOIN sections s ON s.artifact_id = x.id"
	    " LEFT JOIN artifacts y ON y.build_id = ?2 AND y.name = x.name"
	    " AND y.kind = x.kind LEFT JOIN sections t ON t.artifact_id ="
	    " y.id AND t.name = s.name WHERE x.build_id = ?1 AND x.name = ?3"
	    " AND x.kind = ?4 AND s.sha256 IS NOT NULL AND (t.sha256 IS NULL"
	    " OR t.sha256 <> s.sha256) ORDER BY s.name");
	db_bind_int(stmt, 1, a);
	db_bind_int(stmt, 2, b);
	store_bind_text(stmt, 3, name);
	store_bind_text(stmt, 4, kind);
	while ((rc = db_step(stmt)) == DB_ROW) {
		sa = db_column_int(stmt, 1);
		sb = db_column_is_null(stmt, 2) ? 0 : db_column_int(stmt, 2);
		row = cJSON_CreateObject();
		cJSON_AddStringToObject(row, "name", db_column_text(stmt, 0));
		cJSON_AddNumberToObject(row, "a", (double)sa);
		cJSON_AddNumberToObject(row, "b", (double)sb);
		cJSON_AddNumberToObject(row, "delta", (double)(sb - sa));
		cJSON_AddStringToObject(row, "change", db_column_is_null(stmt,
		    2) ? "removed" : "changed");
		cJSON_AddItemToArray(*rows, row);
	}
	db_finalize(stmt);
	if (rc == DB_DONE)
		return (0);
	cJSON_Delete(*rows);
	*rows = NULL;
fail:
	log_warnx("database: %s", db_errmsg(st->db));
	return (-1);
}
