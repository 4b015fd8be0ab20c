/* Reads a token file: the token is its first line, without the newline. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tokenfile.h"
#include "xmalloc.h"

/*
 * Returns the first line of path (empty for an empty file), or NULL with
 * *cause set to "path: why" when the file cannot be read. What a token
 * must be is the caller's to check.
 */
char *
token_file_read(const char *path, char **cause)
{
	FILE	*f;
	char	 line[1024];

	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	if (fgets(line, sizeof line, f) == NULL)
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	return (xstrdup(line));
}
