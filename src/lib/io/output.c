/*
 * The one output helper (regio/output.h): standard output, an in-place
 * write for anything that is not a regular file (a device, a FIFO, a
 * socket), and for a regular file or a new path a temporary file in the
 * same directory, fsync'ed and renamed into place. Replacing /dev/null by
 * a regular file (a rename over it, as root) is exactly what this must
 * never do.
 */
#include "regio/output.h"

#include "regio/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

enum { OUT_STREAM, OUT_INPLACE, OUT_ATOMIC };

struct regio_output {
    int kind;
    FILE *f;
    char *shown;  /* the path as given, for messages */
    char *target; /* OUT_ATOMIC: the file renamed over (symbolic links resolved) */
    char *tmp;    /* OUT_ATOMIC: the temporary file */
};

static unsigned tmp_counter;

static regio_err io_fail(regio_error *err, const char *path, int e)
{
    return regio_error_setf(err, REGIO_EIO, path ? path : "-", 0, NULL,
                            "cannot write the file (%s)", strerror(e));
}

int regio_output_is_stdout(const char *path)
{
    return !path || !strcmp(path, "-");
}

static void output_free(regio_output *o)
{
    if (!o)
        return;
    regio_free(o->shown);
    regio_free(o->target);
    regio_free(o->tmp);
    regio_free(o);
}

/* The stream (stdout or stderr) whose file is the one st describes, or NULL. */
static FILE *own_stream(const struct stat *st)
{
    struct stat fs;
    if (fstat(STDOUT_FILENO, &fs) == 0 && fs.st_dev == st->st_dev && fs.st_ino == st->st_ino)
        return stdout;
    if (fstat(STDERR_FILENO, &fs) == 0 && fs.st_dev == st->st_dev && fs.st_ino == st->st_ino)
        return stderr;
    return NULL;
}

/* Connects to the Unix stream socket at path; a descriptor or -1 (errno). */
static int socket_connect(const char *path)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (const struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Opens path in place (it exists and is not a regular file, or it is a
 * dangling symbolic link, created through the link). */
static int open_in_place(const char *path, const struct stat *st, int dangling)
{
    int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC | (dangling ? O_CREAT | O_TRUNC : 0),
                  0666);
    if (fd < 0 && errno == ENXIO && st && S_ISSOCK(st->st_mode))
        fd = socket_connect(path);
    return fd;
}

/* Creates the temporary file next to target: ".BASE.PID.N.tmp". */
static int open_temp(regio_output *o, const struct stat *old)
{
    const char *slash = strrchr(o->target, '/');
    size_t dir_len = slash ? (size_t)(slash - o->target) + 1 : 0;
    const char *base = o->target + dir_len;
    size_t base_len = strlen(base);
    if (base_len > 200)
        base_len = 200; /* the suffix must still fit in NAME_MAX */
    for (int attempt = 0; attempt < 100; attempt++) {
        regio_buf b;
        regio_buf_init(&b, 0);
        unsigned n = __atomic_fetch_add(&tmp_counter, 1u, __ATOMIC_RELAXED);
        if (regio_buf_printf(&b, "%.*s.%.*s.%ld.%u.tmp", (int)dir_len, o->target, (int)base_len,
                             base, (long)getpid(), n)) {
            regio_buf_free(&b);
            errno = ENOMEM;
            return -1;
        }
        int fd = open(b.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno == EEXIST) {
            regio_buf_free(&b);
            continue;
        }
        if (fd < 0) {
            int e = errno;
            regio_buf_free(&b);
            errno = e;
            return -1;
        }
        o->tmp = regio_buf_steal(&b);
        if (old) {
            /* The replacement keeps the old file's owner (when allowed)
             * and permission bits; chown first, as it clears set-id bits. */
            if (old->st_uid != geteuid() || old->st_gid != getegid()) {
                int ignored = fchown(fd, old->st_uid, old->st_gid);
                (void)ignored;
            }
            int ignored = fchmod(fd, old->st_mode & 07777);
            (void)ignored;
        }
        return fd;
    }
    errno = EEXIST;
    return -1;
}

