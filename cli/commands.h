/* commands.h: the trainprov CLI's subcommands. Each takes the arguments after
 * its own name and returns the process exit status:
 * 0 success / verdict pass, 1 a claim failed (verify) or the job's status (run),
 * 2 usage error or a file that is not what it should be. */
#ifndef TP_COMMANDS_H
#define TP_COMMANDS_H

int tp_cmd_keygen(int argc, char **argv);
int tp_cmd_run(int argc, char **argv);
int tp_cmd_verify(int argc, char **argv);
int tp_cmd_dump(int argc, char **argv);
int tp_cmd_recover(int argc, char **argv);
int tp_cmd_challenge(int argc, char **argv);
int tp_cmd_attest(int argc, char **argv);
int tp_cmd_verify_attestation(int argc, char **argv);
int tp_cmd_report(int argc, char **argv);

#endif
