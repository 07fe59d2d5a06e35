/* html_report.c: the report page (html_report.h): head and styles, the
 * verdict and the facts of the run, the chain, the claims, the timeline,
 * the training curve and the tables. The claims' words (detail, does not
 * prove, evidence names) are the verifier's, as `verify` and `verify
 * --json` print them. */
#include "verify/html_report.h"

#include <inttypes.h>
#include <string.h>

#include "core/hex.h"
#include "runlog/records.h"
#include "verify/checkpoints.h"
#include "verify/html_curve.h"
#include "verify/html_escape.h"
#include "verify/html_json.h"
#include "verify/html_timeline.h"

static const char style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;max-width:1250px}"
    "h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;margin-top:1.6em}"
    "code,.sha{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all;"
    "user-select:all}"
    "table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #ddd;padding:2px 6px;"
    "vertical-align:top;text-align:left}th{background:#f4f4f4}"
    ".verdict{font-size:1.6em;font-weight:bold;padding:.3em .6em;display:inline-block}"
    ".v-pass{background:#d9f2d9;color:#135213}.v-fail{background:#f8d4d4;color:#7a1010}"
    ".st-pass{color:#135213;font-weight:bold}.st-fail{color:#a01010;font-weight:bold}"
    ".st-unknown{color:#8a5a00;font-weight:bold}.st-na{color:#666}"
    ".claim{border-left:4px solid #ccc;padding-left:.8em;margin:1em 0}"
    ".claim.pass{border-color:#3a3}.claim.fail{border-color:#c33}.claim.unknown{border-color:#d90}"
    ".dnp{color:#555}dl.ev{margin:0}dl.ev dt{font-weight:bold;float:left;clear:left;"
    "margin-right:.5em}dl.ev dd{margin-left:12em}.limit{color:#8a5a00}.none{color:#666}"
    "svg text{font:11px system-ui,sans-serif}svg .group{font-weight:bold}"
    "svg .life{stroke:#999;stroke-width:2}svg .grid{stroke:#eee}svg .axis-line{stroke:#888;fill:none}"
    "svg .data{fill:#2a6fd6}svg .read{fill:#aaa}svg .ckpt{fill:#e08000}"
    "svg .head{stroke:#275;stroke-width:1}svg .child{stroke:#777;stroke-dasharray:2 2}"
    "svg .end-ok{fill:#3a3}svg .end-signal{fill:#c33}svg .end-other{fill:#888}"
    "svg .killed{stroke:#c33;stroke-width:2}"
    "svg .loss{fill:none;stroke-width:1.5}.s0{stroke:#2a6fd6}.s1{stroke:#e08000}.s2{stroke:#3a3}"
    ".s3{stroke:#c33}.s4{stroke:#85c}.s5{stroke:#555}.s6{stroke:#0aa}.s7{stroke:#a60}"
    ".legend span{margin-right:1.2em}";

static void text(FILE *out, const char *s) { tp_html_text(out, s); }

static const char *status_class(tp_claim_status s)
{
    return s == TP_CLAIM_PASS ? "pass" : s == TP_CLAIM_FAIL ? "fail"
                                     : s == TP_CLAIM_NA     ? "na"
                                                            : "unknown";
}

static void head(FILE *out, const tp_verdict *v)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"referrer\" content=\"no-referrer\">\n", out);
    fprintf(out, "<title>trainprov report: %s</title>\n<style>%s</style></head>\n<body>\n",
            v->pass ? "PASS" : "FAIL", style);
}

static void fact(FILE *out, const char *label, const char *value, const char *note)
{
    fprintf(out, "<tr><th>%s</th><td>", label);
    text(out, value);
    if (note)
        fprintf(out, " <span class=\"none\">%s</span>", note);
    fputs("</td></tr>\n", out);
}

static void facts(FILE *out, const char *log_path, const tp_runlog *log, const tp_verdict *v)
{
    tp_runlog_ids_hex ids = tp_runlog_ids(log);
    char pubkey_id[2 * TP_KEY_ID_LEN + 1], counts[160];
    tp_hex_encode(v->pubkey_id, TP_KEY_ID_LEN, pubkey_id);
    fputs("<table class=\"facts\">\n", out);
    fact(out, "log", log_path, NULL);
    fact(out, "run id", ids.run_id, NULL);
    fact(out, "key id", ids.key_id,
         v->key_matches ? "(matches --pubkey)" : "(DOES NOT match --pubkey)");
    fact(out, "--pubkey id", pubkey_id, NULL);
    fact(out, "assembled by", v->assembled_by[0] ? v->assembled_by : log->assembled_by,
         v->assembled_by[0] ? NULL : "[unsigned attribute]");
    fact(out, "trainprov", v->library_version[0] ? v->library_version : log->library_version,
         v->library_version[0] ? NULL : "[unsigned attribute]");
    snprintf(counts, sizeof counts, "%zu streams, %zu records, %zu files", v->n_streams,
             v->n_records, v->files.n);
    fact(out, "recorded", counts, NULL);
    if (v->launch_world || v->launch_nodes) {
        fputs("<tr><th>launcher</th><td>", out);
        text(out, v->launch_world ? v->launch_kind : "trainprov run");
        if (v->launch_job && v->launch_job[0]) {
            fputs(" job ", out);
            text(out, v->launch_job);
        }
        fprintf(out, ": %d ranks, %d nodes, %d restarts</td></tr>\n", v->launch_world,
                v->launch_nodes, v->launch_restarts);
    }
    fputs("</table>\n", out);
}

