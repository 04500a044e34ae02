/*
 * Where every output of every command goes: the one place libregio and
 * its shells write a file. A path is written according to what it names:
 *
 *  - "-" or NULL: standard output;
 *  - the process's own standard output or error under another name (for
 *    example /dev/stdout, /proc/self/fd/1, or a file stdout is redirected
 *    to): written through that stream, in place;
 *  - a regular file, or a path that does not exist yet: written to a new
 *    temporary file in the same directory (".NAME.PID.N.tmp"), flushed,
 *    fsync'ed and renamed over the path (then the directory is fsync'ed),
 *    so a reader sees the old content or the new, never a part, and a
 *    failed write leaves the old file as it was and no temporary file. A
 *    replaced file keeps its permission bits (and, when allowed, its
 *    owner); a new one gets 0666 less the umask. A symbolic link to a
 *    regular file replaces the file it points to: the link stays;
 *  - anything else that exists (a character device such as /dev/null, a
 *    FIFO, a Unix socket, a dangling symbolic link): opened and written in
 *    place, never removed or replaced (a socket is connected to as a
 *    stream socket); what was written before a failure stays written.
 *
 * A directory is refused. Errors are REGIO_EIO with the path in err->file
 * and "cannot write the file (REASON)".
 */
#ifndef REGIO_OUTPUT_H
#define REGIO_OUTPUT_H

#include "regio/core.h"

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct regio_output regio_output;

/* Opens path for writing as above; *out is freed by _commit or _discard. */
REGIO_API regio_err regio_output_open(const char *path, regio_output **out, regio_error *err);

/* The stream to write to (stdout for standard output). */
REGIO_API FILE *regio_output_stream(regio_output *o);

/* Finishes the output: flushes it (standard output stays open), and for a
 * regular file fsyncs, renames into place and fsyncs the directory. On any
 * failure the temporary file is removed and REGIO_EIO returned. Frees o,
 * whatever the outcome. */
REGIO_API regio_err regio_output_commit(regio_output *o, regio_error *err);

/* Abandons the output: a temporary file is removed (the path keeps its
 * old content); an in-place output is closed as it is. Frees o; accepts
 * NULL. */
REGIO_API void regio_output_discard(regio_output *o);

/* Opens, writes len bytes of data and commits: one whole output. */
REGIO_API regio_err regio_output_write(const char *path, const void *data, size_t len,
                                       regio_error *err);

/* 1 when path means standard output ("-" or NULL), else 0. */
REGIO_API int regio_output_is_stdout(const char *path);

#ifdef __cplusplus
}
#endif
#endif
