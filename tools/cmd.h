/* cmd.h — the commands of the healthcode command, one file each
 * (tools/cmd_NAME.c); tools/main.c lists them in its table.
 *
 * A command is int cmd_NAME(int argc, char **argv): argv holds the argc
 * arguments after the command's name. It returns the exit status (cli.h's
 * EX_*). It answers --help with its usage on stdout (status 0) and reports
 * usage errors with cli_usage_error (status 2). Its options are the
 * cli_opt table at the top of the function, beside its usage text. */
#ifndef HC_CMD_H
#define HC_CMD_H

int cmd_keygen(int argc, char **argv);   /* cmd_keygen.c */
int cmd_assess(int argc, char **argv);   /* cmd_assess.c */
int cmd_issue(int argc, char **argv);    /* cmd_issue.c */
int cmd_render(int argc, char **argv);   /* cmd_render.c */
int cmd_verify(int argc, char **argv);   /* cmd_verify.c */
int cmd_check(int argc, char **argv);    /* cmd_verify.c: verify, then a venue's decision */
int cmd_inspect(int argc, char **argv);  /* cmd_inspect.c */
int cmd_present(int argc, char **argv);  /* cmd_present.c: a live presentation of a bound token */

/* cmd_batch.c. Exit status: 0 all issued, 2 usage, 3 input or I/O error,
 * 4 finished with input errors (see DIR/errors.jsonl), 5 stopped at --max-errors. */
int cmd_batch(int argc, char **argv);

/* cmd_bundle.c: make or show a signed trust bundle (doc/bundle.md). */
int cmd_bundle(int argc, char **argv);

/* cmd_trust.c: `trust entry`, the trust-list entry of a public key (doc/checkpoint.md). */
int cmd_trust(int argc, char **argv);

/* cmd_sheets.c (a build with the sheets part): paper codes from tokens.jsonl. */
int cmd_sheets(int argc, char **argv);

#endif
