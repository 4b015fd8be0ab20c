/*
 * What a build's cargo prints, read as it comes: stdout's JSON messages
 * (the artifacts), stderr's lines (the log, and the first error kept for
 * the build's cause), and the unit graph cargo answers before building.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"
#include "builder_private.h"

/* Keeps the last lines of cargo's stderr for the error of a failed build. */
void
builder_keep_line(struct build_job *job, const char *line)
{
	if (*line == '\0')
		return;
	if (strstr(line, "No space left on device") != NULL)
		job->disk_full = 1;
	/* The first error cargo printed says why, whatever follows it. */
	if (job->first_error == NULL && job->phase == PHASE_CARGO &&
	    strncmp(line, "error", 5) == 0)
		job->first_error = xstrdup(line);
	if (job->nlines == BUILD_ERROR_LINES) {
		free(job->lines[0]);
		memmove(job->lines, job->lines + 1,
		    (BUILD_ERROR_LINES - 1) * sizeof job->lines[0]);
		job->nlines--;
	}
	job->lines[job->nlines++] = xstrdup(line);
}

/* Tells whether name ends with suffix. */
static int
builder_ends_with(const char *name, const char *suffix)
{
	size_t	 n = strlen(name), m = strlen(suffix);

	return (n >= m && strcmp(name + n - m, suffix) == 0);
}

/* Adds an artifact found in cargo's messages. */
static void
builder_add_artifact(struct build_job *job, const char *name,
    const char *kind, const char *path)
{
	struct artifact	*a;
	size_t		 i;

	for (i = 0; i < job->nartifacts; i++) {
		a = &job->artifacts[i];
		if (strcmp(a->name, name) == 0 && strcmp(a->kind, kind) == 0) {
			free(a->path);
			a->path = xstrdup(path);
			return;
		}
	}
	job->artifacts = xreallocarray(job->artifacts, job->nartifacts + 1,
	    sizeof *job->artifacts);
	a = &job->artifacts[job->nartifacts++];
	memset(a, 0, sizeof *a);
	a->name = xstrdup(name);
	a->kind = xstrdup(kind);
	a->path = xstrdup(path);
}

/*
 * Returns the version a package id names: "path+file:///a#twin@0.1.0",
 * "registry+...#rand@0.8.5", "path+file:///a/twin#0.1.0", or the older
 * "rand 0.8.5 (registry+...)". NULL when it names none.
 */
static char *
builder_package_version(const char *id)
{
	const char	*p;

	if ((p = strrchr(id, '#')) != NULL) {
		p++;
		if (strchr(p, '@') != NULL)
			p = strrchr(p, '@') + 1;
		return (*p >= '0' && *p <= '9' ? xstrdup(p) : NULL);
	}
	if ((p = strchr(id, ' ')) != NULL)
		return (xstrndup(p + 1, strcspn(p + 1, " ")));
	return (NULL);
}

/*
 * Keeps a library dependency's rlib with its crate's name and version,
 * so that a crate linked in two versions can be told apart (attrib.c).
 */
static void
builder_keep_rlib(struct build_job *job, const cJSON *msg, const char *name,
    const cJSON *files)
{
	const cJSON	*file;
	char		*version;

	version = builder_package_version(json_str(msg, "package_id", ""));
	if (version == NULL)
		return;
	cJSON_ArrayForEach(file, files) {
		if (cJSON_IsString(file) && builder_ends_with(file->valuestring,
		    ".rlib"))
			strlist_addf(&job->rlibs, "%s\t%s\t%s", name, version,
			    file->valuestring);
	}
	free(version);
}

/*
 * Reads one compiler-artifact message: executables of bin targets, and the
 * library files of cdylib, dylib and staticlib targets; the rlibs of
 * libraries, kept for attribution.
 */
static void
builder_cargo_message(struct build_job *job, const char *line)
{
	static const struct {
		const char	*kind;
		const char	*suffixes[4];
	} libs[] = {
		{ "cdylib", { ".so", ".wasm", ".dylib", ".dll" } },
		{ "dylib", { ".so", ".dylib", ".dll", NULL } },
		{ "staticlib", { ".a", ".lib", NULL, NULL } },
	};
	cJSON		*msg, *reason, *target, *kinds, *kind, *name, *exe;
	cJSON		*files, *file;
	size_t		 i, j;

	if ((msg = cJSON_Parse(line)) == NULL)
		return;
	reason = cJSON_GetObjectItemCaseSensitive(msg, "reason");
	target = cJSON_GetObjectItemCaseSensitive(msg, "target");
	if (!cJSON_IsString(reason) ||
	    strcmp(reason->valuestring, "compiler-artifact") != 0 ||
	    !cJSON_IsObject(target))
		goto out;
	name = cJSON_GetObjectItemCaseSensitive(target, "name");
	kinds = cJSON_GetObjectItemCaseSensitive(target, "kind");
	exe = cJSON_GetObjectItemCaseSensitive(msg, "executable");
	files = cJSON_GetObjectItemCaseSensitive(msg, "filenames");
	if (!cJSON_IsString(name))
		goto out;
	cJSON_ArrayForEach(kind, kinds) {
		if (!cJSON_IsString(kind))
			continue;
		if (strcmp(kind->valuestring, "lib") == 0 ||
		    strcmp(kind->valuestring, "rlib") == 0)
			builder_keep_rlib(job, msg, name->valuestring, files);
		/* An example's executable is measured as a binary. */
		if ((strcmp(kind->valuestring, "bin") == 0 ||
		    strcmp(kind->valuestring, "example") == 0) &&
		    cJSON_IsString(exe)) {
			builder_add_artifact(job, name->valuestring, "bin",
			    exe->valuestring);
			continue;
		}
		for (i = 0; i < sizeof libs / sizeof libs[0]; i++) {
			if (strcmp(kind->valuestring, libs[i].kind) != 0)
				continue;
			cJSON_ArrayForEach(file, files) {
				if (!cJSON_IsString(file))
					continue;
				for (j = 0; j < 4 && libs[i].suffixes[j]; j++) {
					if (builder_ends_with(file->valuestring,
					    libs[i].suffixes[j]))
						builder_add_artifact(job,
						    name->valuestring,
						    libs[i].kind,
						    file->valuestring);
				}
			}
		}
	}
out:
	cJSON_Delete(msg);
}

