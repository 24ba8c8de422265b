/* cmd_batch.h — `healthcode batch`: many codes from a JSON-lines or CSV file. */
#ifndef HC_CMD_BATCH_H
#define HC_CMD_BATCH_H

/* argv holds the arguments after "batch" (argc of them), as the other
 * commands of tools/healthcode.c receive theirs. Returns the exit status:
 * 0 all issued, 2 usage, 3 input or I/O error, 4 finished with input errors
 * (see DIR/errors.jsonl), 5 stopped at --max-errors. */
int hc_cli_batch(int argc, char **argv);

#endif
