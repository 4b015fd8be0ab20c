/* The one rule for a revision written as a commit id. */
#include <string.h>

#include "revision.h"

/*
 * Tells whether rev is written as a commit id: lowercase hex, whole (40
 * digits) when asked, else abbreviated to 4 digits at the least. Such a
 * revision never moves, and may be looked for among recorded commits by
 * its prefix.
 */
int
revision_is_commit_id(const char *rev, int whole)
{
	size_t	 n = strlen(rev);

	if (whole ? (n != REVISION_ID_LEN) : (n < REVISION_ID_MIN ||
	    n > REVISION_ID_LEN))
		return (0);
	return (strspn(rev, "0123456789abcdef") == n);
}
