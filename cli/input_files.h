/* input_files.h: the files a command is given to read (keys, models,
 * checkpoints, manifests, challenges) must not be FIFOs, sockets or devices:
 * a FIFO would block the command forever, a device never end. Checked
 * without blocking, before anything reads them. Directories are left to the
 * readers (`--model DIR` names a model directory). */
#ifndef TP_INPUT_FILES_H
#define TP_INPUT_FILES_H

/* Each non-NULL paths[i] (named by options[i] in messages, e.g. "--model")
 * is a regular file or a directory, or a message naming it goes to stderr
 * after "trainprov CMD: ". 0 when all are, else -1 (the command exits 2). A
 * path that does not open passes: its reader reports that in its own words. */
int tp_input_files_refuse_special(const char *cmd, const char *const *options, const char *const *paths,
                           int n);

#endif
