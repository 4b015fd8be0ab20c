/*
 * libFuzzer harness: matrix JSON -> variants -> canonical keys. Every
 * refusal must come with a cause, and every variant must survive a round
 * trip through its JSON with the same canonical key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/sizematd.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct matrix	*m;
	struct variant	 back;
	cJSON		*doc, *o;
	char		*cause = NULL, *key, *again;
	size_t		 i;

	if ((doc = cJSON_ParseWithLength((const char *)data, size)) == NULL)
		return (0);
	m = matrix_parse(doc, "fuzz.json", 256, &cause);
	cJSON_Delete(doc);
	if (m == NULL) {
		if (cause == NULL || strncmp(cause, "fuzz.json", 9) != 0)
			abort();	/* a refusal names the file */
		free(cause);
		return (0);
	}
	for (i = 0; i < matrix_count(m); i++) {
		key = variant_key(matrix_variant(m, i));
		o = variant_to_json(matrix_variant(m, i));
		variant_init(&back);
		if (variant_from_json(&back, o, &cause) != 0)
			abort();	/* its own JSON must read back */
		again = variant_key(&back);
		if (strcmp(key, again) != 0)
			abort();	/* one meaning, one spelling */
		free(again);
		free(key);
		variant_clear(&back);
		cJSON_Delete(o);
	}
	matrix_free(m);
	return (0);
}
