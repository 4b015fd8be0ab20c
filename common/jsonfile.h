/*
 * Reading a JSON file and the members of a document, shared by sizematd
 * and sizemat.
 */
#ifndef SIZEMAT_JSONFILE_H
#define SIZEMAT_JSONFILE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

cJSON	*json_load_file(const char *, size_t, char **);
char	*json_duplicate(const cJSON *, const char *);
int64_t	 json_int(const cJSON *, const char *, int64_t);
double	 json_num(const cJSON *, const char *, double);
const char *json_str(const cJSON *, const char *, const char *);
cJSON	*json_add_printed(cJSON *, const char *, double);

#endif
