/* test_checkpoints.c: the report's checkpoints from records built in
 * memory: a distributed-checkpoint directory, a Megatron iteration, a
 * directory renamed into place are one checkpoint each, with their final
 * files; single checkpoint files in one directory stay apart; a deleted
 * checkpoint is marked; content overwritten by a session that did not
 * produce it, or renamed away, is no longer listed where it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "verify/checkpoints.h"

#define MAX 32

static Trainprov__V1__Record recs[MAX], *ptrs[MAX];
static Trainprov__V1__FileEvent files[MAX];
static uint8_t digest[32] = {7};
static size_t n;
static tp_checkpoint_list list;

static int setup(void **state)
{
    n = 0;
    memset(&list, 0, sizeof list);
    return 0;
}

static int teardown(void **state)
{
    tp_checkpoints_free(&list);
    return 0;
}

/* A FileEvent record at time n: access, role, path, authored. */
static Trainprov__V1__FileEvent *event(const char *access, const char *role, const char *path,
                                       int authored)
{
    assert_true(n < MAX);
    Trainprov__V1__FileEvent *f = &files[n];
    trainprov__v1__file_event__init(f);
    f->access = (char *)access;
    f->role = (char *)role;
    f->path = (char *)path;
    f->authored = authored;
    f->size = 100;
    f->sha256.data = digest;
    f->sha256.len = sizeof digest;
    Trainprov__V1__Record *r = &recs[n];
    trainprov__v1__record__init(r);
    r->seq = n;
    r->time_ns = (int64_t)n + 1;
    r->body_case = TRAINPROV__V1__RECORD__BODY_FILE;
    r->file = f;
    ptrs[n] = r;
    n++;
    return f;
}

static void renamed(const char *role, const char *from, const char *to, const char *dir)
{
    Trainprov__V1__FileEvent *f = event("rename", role, to, 1);
    f->renamed_from = (char *)from;
    f->renamed_dir = (char *)(dir ? dir : "");
}

static void collect(void)
{
    tp_decoded_stream d = {ptrs, n};
    assert_int_equal(tp_checkpoints_collect(&d, 1, &list), 0);
}

static const tp_checkpoint *group(const char *path)
{
    for (size_t i = 0; i < list.n; i++)
        if (strcmp(list.items[i].path, path) == 0)
            return &list.items[i];
    fail_msg("no checkpoint %s among %zu", path, list.n);
    return NULL;
}

static void test_dcp_directory_is_one(void **state)
{
    event("write", "checkpoint", "/c/step_1/__0_0.distcp", 1);
    event("write", "checkpoint", "/c/step_1/__1_0.distcp", 1);
    event("write", "other", "/c/step_1/.metadata.tmp", 1);
    renamed("other", "/c/step_1/.metadata.tmp", "/c/step_1/.metadata", NULL);
    collect();
    assert_int_equal(list.n, 1);
    const tp_checkpoint *c = group("/c/step_1/");
    assert_string_equal(c->kind, "distributed checkpoint");
    assert_int_equal(c->n_files, 3);
    assert_string_equal(c->files[0].path, "/c/step_1/.metadata");
    assert_int_equal(c->bytes, 300);
    assert_false(c->deleted);
}

static void test_megatron_iteration_is_one(void **state)
{
    event("write", "checkpoint", "/m/iter_0000010/mp_rank_00/model_optim_rng.pt", 1);
    event("write", "checkpoint", "/m/iter_0000010/mp_rank_01/model_optim_rng.pt", 1);
    event("write", "other", "/m/latest_checkpointed_iteration.txt", 1);
    collect();
    assert_int_equal(list.n, 1);
    const tp_checkpoint *c = group("/m/iter_0000010/");
    assert_string_equal(c->kind, "megatron iteration");
    assert_int_equal(c->n_files, 2);
}

