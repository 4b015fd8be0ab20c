/*
 * Matrices: a profile file (or an inline object) -> the list of variants it
 * yields. The size is counted, with overflow checks and a cap, before a
 * single variant is made.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sizematd.h"

#define MATRIX_MAX_FILE		(1024 * 1024)
#define MATRIX_MAX_AXES		VARIANT_MAX_SETTINGS
#define MATRIX_MAX_PRODUCT	1000000

struct matrix_axis {
	char	 *key;
	char	**values;
	size_t	  nvalues;
};

struct matrix {
	char			*name;
	char			*shape;
	char			*description;
	cJSON			*source;
	struct variant		 base;
	struct matrix_axis	 axes[MATRIX_MAX_AXES];
	size_t			 naxes;
	struct variant		*excludes;
	size_t			 nexcludes;
	struct variant		*variants;
	char			**steps;
	char			**posts;	/* post steps per variant */
	char			*post;		/* post steps of every one */
	int			 bootstrap;	/* "unstable": "bootstrap" */
	int			 timeout_s;	/* 0: the daemon's */
	int			 verify;	/* "verify": true */
	char			*bench;		/* normalised JSON, or NULL */
	size_t			 count;
};

/* Frees a matrix and everything it owns. */
void
matrix_free(struct matrix *m)
{
	size_t	 i, j;

	if (m == NULL)
		return;
	free(m->name);
	free(m->shape);
	free(m->description);
	free(m->bench);
	cJSON_Delete(m->source);
	variant_clear(&m->base);
	for (i = 0; i < m->naxes; i++) {
		free(m->axes[i].key);
		for (j = 0; j < m->axes[i].nvalues; j++)
			free(m->axes[i].values[j]);
		free(m->axes[i].values);
	}
	for (i = 0; i < m->nexcludes; i++)
		variant_clear(&m->excludes[i]);
	free(m->excludes);
	for (i = 0; i < m->count; i++) {
		variant_clear(&m->variants[i]);
		if (m->steps != NULL)
			free(m->steps[i]);
		if (m->posts != NULL)
			free(m->posts[i]);
	}
	free(m->variants);
	free(m->steps);
	free(m->posts);
	free(m->post);
	free(m);
}

/*
 * Adds "source: path: message" to *cause, a line per error, so that one
 * answer lists every bad value of a matrix, not only the first.
 */
static int
matrix_fail(char **cause, const char *source, const char *path,
    const char *msg)
{
	char	*line, *both;

	if (path != NULL && *path != '\0')
		xasprintf(&line, "%s: %s: %s", source, path, msg);
	else
		xasprintf(&line, "%s: %s", source, msg);
	if (*cause == NULL)
		*cause = line;
	else {
		xasprintf(&both, "%s\n%s", *cause, line);
		free(*cause);
		free(line);
		*cause = both;
	}
	return (-1);
}

/* Reads an object of settings into v, on top of what v holds. */
static int
matrix_settings(const cJSON *o, const char *source, const char *path,
    struct variant *v, char **cause)
{
	const cJSON	*item;
	char		*value, *why, *where;
	int		 rc = 0;

	if (!cJSON_IsObject(o))
		return (matrix_fail(cause, source, path,
		    "must be an object of settings"));
	cJSON_ArrayForEach(item, o) {
		xasprintf(&where, "%s.%s", path, item->string);
		if (variant_normalise(item->string, item, &value, &why) != 0) {
			/* Go on: every bad setting is reported at once. */
			rc = matrix_fail(cause, source, where, why);
			free(why);
			free(where);
			continue;
		}
		free(where);
		variant_set(v, item->string, value);
		free(value);
	}
	return (rc);
}

/* Reads a list of post steps (post.c names them) at path. */
static int
matrix_post(const cJSON *o, const char *source, const char *path,
    char **out, char **cause)
{
	char	*why;
	int	 rc;

	if (post_normalise(o, out, &why) != 0) {
		rc = matrix_fail(cause, source, path, why);
		free(why);
		return (rc);
	}
	return (0);
}

/* Checks a whole variant (settings that need another) at path. */
static int
matrix_check(const struct variant *v, const char *source, const char *path,
    char **cause)
{
	char	*why;
	int	 rc;

	if (variant_check(v, &why) != 0) {
		rc = matrix_fail(cause, source, path, why);
		free(why);
		return (rc);
	}
	return (0);
}

