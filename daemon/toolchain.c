/*
 * Toolchains: which cargo and rustc a variant builds with. The daemon finds
 * `default` (cargo and rustc on its PATH), every rustup toolchain and
 * `system` (/usr/bin/cargo with /usr/bin/rustc) on its own, and takes more
 * from its config. Each is probed once at start with `rustc -vV` and
 * `rustc --print sysroot`, which tell its identity, whether it is a nightly
 * and whether it has the standard library's source for -Zbuild-std.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sizematd.h"

#define TOOLCHAIN_MAX		64

struct toolchains {
	struct toolchain	*v[TOOLCHAIN_MAX];
	size_t			 n;
};

static void	toolchain_free(struct toolchain *);

/* Returns the value of a "name: value" line of `rustc -vV`, or NULL. */
static char *
toolchain_field(const char *text, const char *name)
{
	const char	*p = text;
	size_t		 len = strlen(name);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, len) == 0 && p[len] == ':' &&
		    p[len + 1] == ' ')
			return (xstrndup(p + len + 2, strcspn(p + len + 2,
			    "\n")));
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return (NULL);
}

/*
 * Fills an identity from `rustc -vV` output: version line, release, commit,
 * host and LLVM version.
 */
int
toolchain_parse_identity(struct toolchain_identity *id, const char *text)
{
	memset(id, 0, sizeof *id);
	if (text == NULL || strncmp(text, "rustc ", 6) != 0)
		return (-1);
	id->version = xstrndup(text, strcspn(text, "\n"));
	id->release = toolchain_field(text, "release");
	id->commit = toolchain_field(text, "commit-hash");
	id->host = toolchain_field(text, "host");
	id->llvm = toolchain_field(text, "LLVM version");
	if (id->release == NULL || id->host == NULL) {
		toolchain_identity_clear(id);
		return (-1);
	}
	id->nightly = strstr(id->release, "nightly") != NULL ||
	    strstr(id->release, "-dev") != NULL;
	return (0);
}

/* Frees what an identity holds. */
void
toolchain_identity_clear(struct toolchain_identity *id)
{
	free(id->version);
	free(id->release);
	free(id->commit);
	free(id->host);
	free(id->llvm);
	memset(id, 0, sizeof *id);
}

/* Returns the identity as the JSON object a build records. */
cJSON *
toolchain_identity_json(const struct toolchain *tc,
    const struct toolchain_identity *id)
{
	cJSON	*o;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", tc->name);
	cJSON_AddStringToObject(o, "cargo", tc->cargo_shown);
	cJSON_AddStringToObject(o, "rustc", tc->rustc_shown);
	if (id->version != NULL)
		cJSON_AddStringToObject(o, "version", id->version);
	if (id->release != NULL)
		cJSON_AddStringToObject(o, "release", id->release);
	if (id->commit != NULL)
		cJSON_AddStringToObject(o, "commit", id->commit);
	if (id->host != NULL)
		cJSON_AddStringToObject(o, "host", id->host);
	if (id->llvm != NULL)
		cJSON_AddStringToObject(o, "llvm", id->llvm);
	return (o);
}

/* Adds the command that runs the toolchain's rustc. */
void
toolchain_rustc_argv(const struct toolchain *tc, struct strlist *argv)
{
	strlist_add(argv, tc->rustc);
	if (tc->rustup != NULL)
		strlist_addf(argv, "+%s", tc->rustup);
}

/* Adds the command that runs the toolchain's cargo. */
void
toolchain_cargo_argv(const struct toolchain *tc, struct strlist *argv)
{
	strlist_add(argv, tc->cargo);
	if (tc->rustup != NULL)
		strlist_addf(argv, "+%s", tc->rustup);
}

/* Finds a program on PATH as execvp would; NULL when it is not there. */
char *
program_path(const char *prog)
{
	const char	*path, *p;
	char		*cand;
	size_t		 len;

	if (strchr(prog, '/') != NULL)
		return (access(prog, X_OK) == 0 ? xstrdup(prog) : NULL);
	if ((path = getenv("PATH")) == NULL)
		return (NULL);
	for (p = path; ; p += len + 1) {
		len = strcspn(p, ":");
		xasprintf(&cand, "%.*s/%s", (int)len, len ? p : ".", prog);
		if (access(cand, X_OK) == 0)
			return (cand);
		free(cand);
		if (p[len] == '\0')
			break;
	}
	return (NULL);
}

/* Returns the program's path for records, or the name when not found. */
static char *
toolchain_which(const char *prog)
{
	char	*path = program_path(prog);

	return (path != NULL ? path : xstrdup(prog));
}

