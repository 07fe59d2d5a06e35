/* test_config.c: the launcher's identity the library reads at load
 * (logger/config.c, RunStart.launcher): torchrun's RANK / WORLD_SIZE /
 * LOCAL_RANK / GROUP_RANK / TORCHELASTIC_*, srun's SLURM_* when there is no
 * RANK, the wrapper's TRAINPROV_NODE_RANK / TRAINPROV_NODES; a rank not below
 * its world size, a malformed number or a node out of range is "not set"
 * (-1), never a wrong value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/settings.h"
/* The logger's configuration lives as long as its process (nothing frees
 * it); each test here loads a new one in this one process. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:tp_config_load\n"; }

#include "logger/config.h"

static const char *const launcher_vars[] = {
    "RANK", "WORLD_SIZE", "LOCAL_RANK", "GROUP_RANK", "TORCHELASTIC_RUN_ID",
    "TORCHELASTIC_RESTART_COUNT", "SLURM_JOB_ID", "SLURM_STEP_ID", "SLURM_PROCID",
    "SLURM_NODEID", "SLURM_RESTART_COUNT", "SLURM_NTASKS", "SLURM_LOCALID", TP_ENV_NODES,
    TP_ENV_NODE_RANK, "OMPI_COMM_WORLD_RANK", NULL};

static int setup(void **state)
{
    for (const char *const *v = launcher_vars; *v; v++)
        unsetenv(*v);
    setenv(TP_ENV_LOG, "/tmp/tp-test-config/run.h5", 1);
    setenv(TP_ENV_KEY, "/tmp/tp-test-config/k.pem", 1);
    setenv(TP_ENV_RUN_ID, "000102030405060708090a0b0c0d0e0f", 1);
    return 0;
}

static tp_launcher load(void)
{
    static tp_config cfg; /* large: not on the stack */
    char msg[256];
    assert_int_equal(tp_config_load(&cfg, msg, sizeof msg), 0);
    return cfg.launcher;
}

static void test_torchrun_worker(void **state)
{
    setenv("RANK", "3", 1);
    setenv("WORLD_SIZE", "4", 1);
    setenv("LOCAL_RANK", "1", 1);
    setenv("GROUP_RANK", "1", 1);
    setenv("TORCHELASTIC_RUN_ID", "job7", 1);
    setenv("TORCHELASTIC_RESTART_COUNT", "2", 1);
    setenv("SLURM_PROCID", "1", 1); /* torchrun under srun: torchrun's ranks win */
    setenv("SLURM_NTASKS", "2", 1);
    setenv("SLURM_JOB_ID", "99", 1);
    tp_launcher l = load();
    assert_string_equal(l.kind, "torchrun");
    assert_int_equal(l.rank, 3);
    assert_int_equal(l.world_size, 4);
    assert_int_equal(l.local_rank, 1);
    assert_int_equal(l.group_rank, 1);
    assert_string_equal(l.torchelastic_run_id, "job7");
    assert_int_equal(l.torchelastic_restart_count, 2);
    assert_int_equal(l.slurm_procid, 1);
    assert_string_equal(l.slurm_job_id, "99");
    assert_int_equal(l.slurm_restart_count, -1);
    assert_int_equal(l.node, -1);
    assert_int_equal(l.nodes, 0);
}

static void test_plain_rank_env(void **state)
{
    setenv("RANK", "0", 1);
    setenv("WORLD_SIZE", "2", 1);
    tp_launcher l = load();
    assert_string_equal(l.kind, "env");
    assert_int_equal(l.rank, 0);
    assert_int_equal(l.world_size, 2);
}

static void test_srun_task(void **state)
{
    setenv("SLURM_PROCID", "5", 1);
    setenv("SLURM_NTASKS", "8", 1);
    setenv("SLURM_LOCALID", "1", 1);
    setenv("SLURM_NODEID", "2", 1);
    setenv("SLURM_JOB_ID", "4242", 1);
    setenv("SLURM_STEP_ID", "0", 1);
    setenv("SLURM_RESTART_COUNT", "1", 1);
    tp_launcher l = load();
    assert_string_equal(l.kind, "slurm");
    assert_int_equal(l.rank, 5);
    assert_int_equal(l.world_size, 8);
    assert_int_equal(l.local_rank, 1);
    assert_int_equal(l.slurm_nodeid, 2);
    assert_string_equal(l.slurm_step_id, "0");
    assert_int_equal(l.slurm_restart_count, 1);
    assert_int_equal(l.group_rank, -1);
}

static void test_bad_values_are_unset(void **state)
{
    setenv("RANK", "4", 1); /* not below its world size */
    setenv("WORLD_SIZE", "4", 1);
    setenv("LOCAL_RANK", "1x", 1);
    setenv("TORCHELASTIC_RESTART_COUNT", "-3", 1);
    setenv(TP_ENV_NODES, "2", 1);
    setenv(TP_ENV_NODE_RANK, "2", 1); /* not below the node count */
    tp_launcher l = load();
    assert_string_equal(l.kind, "");
    assert_int_equal(l.rank, -1);
    assert_int_equal(l.world_size, -1);
    assert_int_equal(l.local_rank, -1);
    assert_int_equal(l.torchelastic_restart_count, -1);
    assert_int_equal(l.node, -1);
    assert_int_equal(l.nodes, 0);
}

static void test_wrapper_node(void **state)
{
    setenv(TP_ENV_NODES, "3", 1);
    setenv(TP_ENV_NODE_RANK, "2", 1);
    tp_launcher l = load();
    assert_int_equal(l.node, 2);
    assert_int_equal(l.nodes, 3);
    assert_string_equal(l.kind, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_torchrun_worker, setup),
        cmocka_unit_test_setup(test_plain_rank_env, setup),
        cmocka_unit_test_setup(test_srun_task, setup),
        cmocka_unit_test_setup(test_bad_values_are_unset, setup),
        cmocka_unit_test_setup(test_wrapper_node, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