/* Finds an axis by key. */
static struct matrix_axis *
matrix_axis_find(struct matrix *m, const char *key)
{
	size_t	 i;

	for (i = 0; i < m->naxes; i++) {
		if (strcmp(m->axes[i].key, key) == 0)
			return (&m->axes[i]);
	}
	return (NULL);
}

/* Reads the axes object. */
static int
matrix_parse_axes(struct matrix *m, const cJSON *axes, const char *source,
    char **cause)
{
	const cJSON		*axis, *item;
	struct matrix_axis	*a;
	char			*value, *why, *where, *msg;
	size_t			 i, j;
	int			 rc = 0;

	if (!cJSON_IsObject(axes))
		return (matrix_fail(cause, source, "axes",
		    "must be an object: {\"opt-level\": [3, \"z\"], ...}"));
	cJSON_ArrayForEach(axis, axes) {
		xasprintf(&where, "axes.%s", axis->string);
		if (!variant_known_key(axis->string)) {
			xasprintf(&msg, "unknown key; known keys: %s",
			    variant_known_keys());
			rc = matrix_fail(cause, source, where, msg);
			free(msg);
			free(where);
			continue;
		}
		if (!cJSON_IsArray(axis) || cJSON_GetArraySize(axis) == 0) {
			rc = matrix_fail(cause, source, where,
			    "must be a non-empty list of values");
			free(where);
			continue;
		}
		free(where);
		if (m->naxes == MATRIX_MAX_AXES)
			return (matrix_fail(cause, source, "axes",
			    "too many axes"));
		a = &m->axes[m->naxes++];
		a->key = xstrdup(axis->string);
		a->nvalues = 0;
		a->values = xcalloc((size_t)cJSON_GetArraySize(axis),
		    sizeof *a->values);
		i = 0;
		cJSON_ArrayForEach(item, axis) {
			xasprintf(&where, "axes.%s[%zu]", axis->string, i++);
			if (variant_normalise(axis->string, item, &value,
			    &why) != 0) {
				/* Go on: every bad value is reported at once. */
				rc = matrix_fail(cause, source, where, why);
				free(why);
				free(where);
				continue;
			}
			for (j = 0; j < a->nvalues; j++) {
				if (strcmp(a->values[j], value) != 0)
					continue;
				xasprintf(&msg, "repeats axes.%s[%zu] (both "
				    "mean %s)", axis->string, j, value);
				rc = matrix_fail(cause, source, where, msg);
				free(msg);
				free(value);
				free(where);
				return (rc);
			}
			free(where);
			a->values[a->nvalues++] = value;
		}
	}
	if (m->naxes == 0 && rc == 0)
		return (matrix_fail(cause, source, "axes",
		    "has no axes; an axes matrix needs at least one"));
	return (rc);
}

/* Reads the exclude list: each rule names axis values to leave out. */
static int
matrix_parse_exclude(struct matrix *m, const cJSON *exclude,
    const char *source, char **cause)
{
	const cJSON	*rule, *item;
	char		*path, *where, *value, *why;
	size_t		 i = 0;
	int		 rc;

	if (exclude == NULL)
		return (0);
	if (!cJSON_IsArray(exclude))
		return (matrix_fail(cause, source, "exclude",
		    "must be a list of objects"));
	m->excludes = xcalloc((size_t)cJSON_GetArraySize(exclude) + 1,
	    sizeof *m->excludes);
	cJSON_ArrayForEach(rule, exclude) {
		xasprintf(&path, "exclude[%zu]", i);
		if (!cJSON_IsObject(rule) || cJSON_GetArraySize(rule) == 0) {
			rc = matrix_fail(cause, source, path,
			    "must be a non-empty object of axis values");
			free(path);
			return (rc);
		}
		variant_init(&m->excludes[m->nexcludes++]);
		cJSON_ArrayForEach(item, rule) {
			xasprintf(&where, "%s.%s", path, item->string);
			if (matrix_axis_find(m, item->string) == NULL) {
				rc = matrix_fail(cause, source, where,
				    "is not an axis of this matrix");
				free(where);
				free(path);
				return (rc);
			}
			if (variant_normalise(item->string, item, &value,
			    &why) != 0) {
				rc = matrix_fail(cause, source, where, why);
				free(why);
				free(where);
				free(path);
				return (rc);
			}
			variant_set(&m->excludes[m->nexcludes - 1],
			    item->string, value);
			free(value);
			free(where);
		}
		free(path);
		i++;
	}
	return (0);
}

