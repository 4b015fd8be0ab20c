/* Reading a JSON file, shared by sizematd (matrices, config) and sizemat. */
#ifndef SIZEMAT_JSONFILE_H
#define SIZEMAT_JSONFILE_H

#include <stddef.h>

#include <cjson/cJSON.h>

cJSON	*json_load_file(const char *, size_t, char **);

#endif
