/* html_escape.h: strings from a run log into an HTML page (html_escape.c).
 * Everything a log holds is the job's, so attacker-controlled: every string
 * goes through here, in text and in attribute values alike, and comes out
 * as inert text. */
#ifndef TP_HTML_ESCAPE_H
#define TP_HTML_ESCAPE_H
#include <stddef.h>
#include <stdio.h>

/* Longest string written in full; a longer one is cut there and marked
 * with an ellipsis (a path is at most PATH_MAX, a detail line shorter). */
#define TP_HTML_TEXT_MAX 8192

/* Writes s for an HTML text node or a double-quoted attribute value: & < >
 * " ' as character references; control characters (C0, DEL, C1), invalid
 * UTF-8 and the bidirectional overrides (which reorder what a reader sees)
 * as visible \xNN or \uNNNN text; at most max bytes of s (then "…").
 * NULL writes nothing. */
void tp_html_text_max(FILE *out, const char *s, size_t max);
/* tp_html_text_max with TP_HTML_TEXT_MAX. */
void tp_html_text(FILE *out, const char *s);

#endif
