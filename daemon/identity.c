/*
 * Which rustc a build runs, known without running it again. A toolchain's
 * `rustc -vV` is kept with what decides its answer and asked again only
 * when one of those changes:
 *
 * - the command the toolchain names (a rustup proxy, a wrapper, a rustc):
 *   its path, size and modification time;
 * - the binary it resolves to, SYSROOT/bin/rustc (what `rustup update`
 *   or a package upgrade replaces): path, size and modification time;
 * - for a toolchain run without `+NAME`, what rustup would pick: the
 *   nearest rust-toolchain or rust-toolchain.toml above the build's
 *   directory (by content, since a checkout rewrites it) and rustup's
 *   settings.toml (its default toolchain and directory overrides).
 *
 * A build with a known identity starts with cargo's unit graph; one
 * without runs `rustc -vV` and `rustc --print sysroot` first.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sizematd.h"

#define IDENTITY_MAX		32
#define IDENTITY_PIN_MAX	4096	/* bytes of a toolchain file kept */

struct identity_entry {
	char		*key;		/* toolchain, its command, its pin */
	char		*binary;	/* SYSROOT/bin/rustc */
	char		*binary_state;
	char		*vv;		/* rustc -vV's output */
	uint64_t	 used;
};

struct identities {
	struct identity_entry	 v[IDENTITY_MAX];
	size_t			 n;
	uint64_t		 clock;
};

struct identities *
identities_create(void)
{
	return (xcalloc(1, sizeof (struct identities)));
}

static void
identity_entry_clear(struct identity_entry *e)
{
	free(e->key);
	free(e->binary);
	free(e->binary_state);
	free(e->vv);
	memset(e, 0, sizeof *e);
}

void
identities_free(struct identities *ids)
{
	size_t	i;

	if (ids == NULL)
		return;
	for (i = 0; i < ids->n; i++)
		identity_entry_clear(&ids->v[i]);
	free(ids);
}

/* Adds a file's state (size, modification time, inode) to a buffer. */
static void
identity_file_state(struct buf *b, const char *path)
{
	struct stat	sb;

	if (path == NULL || stat(path, &sb) != 0) {
		buf_addstr(b, "absent\n");
		return;
	}
	buf_printf(b, "%lld %lld.%09ld %llu\n", (long long)sb.st_size,
	    (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec,
	    (unsigned long long)sb.st_ino);
}

/* Adds a small file's content, or "absent"; returns whether it exists. */
static int
identity_file_content(struct buf *b, const char *path)
{
	FILE	*f;
	char	 data[IDENTITY_PIN_MAX];
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL)
		return (0);
	n = fread(data, 1, sizeof data, f);
	fclose(f);
	buf_printf(b, "%s:\n", path);
	buf_add(b, data, n);
	buf_addstr(b, "\n");
	return (1);
}

/* Adds the rustup toolchain files nearest above a directory. */
static void
identity_pin(struct buf *b, const char *dir)
{
	char	 path[PATH_MAX], *slash;
	size_t	 len;
	int	 found;

	if ((len = strlen(dir)) >= sizeof path - sizeof "/rust-toolchain.toml")
		return;
	memcpy(path, dir, len + 1);
	for (;;) {
		memcpy(path + len, "/rust-toolchain", sizeof "/rust-toolchain");
		found = identity_file_content(b, path);
		memcpy(path + len, "/rust-toolchain.toml",
		    sizeof "/rust-toolchain.toml");
		found |= identity_file_content(b, path);
		path[len] = '\0';
		if (found || (slash = strrchr(path, '/')) == NULL ||
		    slash == path)
			break;
		*slash = '\0';
		len = (size_t)(slash - path);
	}
}

/* Returns rustup's settings file, or NULL. */
static char *
identity_rustup_settings(void)
{
	const char	*home;
	char		*path;

	if ((home = getenv("RUSTUP_HOME")) != NULL && *home != '\0')
		xasprintf(&path, "%s/settings.toml", home);
	else if ((home = getenv("HOME")) != NULL && *home != '\0')
		xasprintf(&path, "%s/.rustup/settings.toml", home);
	else
		return (NULL);
	return (path);
}

/*
 * Returns what decides the identity of a toolchain's rustc run in a
 * directory, as a key for identities_find and identities_add.
 */
char *
identity_key(const struct toolchain *tc, const char *dir)
{
	struct buf	 b;
	char		*settings;

	buf_init(&b);
	buf_addstr(&b, tc->name);
	buf_addstr(&b, "\n");
	identity_file_state(&b, tc->rustc_shown);
	if (tc->rustup == NULL) {
		identity_pin(&b, dir);
		settings = identity_rustup_settings();
		identity_file_state(&b, settings);
		free(settings);
	}
	return (b.data);	/* the caller's */
}

/* Returns the state of an entry's binary, to compare. */
static char *
identity_binary_state(const char *binary)
{
	struct buf	b;

	buf_init(&b);
	identity_file_state(&b, binary);
	return (b.data);	/* the caller's */
}

/*
 * Returns the `rustc -vV` output kept for a key while the binary it was
 * probed from is unchanged (and that binary in *binary), or NULL.
 */
const char *
identities_find(struct identities *ids, const char *key,
    const char **binary)
{
	struct identity_entry	*e;
	char			*state;
	size_t			 i;
	int			 same;

	for (i = 0; i < ids->n; i++) {
		e = &ids->v[i];
		if (strcmp(e->key, key) != 0)
			continue;
		state = identity_binary_state(e->binary);
		same = strcmp(state, e->binary_state) == 0;
		free(state);
		if (!same) {
			identity_entry_clear(e);
			ids->v[i] = ids->v[--ids->n];
			/* The last slot's pointers live on in slot i now. */
			memset(&ids->v[ids->n], 0, sizeof ids->v[0]);
			return (NULL);
		}
		e->used = ++ids->clock;
		*binary = e->binary;
		return (e->vv);
	}
	return (NULL);
}

/*
 * Keeps a probe's answer: the key it was made under, `rustc -vV`'s output
 * and the sysroot `rustc --print sysroot` named. The least recently used
 * entry makes room.
 */
void
identities_add(struct identities *ids, const char *key, const char *vv,
    const char *sysroot)
{
	struct identity_entry	*e;
	size_t			 i, slot;

	for (slot = 0; slot < ids->n; slot++)
		if (strcmp(ids->v[slot].key, key) == 0)
			break;
	if (slot == ids->n && ids->n == IDENTITY_MAX) {
		for (slot = 0, i = 1; i < ids->n; i++)
			if (ids->v[i].used < ids->v[slot].used)
				slot = i;
	}
	if (slot == ids->n)
		ids->n++;
	e = &ids->v[slot];
	identity_entry_clear(e);
	e->key = xstrdup(key);
	xasprintf(&e->binary, "%.*s/bin/rustc", (int)strcspn(sysroot, "\n"),
	    sysroot);
	e->binary_state = identity_binary_state(e->binary);
	e->vv = xstrdup(vv);
	e->used = ++ids->clock;
}
