/*
 * Disk budget for target dirs: one per project and variant, reused across
 * runs, and some hundreds of megabytes each. When they add up to more than
 * --disk-budget, the least recently used are removed, never one a queued or
 * running build needs. Sizing and removing walk the file system on the
 * loop's thread pool; choosing happens on the loop, where the queue's state
 * is, and the queue skips a dir while it is being removed.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sizematd.h"

#define GC_MIN_INTERVAL_S	60

struct gc_dir {
	char	*path;
	int64_t	 bytes;
	int64_t	 last_used;
	int	 evict;
};

struct gc {
	uv_loop_t	*loop;
	struct store	*store;
	char		*root;		/* workdir/target */
	int64_t		 budget;
	int64_t		 next_budget;	/* taken at the next pass */
	int		 (*busy)(const char *, void *);
	void		*busy_arg;

	uv_work_t	 work;
	int		 running;	/* a pass is under way */
	int		 phase;		/* 0 sizing, 1 removing */
	time_t		 last_start;
	struct gc_dir	*dirs;
	size_t		 ndirs;
	cJSON		*report;	/* the last pass's */
};

/* Creates the collector for target dirs under workdir. */
struct gc *
gc_create(uv_loop_t *loop, struct store *store, const char *workdir,
    int64_t budget)
{
	struct gc	*gc;

	gc = xcalloc(1, sizeof *gc);
	gc->loop = loop;
	gc->store = store;
	xasprintf(&gc->root, "%s/target", workdir);
	gc->budget = gc->next_budget = budget;
	gc->work.data = gc;
	gc->report = cJSON_CreateObject();
	cJSON_AddStringToObject(gc->report, "state", "idle");
	cJSON_AddNumberToObject(gc->report, "budget", (double)budget);
	return (gc);
}

/* Sets who tells whether a dir is in use by a running build. */
void
gc_set_busy(struct gc *gc, int (*busy)(const char *, void *), void *arg)
{
	gc->busy = busy;
	gc->busy_arg = arg;
}

/* Frees the collector; a pass under way keeps the loop alive until done. */
void
gc_free(struct gc *gc)
{
	size_t	 i;

	if (gc == NULL)
		return;
	for (i = 0; i < gc->ndirs; i++)
		free(gc->dirs[i].path);
	free(gc->dirs);
	free(gc->root);
	cJSON_Delete(gc->report);
	free(gc);
}

static int64_t	gc_walk_total;

/* Adds up what one file takes on disk, for nftw. */
static int
gc_size_one(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)path;
	(void)flag;
	(void)ftw;
	gc_walk_total += (int64_t)sb->st_blocks * 512;
	return (0);
}

/* Removes one file or emptied directory, for nftw. */
static int
gc_remove_one(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return (0);
}