static void test_renamed_directory_follows(void **state)
{
    event("write", "checkpoint", "/o/final.tmp/model.pt", 1);
    event("write", "other", "/o/final.tmp/config.json", 1);
    renamed("checkpoint", "/o/final.tmp/model.pt", "/o/final/model.pt", "/o/final");
    renamed("other", "/o/final.tmp/config.json", "/o/final/config.json", "/o/final");
    collect();
    assert_int_equal(list.n, 1);
    const tp_checkpoint *c = group("/o/final/");
    assert_string_equal(c->kind, "directory renamed into place");
    assert_int_equal(c->n_files, 2);
    assert_string_equal(c->files[0].path, "/o/final/config.json");
    assert_string_equal(c->files[1].path, "/o/final/model.pt");
}

static void test_single_files_apart_and_deleted_marked(void **state)
{
    event("write", "checkpoint", "/o/ckpt_1.pt", 1);
    event("write", "checkpoint", "/o/ckpt_2.pt", 1);
    event("write", "other", "/o/log.txt", 1);
    event("delete", "checkpoint", "/o/ckpt_1.pt", 1);
    collect();
    assert_int_equal(list.n, 2);
    assert_true(group("/o/ckpt_1.pt")->deleted);
    assert_false(group("/o/ckpt_2.pt")->deleted);
    assert_string_equal(group("/o/ckpt_2.pt")->kind, "file");
}

static void test_content_not_the_runs_not_listed(void **state)
{
    event("write", "checkpoint", "/o/a.pt", 1);
    event("readwrite", "checkpoint", "/o/a.pt", 0); /* modified, not produced: no longer the run's */
    event("write", "checkpoint", "/o/b.pt", 1);
    renamed("checkpoint", "/o/b.pt", "/o/c.pt", NULL);
    Trainprov__V1__FileEvent *f = event("rename", "weights", "/o/c.pt", 0); /* a donor over it */
    f->renamed_from = (char *)"/x/donor.pt";
    event("write", "checkpoint", "/o/d.pt", 0); /* never authored */
    collect();
    assert_int_equal(list.n, 0);
}

/* A hostile or huge log: 100,000 checkpoints in one directory and 1,000
 * renamed directories are grouped in n log n, not n squared. */
static void test_many_files_linear(void **state)
{
    enum { FILES = 100000, DIRS = 1000 };
    Trainprov__V1__Record *r = calloc(FILES + DIRS, sizeof *r), **p = calloc(FILES + DIRS, sizeof *p);
    Trainprov__V1__FileEvent *f = calloc(FILES + DIRS, sizeof *f);
    char *names = calloc(FILES + DIRS, 64), *dirs = calloc(DIRS, 32);
    assert_non_null(r);
    assert_non_null(names);
    for (size_t i = 0; i < FILES + DIRS; i++) {
        trainprov__v1__file_event__init(&f[i]);
        trainprov__v1__record__init(&r[i]);
        f[i].path = names + 64 * i;
        f[i].role = (char *)"checkpoint";
        f[i].authored = 1;
        f[i].sha256.data = digest;
        f[i].sha256.len = sizeof digest;
        if (i < FILES) {
            snprintf(f[i].path, 64, "/o/ckpt_%zu.pt", i);
            f[i].access = (char *)"write";
        } else {
            snprintf(dirs + 32 * (i - FILES), 32, "/r/d%zu", i - FILES);
            snprintf(f[i].path, 64, "/r/d%zu/model.pt", i - FILES);
            f[i].access = (char *)"rename";
            f[i].renamed_from = (char *)"/r/tmp/model.pt";
            f[i].renamed_dir = dirs + 32 * (i - FILES);
        }
        r[i].seq = i;
        r[i].time_ns = (int64_t)i + 1;
        r[i].body_case = TRAINPROV__V1__RECORD__BODY_FILE;
        r[i].file = &f[i];
        p[i] = &r[i];
    }
    tp_decoded_stream d = {p, FILES + DIRS};
    assert_int_equal(tp_checkpoints_collect(&d, 1, &list), 0);
    assert_int_equal(list.n, FILES + DIRS);
    free(r);
    free(p);
    free(f);
    free(names);
    free(dirs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dcp_directory_is_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_megatron_iteration_is_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renamed_directory_follows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_single_files_apart_and_deleted_marked, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_content_not_the_runs_not_listed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_files_linear, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
