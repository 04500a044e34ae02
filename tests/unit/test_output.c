/*
 * Unit tests of the one output helper (regio/output.h): regular files are
 * replaced atomically (no temporary file left, mode kept, a discarded
 * output leaves the old content), a symbolic link keeps pointing at the
 * replaced file, and what is not a regular file is written in place: a
 * FIFO, a Unix socket, a character device (a private copy of /dev/null
 * made with mknod when the test may), the process's own stdout under its
 * file name. Directories are refused. Never touches the real /dev/null.
 */
#include "regio/output.h"
#include "regio_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[256];

static void path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static char *slurp(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Entries of the test directory other than "." and "..". */
static int count_entries(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

static void test_regular(void)
{
    char p[512];
    path_in(p, sizeof p, "a.csv");
    regio_error err;
    ASSERT_OK(regio_output_write(p, "one\n", 4, &err));
    ASSERT_EQ_STR(slurp(p), "one\n");
    mode_t um = umask(022);
    umask(um);
    struct stat st;
    ASSERT_TRUE(stat(p, &st) == 0 && S_ISREG(st.st_mode));
    ASSERT_EQ_INT(st.st_mode & 0777, 0666 & ~um);
    /* A replacement keeps the mode; a new inode, no temporary file. */
    ASSERT_TRUE(chmod(p, 0640) == 0);
    ino_t before = st.st_ino;
    ASSERT_OK(regio_output_write(p, "two\n", 4, &err));
    ASSERT_EQ_STR(slurp(p), "two\n");
    ASSERT_TRUE(stat(p, &st) == 0);
    ASSERT_EQ_INT(st.st_mode & 0777, 0640);
    ASSERT_TRUE(st.st_ino != before);
    ASSERT_EQ_INT(count_entries(), 1);
    /* A discarded output: the old content stays, no temporary file. */
    regio_output *o;
    ASSERT_OK(regio_output_open(p, &o, &err));
    fputs("half", regio_output_stream(o));
    fflush(regio_output_stream(o));
    ASSERT_EQ_INT(count_entries(), 2);
    regio_output_discard(o);
    ASSERT_EQ_STR(slurp(p), "two\n");
    ASSERT_EQ_INT(count_entries(), 1);
    /* A symbolic link: the file it points to is replaced, the link stays. */
    char l[512];
    path_in(l, sizeof l, "link.csv");
    ASSERT_TRUE(symlink("a.csv", l) == 0);
    ASSERT_OK(regio_output_write(l, "three\n", 6, &err));
    ASSERT_TRUE(lstat(l, &st) == 0 && S_ISLNK(st.st_mode));
    ASSERT_EQ_STR(slurp(p), "three\n");
    ASSERT_EQ_INT(count_entries(), 2);
    unlink(l);
    unlink(p);
    /* A directory, or a path under a missing one, is refused. */
    ASSERT_EQ_INT(regio_output_write(dir, "x", 1, &err), REGIO_EIO);
    ASSERT_EQ_STR(err.file, dir);
    ASSERT_TRUE(strstr(err.msg, "cannot write the file") != NULL);
    path_in(p, sizeof p, "no/such/dir.csv");
    ASSERT_EQ_INT(regio_output_write(p, "x", 1, &err), REGIO_EIO);
    ASSERT_EQ_INT(count_entries(), 0);
}

static void test_fifo(void)
{
    char p[512];
    path_in(p, sizeof p, "fifo");
    ASSERT_TRUE(mkfifo(p, 0600) == 0);
    int fds[2];
    ASSERT_TRUE(pipe(fds) == 0);
    pid_t child = fork();
    if (child == 0) { /* the reader: copies the FIFO into the pipe */
        close(fds[0]);
        int fd = open(p, O_RDONLY);
        char buf[64];
        ssize_t n;
        while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0)
            if (write(fds[1], buf, (size_t)n) != n)
                _exit(1);
        _exit(0);
    }
    close(fds[1]);
    regio_error err;
    ASSERT_OK(regio_output_write(p, "through the fifo\n", 17, &err));
    char got[64] = "";
    ssize_t n = read(fds[0], got, sizeof got - 1);
    got[n > 0 ? n : 0] = '\0';
    close(fds[0]);
    waitpid(child, NULL, 0);
    ASSERT_EQ_STR(got, "through the fifo\n");
    struct stat st;
    ASSERT_TRUE(lstat(p, &st) == 0 && S_ISFIFO(st.st_mode));
    unlink(p);
}

static void test_socket(void)
{
    char p[512];
    path_in(p, sizeof p, "sock");
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(p) >= sizeof sa.sun_path) {
        printf("  (socket path too long, skipped)\n");
        close(ls);
        return;
    }
    memcpy(sa.sun_path, p, strlen(p) + 1);
    ASSERT_TRUE(bind(ls, (struct sockaddr *)&sa, sizeof sa) == 0);
    ASSERT_TRUE(listen(ls, 1) == 0);
    regio_error err;
    ASSERT_OK(regio_output_write(p, "over the socket\n", 16, &err));
    int c = accept(ls, NULL, NULL);
    char got[64] = "";
    ssize_t n = c >= 0 ? read(c, got, sizeof got - 1) : -1;
    got[n > 0 ? n : 0] = '\0';
    ASSERT_EQ_STR(got, "over the socket\n");
    struct stat st;
    ASSERT_TRUE(lstat(p, &st) == 0 && S_ISSOCK(st.st_mode));
    if (c >= 0)
        close(c);
    close(ls);
    unlink(p);
}