static void chain_section(FILE *out, const tp_chain *ch)
{
    fprintf(out, "<h2 id=\"chain\">Chain: %zu segments, %s</h2>\n", ch->n,
            ch->links_ok ? "every link holds" : "A LINK IS BROKEN");
    static const char hd[] = "<tr><th>segment</th><th>log</th><th>run id</th><th>digest</th>"
                             "<th>assembled by</th><th>its own claims</th><th>link</th></tr>";
    tp_html_rows_begin(out, "chain", hd);
    for (size_t k = 0; k < ch->n && tp_html_rows_break(out, k, ch->n, "chain", hd); k++) {
        const tp_chain_segment *seg = &ch->seg[k];
        char digest[2 * TP_HASH_LEN + 1];
        tp_hex_encode(seg->digest, TP_HASH_LEN, digest);
        fprintf(out, "<tr class=\"segment\" data-segment=\"%zu\"><td>%zu</td><td>", k + 1, k + 1);
        text(out, seg->path);
        fprintf(out, "</td><td><code>%s</code></td><td class=\"sha\">%s</td><td>",
                tp_runlog_ids(&seg->log).run_id, digest);
        text(out, seg->log.assembled_by);
        fputs("</td><td>", out);
        text(out, seg->verdict);
        fputs("</td><td>", out);
        if (ch->link_problem[k]) {
            fputs("<span class=\"st-fail\">BROKEN</span>: ", out);
            text(out, ch->link_problem[k]);
        } else {
            fputs(k == 0 ? "ok: the campaign's first segment" : "ok: resumes from the segment above",
                  out);
        }
        fputs("</td></tr>\n", out);
    }
    tp_html_rows_end(out, ch->n);
}

static void claims_section(FILE *out, const tp_verdict *v)
{
    fputs("<h2 id=\"claims\">Claims</h2>\n<table class=\"claims\"><thead><tr><th>status</th>"
          "<th>claim</th><th>detail</th></tr></thead><tbody>\n", out);
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++) {
        const tp_claim *c = &v->claims[k];
        const char *st = tp_claim_status_name(c->status);
        fprintf(out, "<tr class=\"claim-row\" data-claim=\"%s\" data-status=\"%s\"><td "
                     "class=\"st-%s\">%s</td><td><a href=\"#claim-%s\">%s</a></td><td>",
                c->id, st, status_class(c->status), st, c->id, c->id);
        text(out, c->detail);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++) {
        const tp_claim *c = &v->claims[k];
        fprintf(out, "<section class=\"claim %s\" id=\"claim-%s\"><h3>%s <span class=\"st-%s\">%s"
                     "</span></h3>\n<p class=\"detail\">",
                status_class(c->status), c->id, c->id, status_class(c->status),
                tp_claim_status_name(c->status));
        text(out, c->detail);
        fputs("</p>\n<p class=\"dnp\"><b>Does not prove:</b> ", out);
        text(out, c->does_not_prove);
        fputs("</p>\n", out);
        if (c->evidence) {
            fputs("<details class=\"evidence\"><summary>evidence</summary>\n", out);
            tp_html_json(out, c->evidence);
            fputs("</details>\n", out);
        }
        fputs("</section>\n", out);
    }
}

