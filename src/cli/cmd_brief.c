/*
 * `regio brief`: the territory brief of one territory of a model as one
 * self-contained HTML page (regio_brief_html), written atomically, and
 * printed to PDF by headless Chromium when it is installed.
 */
#include "cli/cli.h"
#include "regio/brief.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define CHROMIUM "/usr/bin/chromium"
#define PRINT_TIMEOUT_S 120

static void usage(FILE *f)
{
    fprintf(f, "usage: regio brief --model M --territory T --out T.html [--pdf T.pdf]\n"
               "                   [--at YYYY-MM-DD] [--currency CODE]\n"
               "                   [--segment-visits A=24,B=12,C=4] [--db PATH]\n"
               "\n"
               "Writes the territory brief of T in model M: header and members, a map,\n"
               "the accounts by segment (last visit, bookings over 12 months), the call\n"
               "plan, the quota and last quarter's figures, and what changed since the\n"
               "previous model and why. --pdf prints it with headless Chromium\n"
               "(" CHROMIUM ", or $REGIO_CHROMIUM) when it is installed.\n");
}

/* Reads a whole file into a buffer; 0 on failure. */
static int slurp(const char *path, regio_buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char chunk[65536];
    size_t n;
    int ok = 1;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (regio_buf_append(b, chunk, n)) {
            ok = 0;
            break;
        }
    if (ferror(f))
        ok = 0;
    fclose(f);
    return ok;
}

/* Removes a directory Chromium used as its profile (a few levels deep). */
static void remove_tree(const char *dir)
{
    pid_t pid;
    char *argv[] = {"rm", "-rf", "--", (char *)dir, NULL};
    if (posix_spawnp(&pid, "rm", NULL, NULL, argv, environ) == 0)
        waitpid(pid, NULL, 0);
}

/* Prints the page at html (a file) to pdf through Chromium; returns a CLI
 * status. The PDF is written to a temporary file beside the target and
 * then through regio_output_write, so a failed print leaves no part. */
static int print_pdf(const char *html, const char *pdf)
{
    const char *bin = getenv("REGIO_CHROMIUM");
    if (!bin || !*bin)
        bin = CHROMIUM;
    if (access(bin, X_OK) != 0) {
        fprintf(stderr,
                "regio: brief: no PDF was written: Chromium is missing (%s not found); "
                "the HTML page is written, print it from a browser\n",
                bin);
        return CLI_PARTIAL;
    }
    char abs[PATH_MAX];
    if (!realpath(html, abs)) {
        fprintf(stderr, "regio: brief: %s: %s\n", html, strerror(errno));
        return CLI_FAIL;
    }
    const char *tmpdir = getenv("TMPDIR");
    char profile[PATH_MAX], tmp_pdf[PATH_MAX + 32], url[PATH_MAX + 16], print[PATH_MAX + 64],
        user_dir[PATH_MAX + 32];
    snprintf(profile, sizeof profile, "%s/regio-brief-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(profile)) {
        fprintf(stderr, "regio: brief: cannot make a temporary directory: %s\n", strerror(errno));
        return CLI_FAIL;
    }
    snprintf(tmp_pdf, sizeof tmp_pdf, "%s/brief.pdf", profile);
    snprintf(url, sizeof url, "file://%s", abs);
    snprintf(print, sizeof print, "--print-to-pdf=%s", tmp_pdf);
    snprintf(user_dir, sizeof user_dir, "--user-data-dir=%s/profile", profile);
    char *argv[] = {(char *)bin,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--no-pdf-header-footer",
                    user_dir,
                    print,
                    url,
                    NULL};
    /* Chromium talks on its standard streams; the user sees only ours. */
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int status = -1;
    int spawned = posix_spawn(&pid, bin, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    /* A Chromium that hangs (a profile lock, a broken display stack) must
     * not hang the command: it gets PRINT_TIMEOUT_S, then is killed. */
    int timed_out = 0;
    for (long waited_ms = 0; spawned == 0; waited_ms += 100) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR))
            break;
        if (waited_ms >= PRINT_TIMEOUT_S * 1000L && !timed_out) {
            kill(pid, SIGKILL);
            timed_out = 1;
        }
        struct timespec nap = {0, 100 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    regio_buf b;
    regio_buf_init(&b, 0);
    int rc = CLI_OK;
    struct stat st;
    if (spawned != 0 || timed_out || stat(tmp_pdf, &st) != 0 || st.st_size == 0 ||
        !slurp(tmp_pdf, &b)) {
        fprintf(stderr, "regio: brief: no PDF was written: Chromium (%s) failed to print %s%s\n",
                bin, html,
                spawned                                    ? " (it could not be started)"
                : timed_out                                ? " (it took too long and was stopped)"
                : WIFEXITED(status) && WEXITSTATUS(status) ? " (it exited with an error)"
                                                           : "");
        rc = CLI_FAIL;
    } else {
        regio_error err;
        regio_error_clear(&err);
        regio_err e = regio_output_write(pdf, b.data, b.len, &err);
        if (e) {
            cli_print_error("brief", e, &err);
            rc = CLI_FAIL;
        }
    }
    regio_buf_free(&b);
    remove_tree(profile);
    return rc;
}

int cli_cmd_brief(int argc, char **argv)
{
    static const struct option longopts[] = {{"model", required_argument, 0, 'm'},
                                             {"territory", required_argument, 0, 't'},
                                             {"out", required_argument, 0, 'o'},
                                             {"pdf", required_argument, 0, 'p'},
                                             {"at", required_argument, 0, 'a'},
                                             {"currency", required_argument, 0, 'c'},
                                             {"segment-visits", required_argument, 0, 's'},
                                             {"db", required_argument, 0, 'd'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    const char *model = NULL, *territory = NULL, *out = NULL, *pdf = NULL, *db = NULL;
    regio_brief_opts opts;
    memset(&opts, 0, sizeof opts);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 't': territory = optarg; break;
        case 'o': out = optarg; break;
        case 'p': pdf = optarg; break;
        case 'a': opts.day = optarg; break;
        case 'c': opts.currency = optarg; break;
        case 's': opts.segment_visits = optarg; break;
        case 'd': db = optarg; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (optind < argc || !model || !territory || !out) {
        fprintf(stderr, "regio: brief: %s\n",
                optind < argc ? "unexpected argument"
                              : "--model, --territory and --out are required");
        usage(stderr);
        return CLI_USAGE;
    }
    if (pdf && regio_output_is_stdout(out)) {
        fprintf(stderr, "regio: brief: --pdf prints the page --out writes: give --out a file\n");
        return CLI_USAGE;
    }
    regio_store *s = cli_open_store(db);
    if (!s)
        return CLI_FAIL;
    regio_error err;
    regio_error_clear(&err);
    regio_buf page;
    regio_buf_init(&page, 0);
    regio_err rc = regio_brief_html(s, model, territory, &opts, &page, &err);
    regio_store_close(s);
    if (!rc)
        rc = regio_output_write(out, page.data, page.len, &err);
    int status = CLI_OK;
    if (rc) {
        cli_print_error("brief", rc, &err);
        status = CLI_FAIL;
    } else if (!regio_output_is_stdout(out)) {
        char size[32];
        fprintf(stderr, "brief of %s (%s) written to %s (%s bytes)\n", territory, model, out,
                regio_format_number((double)page.len, 0, size, sizeof size));
    }
    regio_buf_free(&page);
    if (!status && pdf) {
        status = print_pdf(out, pdf);
        if (!status)
            fprintf(stderr, "PDF written to %s\n", pdf);
    }
    return status;
}