regio_err regio_output_open(const char *path, regio_output **out, regio_error *err)
{
    *out = NULL;
    regio_output *o = regio_calloc(1, sizeof *o);
    if (!o || !(o->shown = regio_strdup(path ? path : "-"))) {
        output_free(o);
        return regio_error_setf(err, REGIO_ENOMEM, path, 0, NULL, "out of memory");
    }
    if (regio_output_is_stdout(path)) {
        o->kind = OUT_STREAM;
        o->f = stdout;
        *out = o;
        return REGIO_OK;
    }
    struct stat st, lst;
    int have = stat(path, &st) == 0;
    int stat_errno = errno;
    int linked = lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode);
    if (!have && (stat_errno != ENOENT || (!linked && path[0] && path[strlen(path) - 1] == '/'))) {
        int e = stat_errno == ENOENT ? EISDIR : stat_errno;
        output_free(o);
        return io_fail(err, path, e);
    }
    FILE *own = have ? own_stream(&st) : NULL;
    if (own) {
        o->kind = OUT_STREAM;
        o->f = own;
        *out = o;
        return REGIO_OK;
    }
    if (have && S_ISDIR(st.st_mode)) {
        output_free(o);
        return io_fail(err, path, EISDIR);
    }
    int fd;
    if ((have && !S_ISREG(st.st_mode)) || (!have && linked)) {
        o->kind = OUT_INPLACE;
        fd = open_in_place(path, have ? &st : NULL, !have);
    } else {
        o->kind = OUT_ATOMIC;
        /* A file we may not write is not replaced behind its back. */
        if (have && access(path, W_OK) != 0) {
            int e = errno;
            output_free(o);
            return io_fail(err, path, e);
        }
        char *resolved = linked ? realpath(path, NULL) : NULL;
        if (linked && !resolved) {
            int e = errno;
            output_free(o);
            return io_fail(err, path, e);
        }
        o->target = regio_strdup(resolved ? resolved : path);
        free(resolved);
        if (!o->target) {
            output_free(o);
            return regio_error_setf(err, REGIO_ENOMEM, path, 0, NULL, "out of memory");
        }
        fd = open_temp(o, have ? &st : NULL);
    }
    if (fd < 0) {
        int e = errno;
        output_free(o);
        return e == ENOMEM ? regio_error_setf(err, REGIO_ENOMEM, path, 0, NULL, "out of memory")
                           : io_fail(err, path, e);
    }
    if (!(o->f = fdopen(fd, "wb"))) {
        int e = errno;
        close(fd);
        if (o->tmp)
            unlink(o->tmp);
        output_free(o);
        return io_fail(err, path, e);
    }
    *out = o;
    return REGIO_OK;
}

FILE *regio_output_stream(regio_output *o) { return o ? o->f : NULL; }

/* fsync of the directory holding path, so the rename survives a crash;
 * best effort (some file systems refuse it). */
static void sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? regio_malloc((size_t)(slash - path) + 2) : NULL;
    if (slash && !dir)
        return;
    if (dir) {
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    regio_free(dir);
    if (fd >= 0) {
        int ignored = fsync(fd);
        (void)ignored;
        close(fd);
    }
}

regio_err regio_output_commit(regio_output *o, regio_error *err)
{
    if (!o)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no output");
    int e = 0;
    errno = 0;
    if (fflush(o->f) != 0 || ferror(o->f))
        e = errno ? errno : EIO;
    if (o->kind == OUT_STREAM) {
        clearerr(o->f);
    } else {
        if (!e && o->kind == OUT_ATOMIC && fsync(fileno(o->f)) != 0)
            e = errno;
        if (fclose(o->f) != 0 && !e)
            e = errno ? errno : EIO;
        if (!e && o->kind == OUT_ATOMIC && rename(o->tmp, o->target) != 0)
            e = errno;
        if (o->kind == OUT_ATOMIC) {
            if (e)
                unlink(o->tmp);
            else
                sync_dir(o->target);
        }
    }
    regio_err rc = e ? io_fail(err, o->shown, e) : REGIO_OK;
    output_free(o);
    return rc;
}

void regio_output_discard(regio_output *o)
{
    if (!o)
        return;
    if (o->kind == OUT_STREAM) {
        fflush(o->f);
    } else {
        fclose(o->f);
        if (o->kind == OUT_ATOMIC)
            unlink(o->tmp);
    }
    output_free(o);
}

regio_err regio_output_write(const char *path, const void *data, size_t len, regio_error *err)
{
    regio_output *o;
    regio_err rc = regio_output_open(path, &o, err);
    if (rc)
        return rc;
    if (len && fwrite(data, 1, len, o->f) != len) {
        int e = errno ? errno : EIO;
        regio_output_discard(o);
        return io_fail(err, path, e);
    }
    return regio_output_commit(o, err);
}
