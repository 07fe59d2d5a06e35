/* html_json.h: a claim's structured evidence (json-c, as `verify --json`
 * gives it) as HTML (html_json.c): objects as definition lists, arrays of
 * objects as tables, arrays of values inline. The evidence keeps the
 * verifier's own names, so the page and the JSON report say the same thing
 * in the same words. Bounded: nesting, columns and rows; a long table shows
 * its first rows and folds the rest into <details>, and says how many rows
 * it does not show at all. */
#ifndef TP_HTML_JSON_H
#define TP_HTML_JSON_H
#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#define TP_HTML_JSON_DEPTH 6       /* deeper values are shown as JSON text */
#define TP_HTML_JSON_COLUMNS 16    /* columns of a table (keys of its rows) */
#define TP_HTML_ROWS_OPEN 100      /* rows of a table shown open */
#define TP_HTML_ROWS_MAX 10000     /* rows written at all (the rest counted) */
#define TP_HTML_VALUES_MAX 200     /* values of an inline list */

void tp_html_json(FILE *out, struct json_object *o);

/* Starts and ends a table of n rows whose rows past TP_HTML_ROWS_OPEN go in
 * a <details> (a second table with the same head): call tp_html_rows_break
 * before each row i; it returns 0 once i reaches TP_HTML_ROWS_MAX (stop
 * writing rows). Shared by every table of the page. */
void tp_html_rows_begin(FILE *out, const char *cls, const char *head_html);
int tp_html_rows_break(FILE *out, size_t i, size_t n, const char *cls, const char *head_html);
void tp_html_rows_end(FILE *out, size_t n);

#endif
