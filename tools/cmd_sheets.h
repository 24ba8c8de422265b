/* cmd_sheets.h — `healthcode sheets` (cmd_sheets.c). */
#ifndef HC_CMD_SHEETS_H
#define HC_CMD_SHEETS_H

int hc_cli_sheets(int argc, char **argv);

#endif
