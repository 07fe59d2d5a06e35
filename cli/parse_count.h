/* parse_count.h: a count or a rank given in the environment or on the
 * command line (OMPI_COMM_WORLD_RANK, SLURM_NTASKS, --nodes, ...): decimal
 * digits only, 0 to INT_MAX, nothing else. */
#ifndef TP_CLI_PARSE_COUNT_H
#define TP_CLI_PARSE_COUNT_H

/* 0 and *out set when v is such a count; -1 otherwise (NULL, empty, a sign,
 * spaces, trailing characters, too large). */
int tp_parse_count(const char *v, int *out);

#endif