/* Splits what a pipe read into lines and hands each on. */
void
builder_lines(struct build_job *job, struct buf *pending, const char *data,
    size_t len, int is_stdout)
{
	char	*line, *nl;
	size_t	 used;

	buf_add(pending, data, len);
	used = 0;
	while ((nl = memchr(pending->data + used, '\n',
	    pending->len - used)) != NULL) {
		*nl = '\0';
		line = pending->data + used;
		if (job->phase != PHASE_CARGO) {
			if (is_stdout) {
				buf_addstr(&job->rustc_out, line);
				buf_addstr(&job->rustc_out, "\n");
			} else
				builder_keep_line(job, line);
		} else if (is_stdout && line[0] == '{')
			builder_cargo_message(job, line);
		else {
			builder_log(job, line, strlen(line));
			builder_log(job, "\n", 1);
			if (!is_stdout)
				builder_keep_line(job, line);
		}
		used = (size_t)(nl - pending->data) + 1;
	}
	memmove(pending->data, pending->data + used, pending->len - used);
	pending->len -= used;
	pending->data[pending->len] = '\0';
}

/* Returns the build's inputs that its unit graph does not show. */
char *
builder_units_extra(const struct build_job *job)
{
	char	*rest, *extra;

	rest = variant_nonprofile_key(&job->spec.variant);
	xasprintf(&extra, "%s|%s|%s|%s", rest, job->tc->name, job->id.version,
	    job->spec.post != NULL ? job->spec.post : "");
	free(rest);
	return (extra);
}

/*
 * Reads the unit graph the phase printed. The build goes on without it
 * when cargo could not say (an old cargo, a broken manifest: cargo build
 * then says why). After the project's graph, the store decides whether
 * the build must run at all.
 */
void
builder_units_read(struct build_job *job)
{
	struct build_units	 u;
	char			*cause = NULL, *extra;
	size_t			 i;

	if (job->phase == PHASE_META) {
		/* Without metadata the rule still has names and counts. */
		job->units.default_artifact = units_default_artifact(
		    job->units.roots, job->exit_status == 0 ?
		    job->rustc_out.data : NULL);
	} else if (job->exit_status != 0 || job->term_signal != 0)
		xasprintf(&cause, "cargo --unit-graph exited with status %lld",
		    (long long)job->exit_status);
	else {
		extra = builder_units_extra(job);
		if (units_read(job->rustc_out.data, extra, &u, &cause) == 0) {
			if (job->phase == PHASE_UNITS && u.measured == 0)
				builder_fail(job, "unavailable", "nothing to "
				    "measure: cargo would build no binary, "
				    "cdylib or staticlib here, only a library, "
				    "whose .rlib is not what ships (a [[bin]] "
				    "whose required-features are off is left "
				    "out: turn them on with --features); measure "
				    "a library through an example with --example "
				    "NAME");
			if (job->phase == PHASE_UNITS) {
				build_units_clear(&job->units);
				job->units = u;
			} else {
				cJSON_Delete(job->units.project);
				job->units.project = u.effective;
				units_own_settings(job->units.project);
				u.effective = NULL;
				build_units_clear(&u);
			}
		}
		free(extra);
	}
	if (cause != NULL && job->log != NULL) {
		fprintf(job->log, "# %s; the build goes on without %s\n", cause,
		    job->phase == PHASE_UNITS ? "its effective profile" :
		    "the project's own profile");
		for (i = 0; i < job->nlines; i++)
			fprintf(job->log, "#   %s\n", job->lines[i]);
	}
	free(cause);
	for (i = 0; i < job->nlines; i++)
		free(job->lines[i]);
	job->nlines = 0;
	buf_reset(&job->rustc_out);
	if (job->phase == PHASE_META && job->cb.planned != NULL &&
	    job->fail_state == NULL)
		job->settled = job->cb.planned(job, &job->units, job->cb.arg);
}