/* Removes a directory and everything under it (blocking). */
void
gc_remove_tree(const char *path)
{
	nftw(path, gc_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Lists workdir/target/PROJECT/VARIANT with their sizes: thread pool. */
static void
gc_size(struct gc *gc)
{
	DIR		*d1, *d2;
	struct dirent	*e1, *e2;
	struct stat	 sb;
	char		*p1, *p2;
	struct gc_dir	*g;

	if ((d1 = opendir(gc->root)) == NULL)
		return;
	while ((e1 = readdir(d1)) != NULL) {
		if (e1->d_name[0] == '.')
			continue;
		xasprintf(&p1, "%s/%s", gc->root, e1->d_name);
		if ((d2 = opendir(p1)) == NULL) {
			free(p1);
			continue;
		}
		while ((e2 = readdir(d2)) != NULL) {
			if (e2->d_name[0] == '.')
				continue;
			xasprintf(&p2, "%s/%s", p1, e2->d_name);
			if (stat(p2, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
				free(p2);
				continue;
			}
			gc->dirs = xreallocarray(gc->dirs, gc->ndirs + 1,
			    sizeof *gc->dirs);
			g = &gc->dirs[gc->ndirs++];
			memset(g, 0, sizeof *g);
			g->path = p2;
			g->last_used = (int64_t)sb.st_mtime;
			/* One pass at a time, so the static total is safe. */
			gc_walk_total = 0;
			nftw(p2, gc_size_one, 16, FTW_PHYS);
			g->bytes = gc_walk_total;
		}
		closedir(d2);
		free(p1);
	}
	closedir(d1);
}

/* Runs the current phase on the thread pool. */
static void
gc_work(uv_work_t *w)
{
	struct gc	*gc = w->data;
	size_t		 i;

	if (gc->phase == 0) {
		gc_size(gc);
		return;
	}
	for (i = 0; i < gc->ndirs; i++) {
		if (gc->dirs[i].evict)
			gc_remove_tree(gc->dirs[i].path);
	}
}

/* Orders dirs by last use, oldest first. */
static int
gc_dir_cmp(const void *a, const void *b)
{
	const struct gc_dir	*x = a, *y = b;

	return (x->last_used < y->last_used ? -1 :
	    x->last_used > y->last_used);
}

/* Writes the report of the pass so far. */
static void
gc_write_report(struct gc *gc, const char *state, int64_t before,
    int64_t after)
{
	cJSON	*evicted, *o;
	size_t	 i;

	cJSON_Delete(gc->report);
	gc->report = cJSON_CreateObject();
	cJSON_AddStringToObject(gc->report, "state", state);
	cJSON_AddNumberToObject(gc->report, "budget", (double)gc->budget);
	cJSON_AddNumberToObject(gc->report, "target_dirs", (double)gc->ndirs);
	cJSON_AddNumberToObject(gc->report, "bytes_before", (double)before);
	cJSON_AddNumberToObject(gc->report, "bytes_after", (double)after);
	evicted = cJSON_AddArrayToObject(gc->report, "evicted");
	for (i = 0; i < gc->ndirs; i++) {
		if (!gc->dirs[i].evict)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "target_dir", gc->dirs[i].path);
		cJSON_AddNumberToObject(o, "bytes", (double)gc->dirs[i].bytes);
		cJSON_AddNumberToObject(o, "last_used",
		    (double)gc->dirs[i].last_used);
		cJSON_AddItemToArray(evicted, o);
	}
	cJSON_AddNumberToObject(gc->report, "freed", (double)(before - after));
}

/*
 * After sizing: takes each dir's last use from the store, then marks the
 * least recently used for removal until the rest fits the budget, never
 * one in use. After removing: reports and lets the queue go on.
 */
static void
gc_done(uv_work_t *w, int status)
{
	struct gc	*gc = w->data;
	int64_t		 total = 0, after, used;
	size_t		 i;

	(void)status;
	for (i = 0; i < gc->ndirs; i++)
		total += gc->dirs[i].bytes;
	if (gc->phase == 0) {
		for (i = 0; i < gc->ndirs; i++) {
			if (store_target_dir_used(gc->store, gc->dirs[i].path,
			    &used) == STORE_OK && used > gc->dirs[i].last_used)
				gc->dirs[i].last_used = used;
		}
		if (gc->ndirs > 0)
			qsort(gc->dirs, gc->ndirs, sizeof *gc->dirs,
			    gc_dir_cmp);
		after = total;
		for (i = 0; i < gc->ndirs && after > gc->budget; i++) {
			if ((gc->busy != NULL && gc->busy(gc->dirs[i].path,
			    gc->busy_arg)) || store_target_dir_queued(gc->store,
			    gc->dirs[i].path) != STORE_NOT_FOUND)
				continue;
			gc->dirs[i].evict = 1;
			after -= gc->dirs[i].bytes;
		}
		if (after == total) {
			gc_write_report(gc, "done", total, total);
			gc->running = 0;
			return;
		}
		gc_write_report(gc, "removing", total, after);
		gc->phase = 1;
		if (uv_queue_work(gc->loop, &gc->work, gc_work, gc_done) != 0)
			fatalx("gc: cannot queue work");
		return;
	}
	after = total;
	for (i = 0; i < gc->ndirs; i++) {
		if (gc->dirs[i].evict) {
			after -= gc->dirs[i].bytes;
			log_info("gc: removed %s (%lld bytes, last used %lld)",
			    gc->dirs[i].path, (long long)gc->dirs[i].bytes,
			    (long long)gc->dirs[i].last_used);
		}
	}
	gc_write_report(gc, "done", total, after);
	gc->running = 0;
}

/*
 * Starts a pass unless one is under way; unless forced, at most one a
 * minute. Returns 1 when a pass started.
 */
int
gc_start(struct gc *gc, int force)
{
	size_t	 i;

	if (gc->running || (!force && time(NULL) - gc->last_start <
	    GC_MIN_INTERVAL_S))
		return (0);
	for (i = 0; i < gc->ndirs; i++)
		free(gc->dirs[i].path);
	free(gc->dirs);
	gc->dirs = NULL;
	gc->ndirs = 0;
	gc->phase = 0;
	gc->running = 1;
	gc->budget = gc->next_budget;
	gc->last_start = time(NULL);
	cJSON_SetValuestring(cJSON_GetObjectItemCaseSensitive(gc->report,
	    "state"), "sizing");
	if (uv_queue_work(gc->loop, &gc->work, gc_work, gc_done) != 0)
		fatalx("gc: cannot queue work");
	return (1);
}

/* Changes the budget from the next pass on (a reloaded config). */
void
gc_set_budget(struct gc *gc, int64_t budget)
{
	gc->next_budget = budget;
}

/* Tells whether a target dir is being removed. */
int
gc_evicting(const struct gc *gc, const char *dir)
{
	size_t	 i;

	if (gc == NULL || !gc->running || gc->phase != 1)
		return (0);
	for (i = 0; i < gc->ndirs; i++) {
		if (gc->dirs[i].evict && strcmp(gc->dirs[i].path, dir) == 0)
			return (1);
	}
	return (0);
}

/* Returns a copy of the last pass's report. */
cJSON *
gc_report(const struct gc *gc)
{
	return (cJSON_Duplicate(gc->report, 1));
}