/* Fills v with the combination numbered idx (mixed radix over the axes). */
static void
matrix_combination(const struct matrix *m, size_t idx, struct variant *v)
{
	size_t	 i;

	variant_copy(v, &m->base);
	for (i = m->naxes; i-- > 0;) {
		variant_set(v, m->axes[i].key,
		    m->axes[i].values[idx % m->axes[i].nvalues]);
		idx /= m->axes[i].nvalues;
	}
}

/* Tells whether an exclude rule leaves out v. */
static int
matrix_excluded(const struct matrix *m, const struct variant *v)
{
	const struct variant	*rule;
	const char		*have;
	size_t			 i, j;

	for (i = 0; i < m->nexcludes; i++) {
		rule = &m->excludes[i];
		for (j = 0; j < rule->n; j++) {
			have = variant_get(v, rule->key[j]);
			if (have == NULL || strcmp(have, rule->value[j]) != 0)
				break;
		}
		if (j == rule->n)
			return (1);
	}
	return (0);
}

/* Counts the axes product, then expands it into variants under the cap. */
static int
matrix_expand_axes(struct matrix *m, const char *source, size_t cap,
    char **cause)
{
	struct variant	 v;
	size_t		 product = 1, i, n = 0;
	char		*msg;
	int		 rc;

	for (i = 0; i < m->naxes; i++) {
		if (product > MATRIX_MAX_PRODUCT / m->axes[i].nvalues) {
			xasprintf(&msg, "the product of the axes has more than "
			    "%d combinations; the cap is %zu builds",
			    MATRIX_MAX_PRODUCT, cap);
			rc = matrix_fail(cause, source, "axes", msg);
			free(msg);
			return (rc);
		}
		product *= m->axes[i].nvalues;
	}
	variant_init(&v);
	for (i = 0; i < product; i++) {
		matrix_combination(m, i, &v);
		if (!matrix_excluded(m, &v))
			n++;
	}
	if (n == 0) {
		variant_clear(&v);
		return (matrix_fail(cause, source, "exclude",
		    "leaves out every combination: the matrix is empty"));
	}
	if (n > cap) {
		variant_clear(&v);
		xasprintf(&msg, "yields %zu builds, over the cap of %zu "
		    "(config max_builds)", n, cap);
		rc = matrix_fail(cause, source, "axes", msg);
		free(msg);
		return (rc);
	}
	m->variants = xcalloc(n, sizeof *m->variants);
	for (i = 0; i < product; i++) {
		matrix_combination(m, i, &v);
		if (matrix_excluded(m, &v))
			continue;
		msg = variant_key(&v);
		rc = matrix_check(&v, source, msg, cause);
		free(msg);
		if (rc != 0) {
			variant_clear(&v);
			return (rc);
		}
		variant_copy(&m->variants[m->count++], &v);
	}
	variant_clear(&v);
	return (0);
}

/*
 * Reads one ladder step at path into m: its name (new), its settings on
 * top of the steps before (v), its post steps; a step that builds what an
 * earlier one builds is refused. Returns 0, or non-zero with the cause.
 */
