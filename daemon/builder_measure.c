/*
 * A built job's artifacts measured on the loop's thread pool: sizes and
 * post steps (measure.c, post.c), the attribution of their bytes to
 * symbols and crates (attrib.c, with the versions of crates linked twice
 * from their rlibs), and a copy kept for diff.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sizematd.h"
#include "builder_private.h"

/*
 * Copies an artifact to DIR/<build id>/<file name>, so that later builds in
 * the same target dir leave the one measured intact for diff.
 */
static void
builder_keep(struct build_job *job, struct artifact *a, const char *dir)
{
	const char	*base = strrchr(a->path, '/');
	char		*kdir, *kept, buf[65536];
	FILE		*in, *out;
	size_t		 n;
	int		 ok = 1;

	xasprintf(&kdir, "%s/%lld", dir, (long long)job->spec.id);
	if (builder_mkdirs(kdir) != 0) {
		free(kdir);
		return;
	}
	xasprintf(&kept, "%s/%s", kdir, base != NULL ? base + 1 : a->path);
	free(kdir);
	if ((in = fopen(a->path, "rb")) == NULL) {
		free(kept);
		return;
	}
	if ((out = fopen(kept, "wb")) == NULL) {
		fclose(in);
		free(kept);
		return;
	}
	while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
		if (fwrite(buf, 1, n, out) != n) {
			ok = 0;
			break;
		}
	}
	fclose(in);
	if (fclose(out) != 0 || !ok) {
		unlink(kept);
		free(kept);
		return;
	}
	a->kept_path = kept;
}

/*
 * Attributes an artifact's bytes to its symbols and crates: the crate.*
 * measurements, and the table packed for the store. A file that cannot
 * be read for it is only a note: its sizes stand.
 */
static void
builder_attribute(struct build_job *job, struct artifact *a,
    struct attrib_origins *origins)
{
	struct attribution	 at;
	char			*cause = NULL;

	if (attrib_read(a->path, origins, &at, &cause) != 0) {
		buf_printf(&job->notes, "%sno attribution for %s: %s",
		    job->notes.len ? "; " : "", a->name, cause);
		free(cause);
		return;
	}
	if (at.has_table) {
		attrib_measure(&at, a);
		a->symtab = attrib_pack(&at, &a->symtab_len, &a->symtab_raw);
		a->symtab_rows = at.n;
		a->symtab_covered = at.covered;
	}
	attrib_clear(&at);
}

/*
 * Returns where the symbols of a crate linked in two or more versions come
 * from (their rlibs), or NULL when every crate is linked once.
 */
static struct attrib_origins *
builder_origins(struct build_job *job)
{
	struct attrib_origins	*o = NULL;
	size_t			 i, j, len, vlen;
	char			*label;
	int			 twice;

	for (i = 0; i < job->rlibs.n; i++) {
		len = strcspn(job->rlibs.v[i], "\t");
		vlen = strcspn(job->rlibs.v[i] + len + 1, "\t");
		/*
		 * Another version of the same crate; one version built twice
		 * (for the host's build scripts and for the target) is one.
		 */
		twice = 0;
		for (j = 0; j < job->rlibs.n && !twice; j++)
			twice = strncmp(job->rlibs.v[i], job->rlibs.v[j],
			    len + 1) == 0 && (strncmp(job->rlibs.v[i] + len + 1,
			    job->rlibs.v[j] + len + 1, vlen + 1) != 0);
		if (!twice)
			continue;
		if (o == NULL)
			o = attrib_origins_create();
		/* NAME\tVERSION\tPATH: the label is NAME@VERSION. */
		xasprintf(&label, "%.*s@%.*s", (int)len, job->rlibs.v[i],
		    (int)strcspn(job->rlibs.v[i] + len + 1, "\t"),
		    job->rlibs.v[i] + len + 1);
		attrib_origins_add(o, strrchr(job->rlibs.v[i], '\t') + 1,
		    label);
		free(label);
	}
	return (o);
}

/*
 * Measures every artifact and applies the post steps, on the loop's thread
 * pool: compressing a large binary takes seconds.
 */
void
builder_measure_work(uv_work_t *w)
{
	struct build_job	*job = w->data;
	struct build_outcome	*o = &job->outcome;
	struct attrib_origins	*origins;
	char			*cause, *stem, *kept;
	size_t			 i;

	/* Builds are measured side by side: each its own copies. */
	xasprintf(&stem, "%s/logs/post-%d-%lld-", job->cfg->workdir,
	    (int)getpid(), (long long)job->spec.id);
	xasprintf(&kept, "%s/artifacts", job->cfg->workdir);
	origins = builder_origins(job);
	for (i = 0; i < job->nartifacts; i++) {
		if (measure_artifact(&job->artifacts[i], &cause) != 0) {
			o->state = "failed";
			o->error = cause;
			break;
		}
		builder_attribute(job, &job->artifacts[i], origins);
		post_apply(&job->artifacts[i], job->spec.post, stem,
		    &job->notes);
		builder_keep(job, &job->artifacts[i], kept);
	}
	attrib_origins_free(origins);
	free(kept);
	free(stem);
	if (i == job->nartifacts) {
		o->artifacts = job->artifacts;
		o->nartifacts = job->nartifacts;
	}
}
