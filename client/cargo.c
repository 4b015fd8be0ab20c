/*
 * Cargo's conventions: run as a cargo subcommand (`cargo sizemat ...`,
 * through a cargo-sizemat link), PROJECT defaults to the crate that
 * `cargo locate-project` finds, and a crate may keep defaults in
 * [package.metadata.sizemat] or [workspace.metadata.sizemat] (matrix,
 * artifact, threshold), read through `cargo metadata` without touching the
 * file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sizemat.h"

/*
 * Runs cargo with args (NULL-terminated) in the current directory and
 * returns what it printed on stdout, or NULL (cargo's stderr passes on
 * only when loud).
 */
static char *
cargo_output(const char *const *args, int loud)
{
	struct buf	 out;
	char		 chunk[4096];
	int		 fds[2], status, fd;
	ssize_t		 n;
	pid_t		 pid;

	if (pipe(fds) == -1)
		return (NULL);
	if ((pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		return (NULL);
	}
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		if (!loud && (fd = open("/dev/null", O_WRONLY)) != -1)
			dup2(fd, 2);
		execvp("cargo", (char *const *)args);
		_exit(127);
	}
	close(fds[1]);
	buf_init(&out);
	while ((n = read(fds[0], chunk, sizeof chunk)) > 0 ||
	    (n == -1 && errno == EINTR)) {
		if (n > 0)
			buf_add(&out, chunk, (size_t)n);
	}
	close(fds[0]);
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		buf_free(&out);
		return (NULL);
	}
	if (out.data == NULL)
		buf_addstr(&out, "");
	return (out.data);
}

/*
 * Returns the directory of the crate `cargo locate-project` finds from
 * here, or NULL having said why.
 */
char *
cargo_crate_dir(int loud)
{
	static const char *const args[] = { "cargo", "locate-project",
	    "--message-format", "plain", NULL };
	char	*out, *slash;

	if ((out = cargo_output(args, loud)) == NULL) {
		if (!loud)
			return (NULL);
		fprintf(stderr, "sizemat: no crate here ('cargo locate-project' "
		    "found no Cargo.toml); name the PROJECT, or run inside a "
		    "crate\n");
		return (NULL);
	}
	out[strcspn(out, "\n")] = '\0';
	if ((slash = strrchr(out, '/')) != NULL)
		*slash = '\0';
	return (out);
}

/* Returns a default as a string: a matrix file is made absolute. */
static char *
cargo_value(const cJSON *v, const char *dir, int is_matrix)
{
	char	*s;

	if (cJSON_IsString(v)) {
		if (is_matrix && v->valuestring[0] != '/' &&
		    run_matrix_is_file(v->valuestring))
			xasprintf(&s, "%s/%s", dir, v->valuestring);
		else
			s = xstrdup(v->valuestring);
		return (s);
	}
	if (cJSON_IsNumber(v)) {
		/* A byte count stays exact: 1048576, not 1.04858e+06. */
		if (v->valuedouble == (double)(long long)v->valuedouble)
			xasprintf(&s, "%lld", (long long)v->valuedouble);
		else
			xasprintf(&s, "%.17g", v->valuedouble);
		return (s);
	}
	return (NULL);
}

/*
 * Fills what a crate's conventions give and the command line did not:
 * PROJECT (as a cargo subcommand, the crate here), then from the crate's
 * [*.metadata.sizemat]: --matrix, --artifact, and the threshold
 * (--threshold, or --max-increase for check and compare). The crate is
 * PROJECT when it is a path, else (as a cargo subcommand) the one here.
 * Returns 0, or -1 having said why.
 */
int
cargo_fill(struct options *o, const char *cmd, int takes_project)
{
	const char	*arg = o->nargs > 0 ? o->args[0] : NULL;
	const char	*dir = NULL;
	struct stat	 sb;
	cJSON		*d;

	if (o->cargo && takes_project && arg == NULL) {
		if ((o->cargo_project = cargo_crate_dir(1)) == NULL)
			return (-1);
		o->args[o->nargs++] = o->cargo_project;
		arg = o->cargo_project;
	}
	/* INTERFACE.md: a '/' or an existing directory makes a path. */
	if (takes_project && arg != NULL && (strchr(arg, '/') != NULL ||
	    (stat(arg, &sb) == 0 && S_ISDIR(sb.st_mode))))
		dir = arg;
	else if (o->cargo && (o->cargo_dir = cargo_crate_dir(0)) != NULL)
		dir = o->cargo_dir;	/* optional: no crate here is fine */
	if (dir == NULL)
		return (0);
	d = cargo_defaults(dir);
	if (o->matrix == NULL && (strcmp(cmd, "run") == 0 ||
	    strcmp(cmd, "project") == 0))
		o->matrix = o->cargo_matrix = cargo_value(
		    cJSON_GetObjectItemCaseSensitive(d, "matrix"), dir, 1);
	if (o->artifact == NULL)
		o->artifact = o->cargo_artifact = cargo_value(
		    cJSON_GetObjectItemCaseSensitive(d, "artifact"), dir, 0);
	if (strcmp(cmd, "check") == 0 || strcmp(cmd, "compare") == 0) {
		if (o->max_increase == NULL)
			o->max_increase = o->cargo_threshold = cargo_value(
			    cJSON_GetObjectItemCaseSensitive(d, "threshold"),
			    dir, 0);
	} else if (o->threshold == NULL)
		o->threshold = o->cargo_threshold = cargo_value(
		    cJSON_GetObjectItemCaseSensitive(d, "threshold"), dir, 0);
	cJSON_Delete(d);
	return (0);
}

/*
 * Reads the sizemat defaults of the crate in dir: the package's
 * [package.metadata.sizemat] over the workspace's. Returns an object
 * (possibly empty) that the caller frees.
 */
cJSON *
cargo_defaults(const char *dir)
{
	const char	*args[] = { "cargo", "metadata", "--no-deps", "--offline",
			    "--format-version=1", "--manifest-path", NULL, NULL };
	const cJSON	*pkg, *m, *item;
	cJSON		*doc, *out;
	char		*manifest, *text, real[PATH_MAX];

	out = cJSON_CreateObject();
	/* cargo names manifests by their absolute, normalised path. */
	xasprintf(&manifest, "%s/Cargo.toml", realpath(dir, real) != NULL ?
	    real : dir);
	args[6] = manifest;
	text = cargo_output(args, 0);
	doc = text != NULL ? cJSON_Parse(text) : NULL;
	free(text);
	/* The workspace's first, then the package's over it. */
	m = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    doc, "metadata"), "sizemat");
	cJSON_ArrayForEach(item, m)
		cJSON_AddItemToObject(out, item->string, cJSON_Duplicate(item,
		    1));
	cJSON_ArrayForEach(pkg, cJSON_GetObjectItemCaseSensitive(doc,
	    "packages")) {
		if (strcmp(json_str(pkg, "manifest_path", ""), manifest) != 0)
			continue;
		m = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(pkg, "metadata"),
		    "sizemat");
		cJSON_ArrayForEach(item, m) {
			cJSON_DeleteItemFromObjectCaseSensitive(out,
			    item->string);
			cJSON_AddItemToObject(out, item->string,
			    cJSON_Duplicate(item, 1));
		}
	}
	cJSON_Delete(doc);
	free(manifest);
	return (out);
}