/* Probes a toolchain: identity, sysroot and the standard library's source. */
static void
toolchain_probe(struct toolchain *tc)
{
	struct strlist	 argv = { NULL, 0 };
	struct stat	 sb;
	char		*out, *cause = NULL, *path;

	toolchain_rustc_argv(tc, &argv);
	strlist_add(&argv, "-vV");
	out = command_capture(&argv, &tc->env, &cause);
	strlist_free(&argv);
	if (out == NULL || toolchain_parse_identity(&tc->id, out) != 0) {
		free(tc->problem);
		if (cause != NULL)
			tc->problem = cause;
		else
			xasprintf(&tc->problem, "'%s -vV' did not say its "
			    "version and host", tc->rustc_shown);
		free(out);
		return;
	}
	free(out);
	toolchain_rustc_argv(tc, &argv);
	strlist_add(&argv, "--print");
	strlist_add(&argv, "sysroot");
	out = command_capture(&argv, &tc->env, &cause);
	strlist_free(&argv);
	if (out == NULL) {
		tc->problem = cause;
		return;
	}
	out[strcspn(out, "\n")] = '\0';
	tc->sysroot = out;
	xasprintf(&path, "%s/lib/rustlib/src/rust/library/Cargo.lock",
	    tc->sysroot);
	tc->has_src = stat(path, &sb) == 0;
	free(path);
}

/* Adds a toolchain to the list, replacing one of the same name. */
static struct toolchain *
toolchain_add(struct toolchains *tcs, const char *name, const char *origin,
    const char *cargo, const char *rustc, const char *rustup)
{
	struct toolchain	*tc;
	size_t			 i;

	for (i = 0; i < tcs->n; i++) {
		if (strcmp(tcs->v[i]->name, name) == 0) {
			toolchain_free(tcs->v[i]);
			memmove(&tcs->v[i], &tcs->v[i + 1],
			    (tcs->n - i - 1) * sizeof tcs->v[0]);
			tcs->n--;
			break;
		}
	}
	if (tcs->n == TOOLCHAIN_MAX)
		return (NULL);
	tc = xcalloc(1, sizeof *tc);
	tc->name = xstrdup(name);
	tc->origin = origin;
	tc->cargo = xstrdup(cargo);
	tc->rustc = xstrdup(rustc);
	tc->rustup = rustup != NULL ? xstrdup(rustup) : NULL;
	if (rustup != NULL) {
		xasprintf(&tc->cargo_shown, "%s +%s", cargo, rustup);
		xasprintf(&tc->rustc_shown, "%s +%s", rustc, rustup);
	} else {
		tc->cargo_shown = toolchain_which(cargo);
		tc->rustc_shown = toolchain_which(rustc);
	}
	tcs->v[tcs->n++] = tc;
	return (tc);
}

/* Frees one toolchain. */
static void
toolchain_free(struct toolchain *tc)
{
	if (tc == NULL)
		return;
	free(tc->name);
	free(tc->cargo);
	free(tc->rustc);
	free(tc->rustup);
	free(tc->cargo_shown);
	free(tc->rustc_shown);
	free(tc->sysroot);
	free(tc->problem);
	strlist_free(&tc->env);
	toolchain_identity_clear(&tc->id);
	free(tc);
}

/* Adds each rustup toolchain by its channel name (host suffix dropped). */
static void
toolchain_find_rustup(struct toolchains *tcs, const char *host)
{
	struct strlist	 argv = { NULL, 0 }, none = { NULL, 0 };
	char		*out, *cause = NULL, *line, *next, *name;
	size_t		 len, hlen;

	strlist_add(&argv, "rustup");
	strlist_add(&argv, "toolchain");
	strlist_add(&argv, "list");
	out = command_capture(&argv, &none, &cause);
	strlist_free(&argv);
	if (out == NULL) {
		log_debug("toolchains: no rustup: %s", cause);
		free(cause);
		return;
	}
	hlen = host != NULL ? strlen(host) : 0;
	for (line = out; *line != '\0'; line = next) {
		next = line + strcspn(line, "\n");
		if (*next == '\n')
			*next++ = '\0';
		len = strcspn(line, " \t");
		if (len == 0 || strncmp(line, "no installed", 12) == 0)
			continue;
		name = xstrndup(line, len);
		if (hlen > 0 && len > hlen + 1 && name[len - hlen - 1] == '-' &&
		    strcmp(name + len - hlen, host) == 0)
			name[len - hlen - 1] = '\0';
		if (strcmp(name, "default") != 0 &&
		    strcmp(name, "system") != 0) {
			struct toolchain *tc = toolchain_add(tcs, name,
			    "rustup", "cargo", "rustc", name);

			if (tc == NULL) {
				log_warnx("toolchains: more than %d; rustup's "
				    "%s and later are left out", TOOLCHAIN_MAX,
				    name);
				free(name);
				break;
			}
			toolchain_probe(tc);
			/* Its own rustc, whatever RUSTC the daemon has. */
			if (tc->sysroot != NULL)
				strlist_addf(&tc->env, "RUSTC=%s/bin/rustc",
				    tc->sysroot);
		}
		free(name);
	}
	free(out);
}