static int
matrix_parse_step(struct matrix *m, const cJSON *step, const char *source,
    const char *path, struct variant *v, char **cause)
{
	const cJSON	*name, *set, *item, *post;
	char		*where, *msg, *key, *prev, *steppost = NULL;
	size_t		 j;
	int		 rc = 0;

	if (!cJSON_IsObject(step))
		return (matrix_fail(cause, source, path,
		    "must be an object with a name"));
	cJSON_ArrayForEach(item, step) {
		if (strcmp(item->string, "name") == 0 ||
		    strcmp(item->string, "set") == 0 ||
		    strcmp(item->string, "post") == 0)
			continue;
		xasprintf(&where, "%s.%s", path, item->string);
		rc = matrix_fail(cause, source, where,
		    "unknown key; a step has name, set and post");
		free(where);
		return (rc);
	}
	name = cJSON_GetObjectItemCaseSensitive(step, "name");
	xasprintf(&where, "%s.name", path);
	if (!cJSON_IsString(name) || *name->valuestring == '\0')
		rc = matrix_fail(cause, source, where,
		    "must be a non-empty string");
	for (j = 0; rc == 0 && j < m->count; j++) {
		if (strcmp(m->steps[j], name->valuestring) != 0)
			continue;
		xasprintf(&msg, "\"%s\" is already the name of steps[%zu]",
		    name->valuestring, j);
		rc = matrix_fail(cause, source, where, msg);
		free(msg);
	}
	free(where);
	if (rc != 0)
		return (rc);
	if ((set = cJSON_GetObjectItemCaseSensitive(step, "set")) != NULL) {
		xasprintf(&where, "%s.set", path);
		rc = matrix_settings(set, source, where, v, cause);
		free(where);
		if (rc != 0)
			return (rc);
	}
	if ((rc = matrix_check(v, source, path, cause)) != 0)
		return (rc);
	if ((post = cJSON_GetObjectItemCaseSensitive(step, "post")) != NULL) {
		xasprintf(&where, "%s.post", path);
		rc = matrix_post(post, source, where, &steppost, cause);
		free(where);
		if (rc != 0)
			return (rc);
	}
	key = variant_key(v);
	for (j = 0; rc == 0 && j < m->count; j++) {
		prev = variant_key(&m->variants[j]);
		if (strcmp(prev, key) == 0) {
			xasprintf(&msg, "changes nothing: it builds the same "
			    "variant as steps[%zu] (%s)", j, key);
			rc = matrix_fail(cause, source, path, msg);
			free(msg);
		}
		free(prev);
	}
	free(key);
	if (rc != 0) {
		free(steppost);
		return (rc);
	}
	variant_copy(&m->variants[m->count], v);
	m->posts[m->count] = steppost;
	m->steps[m->count++] = xstrdup(name->valuestring);
	return (0);
}

/* Reads the steps of a ladder, each adding its settings to the previous. */
static int
matrix_parse_steps(struct matrix *m, const cJSON *steps, const char *source,
    size_t cap, char **cause)
{
	const cJSON	*step;
	struct variant	 v;
	char		*path, *msg;
	size_t		 n, i = 0;
	int		 rc = 0;

	if (!cJSON_IsArray(steps) || (n = cJSON_GetArraySize(steps)) == 0)
		return (matrix_fail(cause, source, "steps",
		    "must be a non-empty list of {\"name\": ..., \"set\": "
		    "{...}}"));
	if (n > cap) {
		xasprintf(&msg, "yields %zu builds, over the cap of %zu "
		    "(config max_builds)", n, cap);
		rc = matrix_fail(cause, source, "steps", msg);
		free(msg);
		return (rc);
	}
	m->variants = xcalloc(n, sizeof *m->variants);
	m->steps = xcalloc(n, sizeof *m->steps);
	m->posts = xcalloc(n, sizeof *m->posts);
	variant_init(&v);
	variant_copy(&v, &m->base);
	cJSON_ArrayForEach(step, steps) {
		xasprintf(&path, "steps[%zu]", i++);
		rc = matrix_parse_step(m, step, source, path, &v, cause);
		free(path);
		if (rc != 0)
			break;
	}
	variant_clear(&v);
	return (rc);
}

/* Tells whether s is a usable matrix name. */
static int
matrix_valid_name(const char *s)
{
	size_t	 n = strlen(s);

	return (n > 0 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n && s[0] != '.');
}

/* Reads "bench", the benchmark run against each build (bench.c). */
static int
matrix_parse_bench(struct matrix *m, const cJSON *o, const char *source,
    char **cause)
{
	const cJSON	*b = cJSON_GetObjectItemCaseSensitive(o, "bench");

	if (b == NULL || cJSON_IsNull(b))
		return (0);
	m->bench = bench_spec_normalise(b, source, cause);
	return (m->bench != NULL ? 0 : -1);
}

/*
 * Reads what a matrix says besides its variants: name, description, the
 * unstable opt-in, timeout, post steps and base settings. Returns 0, or
 * -1 with the cause.
 */
