/* chain_report.c: the chain section of `trainprov verify --chain`'s report
 * (chain.h): each segment (run id, digest, how its log was assembled, its
 * own claims) and each link, as text and as the JSON "chain" object. The
 * campaign's claims are printed by report.c over tp_chain_campaign_view. */
#include "verify/chain.h"

#include <stdio.h>

#include "core/hex.h"
#include "runlog/records.h"

void tp_chain_report_text(FILE *out, const tp_chain *ch)
{
    fprintf(out, "chain    %zu segments, %s\n", ch->n,
            ch->links_ok ? "every link holds" : "A LINK IS BROKEN");
    for (size_t k = 0; k < ch->n; k++) {
        const tp_chain_segment *seg = &ch->seg[k];
        char digest[2 * TP_HASH_LEN + 1];
        tp_hex_encode(seg->digest, TP_HASH_LEN, digest);
        fprintf(out, "  segment %zu ", k + 1);
        tp_print_safe(out, seg->path);
        fprintf(out, "\n    run id %s, digest %s, assembled by ", tp_runlog_ids(&seg->log).run_id,
                digest);
        tp_print_safe(out, seg->log.assembled_by);
        fprintf(out, ", its own claims: %s\n", seg->verdict);
        fprintf(out, "    link %zu ", k + 1);
        if (ch->link_problem[k]) {
            fputs("BROKEN: ", out);
            tp_print_safe(out, ch->link_problem[k]);
            fputc('\n', out);
        } else if (k == 0) {
            fputs("ok: the campaign's first segment\n", out);
        } else {
            fputs("ok: resumes from ", out);
            tp_print_safe(out, ch->seg[k - 1].path);
            fputc('\n', out);
        }
    }
    fputc('\n', out);
}

struct json_object *tp_chain_json(const tp_chain *ch)
{
    struct json_object *o = json_object_new_object(), *segs = json_object_new_array(),
                       *links = json_object_new_array();
    for (size_t k = 0; k < ch->n; k++) {
        const tp_chain_segment *seg = &ch->seg[k];
        struct json_object *s = json_object_new_object(), *claims = json_object_new_object();
        char digest[2 * TP_HASH_LEN + 1], from[2 * TP_HASH_LEN + 1] = "";
        tp_hex_encode(seg->digest, TP_HASH_LEN, digest);
        if (seg->run_start && seg->run_start->resume_from.len == TP_HASH_LEN)
            tp_hex_encode(seg->run_start->resume_from.data, TP_HASH_LEN, from);
        json_object_object_add(s, "index", json_object_new_uint64(k + 1));
        json_object_object_add(s, "path", json_object_new_string(seg->path));
        json_object_object_add(s, "run_id", json_object_new_string(tp_runlog_ids(&seg->log).run_id));
        json_object_object_add(s, "key_id", json_object_new_string(tp_runlog_ids(&seg->log).key_id));
        json_object_object_add(s, "digest", json_object_new_string(digest));
        json_object_object_add(s, "resume_from", json_object_new_string(from));
        json_object_object_add(s, "assembled_by", json_object_new_string(seg->log.assembled_by));
        json_object_object_add(s, "verdict", json_object_new_string(seg->verdict));
        for (size_t c = 0; c < TP_CLAIM_COUNT; c++)
            json_object_object_add(claims, seg->v.claims[c].id,
                                   json_object_new_string(tp_claim_status_name(seg->v.claims[c].status)));
        json_object_object_add(s, "claims", claims);
        json_object_array_add(segs, s);
        struct json_object *l = json_object_new_object();
        json_object_object_add(l, "index", json_object_new_uint64(k + 1));
        json_object_object_add(l, "into", json_object_new_string(seg->path));
        json_object_object_add(l, "ok", json_object_new_boolean(!ch->link_problem[k]));
        json_object_object_add(l, "problem", json_object_new_string(ch->link_problem[k] ?
                                                                    ch->link_problem[k] : ""));
        json_object_array_add(links, l);
    }
    json_object_object_add(o, "segments", segs);
    json_object_object_add(o, "links", links);
    json_object_object_add(o, "links_ok", json_object_new_boolean(ch->links_ok));
    json_object_object_add(o, "verdict", json_object_new_string(ch->pass ? "pass" : "fail"));
    return o;
}