/*
 * Reads the toolchains of the daemon's config: an object of
 * {"cargo": PATH, "rustc": PATH, "env": {...}, "unstable": "bootstrap"}.
 */
static int
toolchain_from_config(struct toolchains *tcs, const cJSON *defs,
    const char *file, struct buf *errors)
{
	const cJSON		*def, *cargo, *rustc, *env, *e, *unstable;
	struct toolchain	*tc;
	size_t			 before = errors->len;

	cJSON_ArrayForEach(def, defs) {
		cargo = cJSON_GetObjectItemCaseSensitive(def, "cargo");
		rustc = cJSON_GetObjectItemCaseSensitive(def, "rustc");
		env = cJSON_GetObjectItemCaseSensitive(def, "env");
		unstable = cJSON_GetObjectItemCaseSensitive(def, "unstable");
		if (!cJSON_IsObject(def) || !cJSON_IsString(cargo) ||
		    !cJSON_IsString(rustc)) {
			buf_printf(errors, "%s%s: toolchains.%s: must be an "
			    "object with \"cargo\" and \"rustc\" paths",
			    errors->len ? "\n" : "", file, def->string);
			continue;
		}
		if (env != NULL && !cJSON_IsObject(env)) {
			buf_printf(errors, "%s%s: toolchains.%s.env: must be "
			    "an object of strings", errors->len ? "\n" : "",
			    file, def->string);
			continue;
		}
		if (unstable != NULL && (!cJSON_IsString(unstable) ||
		    strcmp(unstable->valuestring, "bootstrap") != 0)) {
			buf_printf(errors, "%s%s: toolchains.%s.unstable: the "
			    "only value is \"bootstrap\"", errors->len ?
			    "\n" : "", file, def->string);
			continue;
		}
		tc = toolchain_add(tcs, def->string, "config",
		    cargo->valuestring, rustc->valuestring, NULL);
		if (tc == NULL) {
			buf_printf(errors, "%s%s: toolchains: more than %d",
			    errors->len ? "\n" : "", file, TOOLCHAIN_MAX);
			break;
		}
		/* A defined pair always sets RUSTC, so cargo uses its rustc. */
		strlist_addf(&tc->env, "RUSTC=%s", rustc->valuestring);
		cJSON_ArrayForEach(e, env) {
			if (cJSON_IsString(e))
				strlist_addf(&tc->env, "%s=%s", e->string,
				    e->valuestring);
		}
		tc->bootstrap = unstable != NULL;
	}
	return (errors->len > before ? -1 : 0);
}

/* Tells whether two programs are the same file. */
static int
toolchain_same_file(const char *a, const char *b)
{
	char	 ra[PATH_MAX], rb[PATH_MAX];

	if (realpath(a, ra) == NULL || realpath(b, rb) == NULL)
		return (0);
	return (strcmp(ra, rb) == 0);
}

/*
 * Finds the toolchains: default, rustup's, system, then the config's
 * definitions (which may replace any of them), and probes each.
 */
