/* html_json.c: evidence as HTML (html_json.h), and the bounded tables every
 * section of the page uses. */
#include "verify/html_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "verify/html_escape.h"

void tp_html_rows_begin(FILE *out, const char *cls, const char *head_html)
{
    fprintf(out, "<table class=\"%s\"><thead>%s</thead><tbody>\n", cls, head_html);
}

int tp_html_rows_break(FILE *out, size_t i, size_t n, const char *cls, const char *head_html)
{
    if (i >= TP_HTML_ROWS_MAX)
        return 0;
    if (i == TP_HTML_ROWS_OPEN) {
        size_t folded = (n < TP_HTML_ROWS_MAX ? n : TP_HTML_ROWS_MAX) - TP_HTML_ROWS_OPEN;
        fprintf(out, "</tbody></table>\n<details class=\"more\"><summary>%zu more row%s</summary>"
                     "<table class=\"%s\"><thead>%s</thead><tbody>\n",
                folded, folded == 1 ? "" : "s", cls, head_html);
    }
    return 1;
}

void tp_html_rows_end(FILE *out, size_t n)
{
    fputs("</tbody></table>\n", out);
    if (n > TP_HTML_ROWS_OPEN)
        fputs("</details>\n", out);
    if (n > TP_HTML_ROWS_MAX)
        fprintf(out, "<p class=\"limit\">%zu more rows are not shown (the page shows at most %d "
                     "rows per table; <code>trainprov verify --json</code> has them all).</p>\n",
                n - TP_HTML_ROWS_MAX, TP_HTML_ROWS_MAX);
}

static void value(FILE *out, struct json_object *o, int depth);

static void scalar(FILE *out, struct json_object *o)
{
    switch (json_object_get_type(o)) {
    case json_type_null: fputs("<span class=\"null\">null</span>", out); break;
    case json_type_boolean: fputs(json_object_get_boolean(o) ? "true" : "false", out); break;
    case json_type_double: {
        double d = json_object_get_double(o);
        if (isfinite(d))
            fprintf(out, "%.6g", d);
        else
            fputs(isnan(d) ? "NaN" : d > 0 ? "inf" : "-inf", out);
        break;
    }
    case json_type_int: fputs(json_object_to_json_string(o), out); break;
    default: tp_html_text(out, json_object_get_string(o)); break;
    }
}

static int is_container(struct json_object *o)
{
    return json_object_is_type(o, json_type_object) || json_object_is_type(o, json_type_array);
}

/* The columns of an array of objects: the keys of its rows, in first-seen
 * order, from the first rows. */
static size_t columns(struct json_object *a, const char **cols)
{
    size_t n = 0, len = json_object_array_length(a);
    for (size_t i = 0; i < len && i < 64; i++) {
        struct json_object *row = json_object_array_get_idx(a, i);
        if (!json_object_is_type(row, json_type_object))
            continue;
        json_object_object_foreach(row, key, val) {
            (void)val;
            size_t k = 0;
            while (k < n && strcmp(cols[k], key) != 0)
                k++;
            if (k == n && n < TP_HTML_JSON_COLUMNS)
                cols[n++] = key;
        }
    }
    return n;
}

static void table(FILE *out, struct json_object *a, int depth)
{
    const char *cols[TP_HTML_JSON_COLUMNS];
    size_t nc = columns(a, cols), n = json_object_array_length(a);
    char *head = NULL;
    size_t head_len = 0;
    FILE *h = open_memstream(&head, &head_len);
    if (!h)
        return;
    fputs("<tr>", h);
    for (size_t k = 0; k < nc; k++) {
        fputs("<th>", h);
        tp_html_text(h, cols[k]);
        fputs("</th>", h);
    }
    fputs("</tr>", h);
    if (fclose(h) != 0) {
        free(head);
        return;
    }
    tp_html_rows_begin(out, "ev", head);
    for (size_t i = 0; i < n && tp_html_rows_break(out, i, n, "ev", head); i++) {
        struct json_object *row = json_object_array_get_idx(a, i);
        fputs("<tr>", out);
        for (size_t k = 0; k < nc; k++) {
            struct json_object *cell = NULL;
            fputs("<td>", out);
            if (json_object_is_type(row, json_type_object) &&
                json_object_object_get_ex(row, cols[k], &cell))
                value(out, cell, depth + 1);
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    tp_html_rows_end(out, n);
    free(head);
}

static void array(FILE *out, struct json_object *a, int depth)
{
    size_t n = json_object_array_length(a), objects = 0;
    for (size_t i = 0; i < n && i < 64; i++)
        objects += json_object_is_type(json_object_array_get_idx(a, i), json_type_object);
    if (n && objects) {
        table(out, a, depth);
        return;
    }
    fputs("<span class=\"list\">", out);
    for (size_t i = 0; i < n && i < TP_HTML_VALUES_MAX; i++) {
        if (i)
            fputs(", ", out);
        value(out, json_object_array_get_idx(a, i), depth + 1);
    }
    if (n > TP_HTML_VALUES_MAX)
        fprintf(out, " \xe2\x80\xa6 and %zu more", n - TP_HTML_VALUES_MAX);
    if (n == 0)
        fputs("(none)", out);
    fputs("</span>", out);
}

static void value(FILE *out, struct json_object *o, int depth)
{
    if (is_container(o) && depth >= TP_HTML_JSON_DEPTH) {
        fputs("<code>", out);
        tp_html_text(out, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        fputs("</code>", out);
    } else if (json_object_is_type(o, json_type_array)) {
        array(out, o, depth);
    } else if (json_object_is_type(o, json_type_object)) {
        fputs("<dl class=\"ev\">", out);
        json_object_object_foreach(o, key, val) {
            fputs("<dt>", out);
            tp_html_text(out, key);
            fputs("</dt><dd>", out);
            value(out, val, depth + 1);
            fputs("</dd>", out);
        }
        fputs("</dl>", out);
    } else {
        scalar(out, o);
    }
}

void tp_html_json(FILE *out, struct json_object *o)
{
    value(out, o, 0);
}