static int
matrix_parse_header(struct matrix *m, const cJSON *o, const char *source,
    char **cause)
{
	const cJSON	*name, *desc, *base, *un, *post, *timeout, *verify;

	name = cJSON_GetObjectItemCaseSensitive(o, "name");
	if (!cJSON_IsString(name) || !matrix_valid_name(name->valuestring)) {
		matrix_fail(cause, source, "name", "must be a string of "
		    "letters, digits, '.', '_' and '-' (at most 64)");
		return (-1);
	}
	m->name = xstrdup(name->valuestring);
	desc = cJSON_GetObjectItemCaseSensitive(o, "description");
	if (desc != NULL && !cJSON_IsString(desc)) {
		matrix_fail(cause, source, "description", "must be a string");
		return (-1);
	}
	m->description = xstrdup(desc != NULL ? desc->valuestring : "");
	un = cJSON_GetObjectItemCaseSensitive(o, "unstable");
	if (un != NULL && (!cJSON_IsString(un) ||
	    strcmp(un->valuestring, "bootstrap") != 0)) {
		matrix_fail(cause, source, "unstable", "the only value is "
		    "\"bootstrap\" (build unstable options on a stable "
		    "toolchain with RUSTC_BOOTSTRAP=1)");
		return (-1);
	}
	m->bootstrap = un != NULL;
	timeout = cJSON_GetObjectItemCaseSensitive(o, "timeout");
	if (timeout != NULL && (!cJSON_IsNumber(timeout) ||
	    timeout->valuedouble != (double)(int)timeout->valuedouble ||
	    timeout->valueint < 1 || timeout->valueint > 7 * 86400)) {
		matrix_fail(cause, source, "timeout", "must be a whole number "
		    "of seconds from 1 to 604800 (a build running longer is "
		    "killed)");
		return (-1);
	}
	m->timeout_s = timeout != NULL ? timeout->valueint : 0;
	verify = cJSON_GetObjectItemCaseSensitive(o, "verify");
	if (verify != NULL && !cJSON_IsBool(verify)) {
		matrix_fail(cause, source, "verify", "must be true or false "
		    "(true: each run is built again in fresh target dirs once "
		    "it is done, to check the bytes are the same)");
		return (-1);
	}
	m->verify = cJSON_IsTrue(verify);
	if (matrix_parse_bench(m, o, source, cause) != 0)
		return (-1);
	post = cJSON_GetObjectItemCaseSensitive(o, "post");
	if (post != NULL &&
	    matrix_post(post, source, "post", &m->post, cause) != 0)
		return (-1);
	base = cJSON_GetObjectItemCaseSensitive(o, "base");
	if (base != NULL &&
	    matrix_settings(base, source, "base", &m->base, cause) != 0)
		return (-1);
	return (0);
}

/*
 * Reads a matrix's variants by its shape: axes (and exclude) expanded, or
 * ladder steps. Returns 0, or -1 with the cause.
 */
static int
matrix_parse_shape(struct matrix *m, const cJSON *o, const char *source,
    size_t cap, char **cause)
{
	const cJSON	*shape;
	char		*msg;

	shape = cJSON_GetObjectItemCaseSensitive(o, "shape");
	if (cJSON_IsString(shape) && strcmp(shape->valuestring, "axes") == 0) {
		m->shape = xstrdup("axes");
		if (cJSON_GetObjectItemCaseSensitive(o, "steps") != NULL) {
			matrix_fail(cause, source, "steps", "belongs to a "
			    "ladder; an axes matrix has axes and exclude");
			return (-1);
		}
		return (matrix_parse_axes(m, cJSON_GetObjectItemCaseSensitive(o,
		    "axes"), source, cause) != 0 ||
		    matrix_parse_exclude(m, cJSON_GetObjectItemCaseSensitive(o,
		    "exclude"), source, cause) != 0 ||
		    matrix_expand_axes(m, source, cap, cause) != 0 ? -1 : 0);
	}
	if (cJSON_IsString(shape) && strcmp(shape->valuestring, "ladder") == 0) {
		m->shape = xstrdup("ladder");
		if (cJSON_GetObjectItemCaseSensitive(o, "axes") != NULL ||
		    cJSON_GetObjectItemCaseSensitive(o, "exclude") != NULL) {
			matrix_fail(cause, source, "axes", "axes and exclude "
			    "belong to an axes matrix; a ladder has steps");
			return (-1);
		}
		return (matrix_parse_steps(m, cJSON_GetObjectItemCaseSensitive(
		    o, "steps"), source, cap, cause));
	}
	msg = shape != NULL ? cJSON_PrintUnformatted(shape) : NULL;
	free(*cause);
	if (msg == NULL)
		matrix_fail(cause, source, "shape", "is missing; it is one of "
		    "axes, ladder");
	else {
		xasprintf(cause, "%s: shape: %s is not one of axes, ladder",
		    source, msg);
		cJSON_free(msg);
	}
	return (-1);
}

