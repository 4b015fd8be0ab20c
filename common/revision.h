/*
 * What a revision written as a commit id looks like, for sizematd and
 * sizemat alike.
 */
#ifndef SIZEMAT_REVISION_H
#define SIZEMAT_REVISION_H

#define REVISION_ID_MIN		4	/* git abbreviates no shorter */
#define REVISION_ID_LEN		40	/* a whole SHA-1 commit id */

int	 revision_is_commit_id(const char *, int);

#endif