static void timeline_section(FILE *out, const tp_runlog *log, const tp_verdict *v,
                             const tp_chain *chain)
{
    tp_timeline t = {0};
    int rc = 0;
    if (chain)
        for (size_t k = 0; k < chain->n && rc == 0; k++)
            rc = tp_timeline_add_log(&t, (int)k, chain->seg[k].path, &chain->seg[k].log,
                                     &chain->seg[k].v);
    else
        rc = tp_timeline_add_log(&t, 0, NULL, log, v);
    fputs("<h2 id=\"timeline\">Timeline</h2>\n<p class=\"legend\">One lane per stream (a process "
          "image), grouped by segment, node and rank, children under their parents. "
          "<span><svg width=\"12\" height=\"8\"><rect class=\"data\" width=\"12\" height=\"8\"/>"
          "</svg> data read</span><span><svg width=\"12\" height=\"8\"><rect class=\"read\" "
          "width=\"12\" height=\"8\"/></svg> other read</span><span><svg width=\"10\" "
          "height=\"10\"><path class=\"ckpt\" d=\"M5 0l5 5l-5 5l-5 -5z\"/></svg> checkpoint "
          "written</span><span>| signed head</span><span>&#9679; end (green: exit 0, red: "
          "signal)</span><span>&#10005; did not end</span><span>- - fork/exec</span>. Hover "
          "a mark for its file.</p>\n", out);
    if (rc != 0 || tp_timeline_layout(&t) != 0) {
        fputs("<p class=\"limit\">out of memory: no timeline</p>\n", out);
        tp_timeline_free(&t);
        return;
    }
    size_t drawn = 0, aggregated = 0;
    for (size_t i = 0; i < t.n; i++) {
        drawn += !t.lanes[i].aggregated;
        aggregated += t.lanes[i].aggregated;
    }
    fprintf(out, "<p class=\"lanes\" data-streams=\"%zu\" data-lanes=\"%zu\">%zu streams in %zu "
                 "lanes.</p>\n", t.streams, t.n, t.streams, t.n);
    if (aggregated)
        fprintf(out, "<p class=\"limit\">%zu streams are drawn one per lane; %zu more are "
                     "aggregated into lanes of their group (the page draws at most %d lanes).</p>\n",
                drawn, aggregated, TP_TIMELINE_LANES);
    if (t.marks_dropped)
        fprintf(out, "<p class=\"limit\">%zu marks are not drawn (at most %d reads and heads "
                     "per lane); the tables below list every file.</p>\n",
                t.marks_dropped, TP_TIMELINE_MARKS);
    fputs("<div class=\"scroll\">\n", out);
    tp_timeline_svg(out, &t);
    fputs("</div>\n", out);
    tp_timeline_free(&t);
}

static void curve_section(FILE *out, const tp_verdict *v)
{
    tp_curve c;
    fputs("<h2 id=\"curve\">Training curve</h2>\n", out);
    if (tp_curve_collect(v, &c) != 0)
        fputs("<p class=\"limit\">out of memory: no curve</p>\n", out);
    else
        tp_curve_svg(out, &c);
    tp_curve_free(&c);
}

static void segment_heading(FILE *out, const tp_chain *chain, size_t k)
{
    if (!chain)
        return;
    fprintf(out, "<h3>segment %zu: ", k + 1);
    text(out, chain->seg[k].path);
    fputs("</h3>\n", out);
}

static void data_files(FILE *out, const tp_verdict *v)
{
    static const char hd[] = "<tr><th>path</th><th>sha256</th><th>size</th><th>bytes read</th>"
                             "<th>access</th><th>stream</th></tr>";
    size_t n = 0;
    for (size_t i = 0; i < v->files.n; i++)
        n += v->files.rows[i].role && !strcmp(v->files.rows[i].role, "data");
    fprintf(out, "<p>%zu data file records (role <code>data</code>).</p>\n", n);
    tp_html_rows_begin(out, "files data", hd);
    size_t k = 0;
    for (size_t i = 0; i < v->files.n; i++) {
        const tp_file_row *r = &v->files.rows[i];
        if (!r->role || strcmp(r->role, "data"))
            continue;
        if (!tp_html_rows_break(out, k++, n, "files data", hd))
            break;
        fputs("<tr class=\"file\"><td>", out);
        text(out, r->path);
        fputs("</td><td class=\"sha\">", out);
        if (r->sha256 && *r->sha256)
            text(out, r->sha256);
        else {
            fputs("<span class=\"st-unknown\">not hashed</span> ", out);
            text(out, r->hash_error);
        }
        fprintf(out, "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>", r->size, r->bytes_read);
        text(out, r->access);
        fputs("</td><td><code>", out);
        text(out, r->stream);
        fputs("</code></td></tr>\n", out);
    }
    tp_html_rows_end(out, n);
}