struct toolchains *
toolchains_create(const char *cargo, const char *rustc, const cJSON *defs,
    const char *file, char **cause)
{
	struct toolchains	*tcs;
	struct toolchain	*def, *sys;
	struct buf		 errors;
	size_t			 i;

	tcs = xcalloc(1, sizeof *tcs);
	def = toolchain_add(tcs, "default", "PATH", cargo, rustc, NULL);
	if (getenv("RUSTC") != NULL && *getenv("RUSTC") != '\0')
		strlist_addf(&def->env, "RUSTC=%s", getenv("RUSTC"));
	toolchain_probe(def);
	toolchain_find_rustup(tcs, def->id.host);
	if (access("/usr/bin/cargo", X_OK) == 0 &&
	    access("/usr/bin/rustc", X_OK) == 0 &&
	    !toolchain_same_file(def->cargo_shown, "/usr/bin/cargo")) {
		sys = toolchain_add(tcs, "system", "/usr/bin", "/usr/bin/cargo",
		    "/usr/bin/rustc", NULL);
		strlist_add(&sys->env, "RUSTC=/usr/bin/rustc");
		toolchain_probe(sys);
	}
	if (defs != NULL) {
		buf_init(&errors);
		if (!cJSON_IsObject(defs))
			buf_printf(&errors, "%s: toolchains: must be an object "
			    "of toolchain definitions", file);
		else if (toolchain_from_config(tcs, defs, file, &errors) == 0) {
			for (i = 0; i < tcs->n; i++) {
				if (strcmp(tcs->v[i]->origin, "config") == 0)
					toolchain_probe(tcs->v[i]);
			}
		}
		if (errors.len > 0) {
			*cause = errors.data;
			toolchains_free(tcs);
			return (NULL);
		}
		buf_free(&errors);
	}
	for (i = 0; i < tcs->n; i++) {
		if (tcs->v[i]->problem != NULL)
			log_warnx("toolchain %s: %s", tcs->v[i]->name,
			    tcs->v[i]->problem);
		else
			log_debug("toolchain %s: %s (%s)%s", tcs->v[i]->name,
			    tcs->v[i]->id.version, tcs->v[i]->cargo_shown,
			    tcs->v[i]->has_src ? ", with rust-src" : "");
	}
	return (tcs);
}

/* Frees the list and every toolchain on it. */
void
toolchains_free(struct toolchains *tcs)
{
	size_t	 i;

	if (tcs == NULL)
		return;
	for (i = 0; i < tcs->n; i++)
		toolchain_free(tcs->v[i]);
	free(tcs);
}

/* Finds a toolchain by name; NULL or "default" is the default one. */
const struct toolchain *
toolchains_find(const struct toolchains *tcs, const char *name)
{
	size_t	 i;

	if (name == NULL)
		name = "default";
	for (i = 0; i < tcs->n; i++) {
		if (strcmp(tcs->v[i]->name, name) == 0)
			return (tcs->v[i]);
	}
	return (NULL);
}

/* Tells whether two strings are both NULL or equal. */
static int
toolchain_streq(const char *a, const char *b)
{
	return (a == b || (a != NULL && b != NULL && strcmp(a, b) == 0));
}

/* Tells whether every variable of a's environment but RUSTC is in b's. */
static int
toolchain_env_within(const struct toolchain *a, const struct toolchain *b)
{
	size_t	 i, j;

	for (i = 0; i < a->env.n; i++) {
		if (strncmp(a->env.v[i], "RUSTC=", 6) == 0)
			continue;
		for (j = 0; j < b->env.n; j++) {
			if (strcmp(a->env.v[i], b->env.v[j]) == 0)
				break;
		}
		if (j == b->env.n)
			return (0);
	}
	return (1);
}

/*
 * Tells whether two toolchains build the same thing: the same rustc (its
 * commit, host and sysroot, so the same installation: which RUSTC names
 * it does not matter), with the same other environment and the same
 * opt-in to RUSTC_BOOTSTRAP. rustup's "stable" is then the default
 * toolchain under another name.
 */
int
toolchain_same(const struct toolchain *a, const struct toolchain *b)
{
	if (a == NULL || b == NULL || a->problem != NULL ||
	    b->problem != NULL || a->id.commit == NULL || a->sysroot == NULL)
		return (0);
	return (toolchain_streq(a->id.commit, b->id.commit) &&
	    toolchain_streq(a->id.host, b->id.host) &&
	    toolchain_streq(a->sysroot, b->sysroot) &&
	    a->bootstrap == b->bootstrap && toolchain_env_within(a, b) &&
	    toolchain_env_within(b, a));
}

/* Returns the known names as one line, for messages. */
char *
toolchains_names(const struct toolchains *tcs)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	for (i = 0; i < tcs->n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", tcs->v[i]->name);
	return (b.data);
}

/*
 * Tells whether the toolchain has a prebuilt standard library for a
 * target, as rustup's rust-std component installs it.
 */
int
toolchain_has_target(const struct toolchain *tc, const char *triple)
{
	struct stat	 sb;
	char		*path;
	int		 found;

	if (tc->sysroot == NULL)
		return (1);	/* unknown: let cargo say */
	xasprintf(&path, "%s/lib/rustlib/%s/lib", tc->sysroot, triple);
	found = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
	free(path);
	return (found);
}

/*
 * Adds to b the targets a toolchain has a standard library for, each as
 * ",NAME/TRIPLE,"; when its sysroot is unknown, ",NAME/any," (let cargo
 * say, as toolchain_has_target does).
 */