/* A private character device 1,3 (what /dev/null is), when mknod is
 * allowed (root): written in place, still a device afterwards. */
static void test_char_device(void)
{
    char p[512];
    path_in(p, sizeof p, "null");
    if (mknod(p, S_IFCHR | 0666, makedev(1, 3)) != 0) {
        printf("  (no mknod here: %s; the device case is left to the CLI test)\n",
               strerror(errno));
        return;
    }
    regio_error err;
    ASSERT_OK(regio_output_write(p, "nothing\n", 8, &err));
    struct stat st;
    ASSERT_TRUE(lstat(p, &st) == 0 && S_ISCHR(st.st_mode));
    ASSERT_EQ_INT(count_entries(), 1);
    unlink(p);
}

/* stdout redirected to a file: that file's name is written through stdout
 * (the same open file, not replaced); "-" is stdout too. */
static void test_own_stdout(void)
{
    char p[512];
    path_in(p, sizeof p, "stdout.txt");
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT_TRUE(saved >= 0 && fd >= 0 && dup2(fd, STDOUT_FILENO) >= 0);
    close(fd);
    struct stat a, b;
    ASSERT_TRUE(stat(p, &a) == 0);
    regio_error err;
    regio_err rc1 = regio_output_write(p, "by name\n", 8, &err);
    regio_err rc2 = regio_output_write("-", "by dash\n", 8, &err);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    ASSERT_OK(rc1);
    ASSERT_OK(rc2);
    ASSERT_TRUE(stat(p, &b) == 0);
    ASSERT_EQ_INT(a.st_ino, b.st_ino);
    ASSERT_EQ_STR(slurp(p), "by name\nby dash\n");
    ASSERT_TRUE(regio_output_is_stdout("-") && regio_output_is_stdout(NULL) &&
                !regio_output_is_stdout("-x"));
    unlink(p);
}

static void test_alloc_failures(void)
{
    char p[512];
    path_in(p, sizeof p, "alloc.csv");
    regio_allocator a = regio_test_failing;
    for (alloc_fail_at = 1; alloc_fail_at < 10; alloc_fail_at++) {
        alloc_calls = 0;
        regio_set_allocator(&a);
        regio_error err;
        regio_err rc = regio_output_write(p, "x\n", 2, &err);
        regio_set_allocator(NULL);
        ASSERT_TRUE(rc == REGIO_OK || rc == REGIO_ENOMEM);
        ASSERT_TRUE(count_entries() == (rc == REGIO_OK));
        unlink(p);
    }
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    snprintf(dir, sizeof dir, "%s/regio-output-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_regular);
    RUN(test_fifo);
    RUN(test_socket);
    RUN(test_char_device);
    RUN(test_own_stdout);
    RUN(test_alloc_failures);
    rmdir(dir);
    TEST_END();
}
