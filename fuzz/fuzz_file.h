/*
 * Inputs as the readers want them: a NUL-terminated copy (text parsers), a
 * path (readers that open a file: an anonymous in-memory file, memfd,
 * reached as /proc/self/fd/N, so that millions of inputs never touch the
 * disk; it has no extension, so a reader that chooses by extension takes
 * it as CSV) or a GDAL in-memory file of a given name (OGR readers).
 */
#ifndef REGIO_FUZZ_FILE_H
#define REGIO_FUZZ_FILE_H

#define _GNU_SOURCE
#include <cpl_error.h>
#include <cpl_vsi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The path of a file holding exactly data[0..size), or NULL. */
static inline const char *fuzz_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("regio_fuzz", 0);
        if (fd < 0)
            return NULL;
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
        return NULL;
    return path;
}

/* data[0..size) and a NUL, malloc'd (the caller frees it), or NULL. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text) {
        memcpy(text, data, size);
        text[size] = '\0';
    }
    return text;
}

/* The GDAL file path (under /vsimem/) aliasing data (not copied; unlink it
 * with VSIUnlink after use); GDAL's messages are silenced. 0 on success. */
static inline int fuzz_vsimem(const char *path, const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) {
        CPLSetErrorHandler(CPLQuietErrorHandler);
        quiet = 1;
    }
    VSILFILE *f = VSIFileFromMemBuffer(path, (GByte *)data, (vsi_l_offset)size, FALSE);
    if (!f)
        return -1;
    VSIFCloseL(f);
    return 0;
}

#endif