static void
toolchain_caps_targets(const struct toolchain *tc, struct buf *b)
{
	struct dirent	*e;
	DIR		*d;
	char		*path;

	if (tc->sysroot == NULL) {
		buf_printf(b, "%s/any,", tc->name);
		return;
	}
	xasprintf(&path, "%s/lib/rustlib", tc->sysroot);
	if ((d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] != '.' &&
			    toolchain_has_target(tc, e->d_name))
				buf_printf(b, "%s/%s,", tc->name, e->d_name);
		}
		closedir(d);
	}
	free(path);
}

/*
 * What this daemon can build, for the others sharing its store to see and
 * its claims to match (store_build_claim): for each toolchain that can
 * run, ",NAME," and ",NAME@VERSION," (rustc -vV's first line), its
 * targets (",NAME/TRIPLE,"), ",NAME/src," with the standard library's
 * source, ",NAME!nightly," for a nightly and ",NAME!bootstrap," for one
 * opted in to RUSTC_BOOTSTRAP (what planning a run asks: plan.c).
 */
char *
toolchains_caps(const struct toolchains *tcs)
{
	const struct toolchain	*tc;
	struct buf		 b;
	size_t			 i;

	buf_init(&b);
	buf_addstr(&b, ",");
	for (i = 0; i < tcs->n; i++) {
		tc = tcs->v[i];
		if (tc->problem != NULL)
			continue;
		buf_printf(&b, "%s,%s@%s,", tc->name, tc->name,
		    tc->id.version != NULL ? tc->id.version : "");
		toolchain_caps_targets(tc, &b);
		if (tc->has_src)
			buf_printf(&b, "%s/src,", tc->name);
		if (tc->id.nightly)
			buf_printf(&b, "%s!nightly,", tc->name);
		if (tc->bootstrap)
			buf_printf(&b, "%s!bootstrap,", tc->name);
	}
	buf_add(&b, "", 1);
	return (b.data);
}

/*
 * Whether caps (toolchains_caps, or several daemons' one after another)
 * say toolchain name has what (suffixed to its name: "" itself, "/src",
 * "/TRIPLE", "!nightly"...).
 */
int
toolchain_caps_has(const char *caps, const char *name, const char *what)
{
	char	*item;
	int	 found;

	xasprintf(&item, ",%s%s,", name, what);
	found = strstr(caps, item) != NULL;
	free(item);
	return (found);
}

/* Returns how to get the standard library's source for this toolchain. */
char *
toolchain_src_fix(const struct toolchain *tc)
{
	const char	*p;
	char		*fix;

	/* rustup keeps each toolchain under .../toolchains/NAME. */
	if (tc->rustup == NULL && tc->sysroot != NULL &&
	    (p = strstr(tc->sysroot, "/toolchains/")) != NULL &&
	    strchr(p + 12, '/') == NULL)
		xasprintf(&fix, "run 'rustup component add rust-src "
		    "--toolchain %s'", p + 12);
	else if (tc->rustup != NULL)
		xasprintf(&fix, "run 'rustup component add rust-src "
		    "--toolchain %s'", tc->rustup);
	else if (strncmp(tc->rustc_shown, "/usr/bin/", 9) == 0)
		xasprintf(&fix, "install Debian's rust-web-src package "
		    "(apt-get install rust-web-src), which puts it under "
		    "%s/lib/rustlib/src/rust/library", tc->sysroot ?
		    tc->sysroot : "/usr");
	else
		xasprintf(&fix, "put the standard library's source under %s"
		    "/lib/rustlib/src/rust/library", tc->sysroot ?
		    tc->sysroot : "the toolchain's sysroot");
	return (fix);
}

/* Returns every toolchain as JSON, for GET /v1/toolchains. */
cJSON *
toolchains_json(const struct toolchains *tcs)
{
	const struct toolchain	*tc;
	cJSON			*list, *o;
	size_t			 i;

	list = cJSON_CreateArray();
	for (i = 0; i < tcs->n; i++) {
		tc = tcs->v[i];
		o = toolchain_identity_json(tc, &tc->id);
		cJSON_AddStringToObject(o, "origin", tc->origin);
		cJSON_AddBoolToObject(o, "nightly", tc->id.nightly);
		cJSON_AddBoolToObject(o, "rust_src", tc->has_src);
		cJSON_AddBoolToObject(o, "bootstrap", tc->bootstrap);
		if (tc->sysroot != NULL)
			cJSON_AddStringToObject(o, "sysroot", tc->sysroot);
		if (tc->problem != NULL)
			cJSON_AddStringToObject(o, "problem", tc->problem);
		cJSON_AddItemToArray(list, o);
	}
	return (list);
}
