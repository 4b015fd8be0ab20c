/*
 * What the store's files share and nothing else sees: the handle, the
 * statement helpers and the table-driven JSON rows. Only store*.c include
 * it, and they reach the database only through db.h.
 */
#ifndef STORE_PRIVATE_H
#define STORE_PRIVATE_H

#include "db.h"

struct store {
	struct db	*db;
	char		*path;
	char		*worker;	/* who this daemon's builds name */
	char		*caps;		/* what it can build, or NULL: all */
	int		 is_worker;
	int		 jobs;
	int		 lease_s;
	int64_t		 skew;		/* the database server's clock less
					   this machine's, in seconds */
};

/*
 * Whether the daemon of daemons row w was alive at now (a parameter): seen
 * within its own lease (it says so every third of one); and also one that
 * builds (has build slots).
 */
#define STORE_ALIVE(w, now) \
	" " w ".seen_at + " w ".lease >= " now
#define STORE_BUILDER(w, now) \
	STORE_ALIVE(w, now) " AND " w ".jobs > 0"

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

/*
 * Whether a project's variant was found nondeterministic: a verify
 * rebuild of one of its builds gave other bytes (runs of kind verify).
 */
#define STORE_NONDETERMINISTIC(project, variant) \
	"EXISTS (SELECT 1 FROM runs vr JOIN builds vb ON vb.run_id = vr.id" \
	" JOIN builds ob ON ob.run_id = vr.parent_run_id" \
	" AND ob.variant_id = vb.variant_id JOIN artifacts va" \
	" ON va.build_id = vb.id JOIN artifacts oa ON oa.build_id = ob.id" \
	" AND oa.name = va.name AND oa.kind = va.kind" \
	" WHERE vr.kind = 'verify' AND vr.project_id = " project \
	" AND vb.variant_id = " variant \
	" AND va.sha256 IS DISTINCT FROM oa.sha256)"

/*
 * The first-parent line below commit ?2 of project ?1, nearest first:
 * line(id, depth), for a query to join.
 */
#define STORE_LINE_BEFORE \
	"WITH RECURSIVE line(id, depth) AS (" \
	" SELECT parent, 1 FROM commits WHERE project_id = ?1 AND id = ?2" \
	" AND parent IS NOT NULL" \
	" UNION ALL SELECT c.parent, line.depth + 1 FROM commits c" \
	" JOIN line ON c.project_id = ?1 AND c.id = line.id" \
	" WHERE c.parent IS NOT NULL AND line.depth < 1000000) "

#define STORE_TIME(col) \
	"iso_time(" col ")"

enum store_kind {
	STORE_TEXT,
	STORE_INT,
	STORE_BOOL,
	STORE_JSON
};

/* One result column: its JSON member name and how to read it. */
struct store_column {
	const char	*name;
	enum store_kind	 kind;
};

struct db_stmt	*store_prepare(struct store *, const char *);
struct db_stmt	*store_prepare_dialect(struct store *, const char *,
		    const char *);
int		 store_step_done(struct store *, struct db_stmt *);
int64_t		 store_now(struct store *);
int		 store_begin(struct store *);
int		 store_exec(struct store *, const char *);
void		 store_bind_text(struct db_stmt *, int, const char *);
char		*store_column_dup(struct db_stmt *, int);
void		 store_json_text(cJSON *, const char *, struct db_stmt *, int);
void		 store_json_int(cJSON *, const char *, struct db_stmt *, int);
void		 store_json_parsed(cJSON *, const char *, struct db_stmt *,
		    int);
void		 store_json_row(cJSON *, struct db_stmt *,
		    const struct store_column *);
cJSON		*store_json_rows(struct db_stmt *, const struct store_column *);
enum store_result store_found(struct store *, int);
int		 store_bench_add(struct store *, int64_t, int64_t);
int		 store_bench_requeue(struct store *, enum store_requeue);
int		 store_bench_cancel(struct store *, int64_t);
int		 store_rows_done(struct store *, struct db_stmt *, int);
int		 store_ids(struct store *, struct db_stmt *, int64_t **,
		    size_t *);
void		 store_json_pairs(struct store *, cJSON *, const char *,
		    int64_t);
int64_t		 store_upsert_id(struct store *, const char *, const char *,
		    const char *, const char *);

/* store_build.c */
cJSON		*store_build_artifacts(struct store *, int64_t);
int		 store_build_reuse(struct store *, int64_t, int64_t);

/* store_symbols.c */
int		 store_symbols_prune(struct store *, int64_t, int);

/* store_history.c */
enum store_result store_commit_exists(struct store *, const char *,
		    int64_t, const char *);
int		 store_commits_add(struct store *, int64_t,
		    const struct git_commit *, size_t);

/* store_run.c */
int		 store_run_settle(struct store *, int64_t);
void		 store_add_baseline(cJSON *);

/* store_wait.c */
void		 store_run_waiting(struct store *, int64_t, cJSON *);

#endif
