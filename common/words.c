/* How near two words are: edits between them, for "did you mean". */
#include <string.h>

#include "words.h"

/* Returns how many edits turn a into b (Levenshtein), capped at 9. */
int
words_distance(const char *a, const char *b)
{
	int	 row[64], prev, tmp, best, i, j;
	int	 la = (int)strlen(a), lb = (int)strlen(b);

	if (la > 60 || lb > 60)
		return (9);
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			if (a[i - 1] == b[j - 1])
				best = prev;
			else {
				best = prev < row[j] ? prev : row[j];
				best = 1 + (best < row[j - 1] ? best :
				    row[j - 1]);
			}
			row[j] = best;
			prev = tmp;
		}
	}
	return (row[lb] > 9 ? 9 : row[lb]);
}

/*
 * Tells whether word is near enough to name to be a typo of it: one edit
 * in a short word, two in a longer one.
 */
int
words_near(const char *word, const char *name)
{
	return (words_distance(word, name) <= (strlen(word) <= 4 ? 1 : 2));
}
