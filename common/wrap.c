/* Wrapping help text: an entry's head, and what it does beside it. */
#include <string.h>

#include "wrap.h"

/*
 * Returns the length of the word at w: up to the next space, but a
 * bracketed part of a synopsis ("[--since DATE]") is one word.
 */
static int
wrap_word(const char *w)
{
	int	 n, depth = 0;

	for (n = 0; w[n] != '\0' && (w[n] != ' ' || depth > 0); n++) {
		if (w[n] == '[')
			depth++;
		else if (w[n] == ']' && depth > 0)
			depth--;
	}
	return (n);
}

/*
 * Prints words from column *col on (a line's first when bol), wrapping
 * at WRAP_WIDTH to column indent; leaves *col where the text ends.
 */
static void
wrap_words(FILE *f, const char *text, int indent, int *col, int bol)
{
	const char	*w = text;
	int		 len;

	while (*w != '\0') {
		w += strspn(w, " ");
		if ((len = wrap_word(w)) == 0)
			break;
		if (!bol && *col + 1 + len > WRAP_WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			*col = indent;
		} else if (!bol) {
			fputc(' ', f);
			(*col)++;
		}
		fprintf(f, "%.*s", len, w);
		*col += len;
		w += len;
		bol = 0;
	}
}

/*
 * Prints an entry: its head (a synopsis, or an option and its value) from
 * column 2, going on at column more when long, then what it does (text,
 * or nothing when NULL) from column text_col, on the same line when the
 * head leaves room.
 */
void
wrap_entry(FILE *f, const char *head, const char *text, int text_col,
    int more)
{
	int	 col = 2;

	fputs("  ", f);
	wrap_words(f, head, more, &col, 1);
	if (text == NULL) {
		fputc('\n', f);
		return;
	}
	if (col + 1 <= text_col)
		fprintf(f, "%*s", text_col - col, "");
	else
		fprintf(f, "\n%*s", text_col, "");
	col = text_col;
	wrap_words(f, text, text_col, &col, 1);
	fputc('\n', f);
}