/*
 * Validates a matrix object and expands it into at most cap variants; source
 * names the file (or "matrix") in messages.
 */
struct matrix *
matrix_parse(const cJSON *o, const char *source, size_t cap, char **cause)
{
	static const char *const top[] = { "name", "shape", "description",
	    "base", "axes", "exclude", "steps", "post", "unstable", "timeout",
	    "verify", "bench", NULL };
	const char *const	*t;
	const cJSON		*item;
	struct matrix		*m;

	*cause = NULL;
	if (!cJSON_IsObject(o)) {
		matrix_fail(cause, source, NULL, "a matrix must be a JSON "
		    "object with name, shape and axes or steps");
		return (NULL);
	}
	cJSON_ArrayForEach(item, o) {
		for (t = top; *t != NULL; t++) {
			if (strcmp(*t, item->string) == 0)
				break;
		}
		if (*t == NULL) {
			matrix_fail(cause, source, item->string, "unknown key; "
			    "a matrix has name, shape, description, base, axes "
			    "and exclude (axes) or steps (ladder), post, "
			    "unstable, timeout, verify and bench");
			return (NULL);
		}
	}
	m = xcalloc(1, sizeof *m);
	variant_init(&m->base);
	m->source = cJSON_Duplicate(o, 1);
	if (matrix_parse_header(m, o, source, cause) != 0 ||
	    matrix_parse_shape(m, o, source, cap, cause) != 0) {
		matrix_free(m);
		return (NULL);
	}
	return (m);
}

/* Reads and parses a matrix file. */
struct matrix *
matrix_load(const char *path, size_t cap, char **cause)
{
	cJSON		*o;
	struct matrix	*m;

	if ((o = json_load_file(path, MATRIX_MAX_FILE, cause)) == NULL)
		return (NULL);
	m = matrix_parse(o, path, cap, cause);
	cJSON_Delete(o);
	return (m);
}

/* Returns the name of the matrix in dir nearest to name, if one is near. */
static char *
matrix_near(const char *dir, const char *name)
{
	DIR		*d;
	struct dirent	*e;
	char		*best = NULL;
	size_t		 len;
	int		 dist, bestd = 10;

	if ((d = opendir(dir)) == NULL)
		return (NULL);
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		e->d_name[len - 5] = '\0';
		if (words_near(name, e->d_name) &&
		    (dist = words_distance(name, e->d_name)) < bestd) {
			bestd = dist;
			free(best);
			best = xstrdup(e->d_name);
		}
	}
	closedir(d);
	return (best);
}

/* Loads the matrix called name from the profiles directory. */
int
matrix_find(const char *dir, const char *name, size_t cap,
    struct matrix **out, char **cause)
{
	char	*path, *near;

	*out = NULL;
	if (!matrix_valid_name(name)) {
		xasprintf(cause, "\"%s\" is not a matrix name", name);
		return (-1);
	}
	xasprintf(&path, "%s/%s.json", dir, name);
	if (access(path, R_OK) != 0) {
		near = matrix_near(dir, name);
		xasprintf(cause, "no matrix \"%s\" in %s%s%s%s; 'sizemat "
		    "matrices' lists them", name, dir, near ? "; did you mean "
		    "\"" : "", near ? near : "", near ? "\"?" : "");
		free(near);
		free(path);
		return (-1);
	}
	*out = matrix_load(path, cap, cause);
	free(path);
	return (*out == NULL ? -1 : 0);
}

