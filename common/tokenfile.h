/* Reading the daemon's bearer token from a file, shared by sizematd and sizemat. */
#ifndef SIZEMAT_TOKENFILE_H
#define SIZEMAT_TOKENFILE_H

char	*token_file_read(const char *, char **);

#endif