static void checkpoints(FILE *out, const tp_verdict *v)
{
    static const char hd[] = "<tr><th>checkpoint</th><th>kind</th><th>file</th><th>sha256</th>"
                             "<th>size</th></tr>";
    tp_checkpoint_list ck;
    if (!v->decoded || tp_checkpoints_collect(v->decoded, v->n_streams, &ck) != 0) {
        fputs("<p class=\"limit\">not available</p>\n", out);
        return;
    }
    size_t n = 0, k = 0;
    for (size_t i = 0; i < ck.n; i++)
        n += ck.items[i].n_files;
    fprintf(out, "<p>%zu checkpoints (%zu files) written by the run.</p>\n", ck.n, n);
    tp_html_rows_begin(out, "files checkpoints", hd);
    for (size_t i = 0; i < ck.n; i++)
        for (size_t f = 0; f < ck.items[i].n_files; f++) {
            const tp_checkpoint *c = &ck.items[i];
            const tp_checkpoint_file *cf = &c->files[f];
            if (!tp_html_rows_break(out, k++, n, "files checkpoints", hd))
                goto done;
            fputs("<tr class=\"checkpoint\"><td>", out);
            text(out, c->path);
            fputs(c->deleted ? " (deleted by the job)" : "", out);
            fputs("</td><td>", out);
            text(out, c->kind);
            fputs("</td><td>", out);
            text(out, cf->path);
            fputs("</td><td class=\"sha\">", out);
            if (cf->sha256 && cf->sha256->len == TP_HASH_LEN) {
                char hex[2 * TP_HASH_LEN + 1];
                tp_hex_encode(cf->sha256->data, TP_HASH_LEN, hex);
                fputs(hex, out);
            } else {
                fputs("<span class=\"st-unknown\">not hashed</span>", out);
            }
            fprintf(out, "</td><td>%" PRIu64 "</td></tr>\n", cf->size);
        }
done:
    tp_html_rows_end(out, n);
    tp_checkpoints_free(&ck);
}

static struct json_object *evidence_of(const tp_verdict *v, const char *claim, const char *key)
{
    struct json_object *val = NULL;
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++)
        if (!strcmp(v->claims[k].id, claim) && v->claims[k].evidence &&
            json_object_object_get_ex(v->claims[k].evidence, key, &val))
            return val;
    return NULL;
}

/* A piece of a claim's evidence in its own section, under the claim's
 * names (evidence.KEY), or what it means that there is none. */
static void evidence_table(FILE *out, const tp_verdict *v, const char *claim, const char *key,
                           const char *none)
{
    struct json_object *val = evidence_of(v, claim, key);
    fprintf(out, "<h3>%s: <code>evidence.%s</code></h3>\n", claim, key);
    if (val)
        tp_html_json(out, val);
    else
        fprintf(out, "<p class=\"none\">%s</p>\n", none);
}

static void init_section(FILE *out, const tp_verdict *v)
{
    fputs("<h2 id=\"inputs\">Undeclared inputs</h2>\n", out);
    evidence_table(out, v, "init.no_foreign_weights", "undeclared_inputs",
                   "none listed: no input outside the declared data, code and checkpoints");
    fputs("<h2 id=\"init\">init.random, per tensor</h2>\n", out);
    evidence_table(out, v, "init.random", "per_tensor",
                   "no tensor was regenerated (see init.random above for why)");
    if (evidence_of(v, "init.random", "step0"))
        evidence_table(out, v, "init.random", "step0", "");
    if (evidence_of(v, "init.random", "checkpoint_given"))
        evidence_table(out, v, "init.random", "checkpoint_given", "");
    if (evidence_of(v, "init.random", "reference"))
        evidence_table(out, v, "init.random", "reference", "");
}

int tp_html_report(FILE *out, const char *log_path, const tp_runlog *log, const tp_verdict *v,
                   const tp_chain *chain)
{
    head(out, v);
    fputs("<h1>trainprov report</h1>\n", out);
    fprintf(out, "<p id=\"verdict\" class=\"verdict v-%s\" data-verdict=\"%s\">verdict: %s</p>\n",
            v->pass ? "pass" : "fail", v->pass ? "pass" : "fail", v->pass ? "PASS" : "FAIL");
    facts(out, log_path, log, v);
    fputs("<p class=\"none\">Checked offline by <code>trainprov verify</code> with the same "
          "options; what each claim proves is in docs/CLAIMS.md. Everything below the verdict "
          "that comes from the log is the job's own text, shown escaped.</p>\n", out);
    if (chain)
        chain_section(out, chain);
    claims_section(out, v);
    timeline_section(out, log, v, chain);
    curve_section(out, v);
    /* a chain: each segment's own files, under its name */
    size_t parts = chain ? chain->n : 1;
    fputs("<h2 id=\"data\">Data files</h2>\n", out);
    for (size_t k = 0; k < parts; k++) {
        segment_heading(out, chain, k);
        data_files(out, chain ? &chain->seg[k].v : v);
    }
    fputs("<h2 id=\"checkpoints\">Checkpoints written</h2>\n", out);
    for (size_t k = 0; k < parts; k++) {
        segment_heading(out, chain, k);
        checkpoints(out, chain ? &chain->seg[k].v : v);
    }
    init_section(out, v);
    fputs("</body></html>\n", out);
    return ferror(out) ? -1 : 0;
}