/* Compares two strings through pointers, for qsort. */
static int
matrix_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Lists the matrices in the profiles directory, with any errors. */
cJSON *
matrix_list(const char *dir, size_t cap)
{
	DIR		*d;
	struct dirent	*de;
	struct strlist	 names = { NULL, 0 };
	struct matrix	*m;
	cJSON		*a, *o;
	char		*path, *cause;
	size_t		 i, len;

	a = cJSON_CreateArray();
	if ((d = opendir(dir)) == NULL)
		return (a);
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0)
			strlist_add(&names, de->d_name);
	}
	closedir(d);
	if (names.n > 0)
		qsort(names.v, names.n, sizeof *names.v, matrix_cmp);
	for (i = 0; i < names.n; i++) {
		xasprintf(&path, "%s/%s", dir, names.v[i]);
		o = cJSON_CreateObject();
		if ((m = matrix_load(path, cap, &cause)) == NULL) {
			names.v[i][strlen(names.v[i]) - 5] = '\0';
			cJSON_AddStringToObject(o, "name", names.v[i]);
			cJSON_AddStringToObject(o, "error", cause);
			free(cause);
		} else {
			cJSON_AddStringToObject(o, "name", m->name);
			cJSON_AddStringToObject(o, "shape", m->shape);
			cJSON_AddStringToObject(o, "description",
			    m->description);
			cJSON_AddNumberToObject(o, "variants",
			    (double)m->count);
			matrix_free(m);
		}
		cJSON_AddStringToObject(o, "file", path);
		cJSON_AddItemToArray(a, o);
		free(path);
	}
	strlist_free(&names);
	return (a);
}

/* Returns the matrix's name. */
const char *
matrix_name(const struct matrix *m)
{
	return (m->name);
}

/* Returns "axes" or "ladder". */
const char *
matrix_shape(const struct matrix *m)
{
	return (m->shape);
}

/* Returns how many variants the matrix yields. */
size_t
matrix_count(const struct matrix *m)
{
	return (m->count);
}

/* Returns variant i. */
const struct variant *
matrix_variant(const struct matrix *m, size_t i)
{
	return (&m->variants[i]);
}

/* Returns the ladder step name of variant i, or NULL for axes. */
const char *
matrix_step(const struct matrix *m, size_t i)
{
	return (m->steps != NULL ? m->steps[i] : NULL);
}

/* Returns the matrix's benchmark as normalised JSON, or NULL. */
const char *
matrix_bench(const struct matrix *m)
{
	return (m->bench);
}

/* Returns the matrix's build timeout in seconds, or 0 for the daemon's. */
int
matrix_timeout(const struct matrix *m)
{
	return (m->timeout_s);
}

/* Tells whether the matrix opts in to RUSTC_BOOTSTRAP=1. */
int
matrix_bootstrap(const struct matrix *m)
{
	return (m->bootstrap);
}

/* Tells whether the matrix's runs are verified once done. */
int
matrix_verify(const struct matrix *m)
{
	return (m->verify);
}

/*
 * Returns the post steps of variant i: the matrix's own and the step's,
 * comma-joined in post.c's order, or NULL for none. The caller frees it.
 */
char *
matrix_post_steps(const struct matrix *m, size_t i)
{
	const char	*step = m->posts != NULL ? m->posts[i] : NULL;
	char		*both, *out;

	if (m->post == NULL && step == NULL)
		return (NULL);
	if (m->post == NULL || step == NULL)
		return (xstrdup(m->post != NULL ? m->post : step));
	xasprintf(&both, "%s,%s", m->post, step);
	out = post_canonical(both);
	free(both);
	return (out);
}

/* Returns how many axes an axes matrix has (0 for a ladder). */
size_t
matrix_naxes(const struct matrix *m)
{
	return (m->naxes);
}

/* Returns axis i's key and, in *n, how many values it has. */
const char *
matrix_axis(const struct matrix *m, size_t i, size_t *n)
{
	*n = m->axes[i].nvalues;
	return (m->axes[i].key);
}

/* Returns value j of axis i. */
const char *
matrix_axis_value(const struct matrix *m, size_t i, size_t j)
{
	return (m->axes[i].values[j]);
}

/*
 * Fills v with the point of the grid that takes value point[i] on each
 * axis i, over the base. Returns 0, or -1 when an exclude rule leaves it
 * out (v is filled all the same).
 */
int
matrix_point(const struct matrix *m, const size_t *point, struct variant *v)
{
	size_t	 i;

	variant_copy(v, &m->base);
	for (i = 0; i < m->naxes; i++)
		variant_set(v, m->axes[i].key, m->axes[i].values[point[i]]);
	return (matrix_excluded(m, v) ? -1 : 0);
}

/* Returns the matrix as given, serialised, to be stored with a run. */
char *
matrix_source_json(const struct matrix *m)
{
	char	*s, *copy;

	s = cJSON_PrintUnformatted(m->source);
	copy = xstrdup(s);
	cJSON_free(s);
	return (copy);
}
