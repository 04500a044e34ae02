/*
 * Unit tests for the streaming CSV reader: quoting, line numbers across
 * multi-line fields and CRLF, separator detection, BOM, blank lines, the
 * caps, errors with file and line, and file input across chunk borders.
 */
#include "regio/buf.h"
#include "regio/csv.h"
#include "regio_test.h"

#include <stdint.h>
#include <unistd.h>

/* Reads every record of data and renders it as "LINE:[f1|f2]\n" lines, so
 * a whole parse is checked with one string comparison. Returns the code of
 * the first failure; *out (caller frees) holds the records read so far. */
static regio_err render(const char *data, size_t len, const regio_csv_opts *o,
                        char **out, regio_error *err, char *sep)
{
    regio_csv *c = NULL;
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_buf_puts(&b, "");
    regio_err rc = regio_csv_open_mem(data, len, "mem.csv", o, &c, err);
    if (!rc) {
        if (sep)
            *sep = regio_csv_sep(c);
        int has = 0;
        while ((rc = regio_csv_next(c, &has, err)) == REGIO_OK && has) {
            regio_buf_printf(&b, "%ld:[", regio_csv_line(c));
            for (size_t i = 0; i < regio_csv_nfields(c); i++)
                regio_buf_printf(&b, "%s%s", i ? "|" : "", regio_csv_field(c, i));
            regio_buf_puts(&b, "]\n");
        }
    }
    regio_csv_close(c);
    *out = regio_buf_steal(&b);
    return rc;
}

#define EXPECT_PARSE(input, expected)                                          \
    do {                                                                       \
        char *got_ = NULL;                                                     \
        regio_error e_;                                                        \
        regio_error_clear(&e_);                                                \
        ASSERT_OK(render((input), sizeof(input) - 1, NULL, &got_, &e_, NULL)); \
        ASSERT_EQ_STR(got_, (expected));                                       \
        regio_free(got_);                                                      \
    } while (0)

static void test_simple_and_quoted(void)
{
    EXPECT_PARSE("id,name\n1,Acme\n2,Beta\n", "1:[id|name]\n2:[1|Acme]\n3:[2|Beta]\n");
    /* Quoted separators and doubled quotes. */
    EXPECT_PARSE("a,b,c\n\"x,y\",\"say \"\"hi\"\"\",z\n",
                 "1:[a|b|c]\n2:[x,y|say \"hi\"|z]\n");
    /* Empty fields, trailing separator, no final newline. */
    EXPECT_PARSE("a,,c\n,\n\"\",x", "1:[a||c]\n2:[|]\n3:[|x]\n");
    /* Unquoted fields are trimmed; quoted ones kept verbatim. */
    EXPECT_PARSE("  a , \" b \" \n", "1:[a| b ]\n");
}

static void test_multiline_line_numbers(void)
{
    EXPECT_PARSE("id,note\n1,\"line one\nline two\nline three\"\n2,after\n3,x\n",
                 "1:[id|note]\n2:[1|line one\nline two\nline three]\n"
                 "5:[2|after]\n6:[3|x]\n");
    /* CRLF inside and outside quotes counts as one line each. */
    EXPECT_PARSE("id,note\r\n1,\"a\r\nb\"\r\n2,c\r\n",
                 "1:[id|note]\n2:[1|a\r\nb]\n4:[2|c]\n");
    /* A record whose first field is the multi-line one. */
    EXPECT_PARSE("\"x\ny\",1\nz,2\n", "1:[x\ny|1]\n3:[z|2]\n");
}

static void test_line_endings_bom_blank(void)
{
    EXPECT_PARSE("\xEF\xBB\xBFid,name\r\n1,A\r\n", "1:[id|name]\n2:[1|A]\n");
    EXPECT_PARSE("a,b\r1,2\r3,4", "1:[a|b]\n2:[1|2]\n3:[3|4]\n");
    EXPECT_PARSE("\n\na,b\n\n  \n1,2\r\n\r\n3,4\n\n",
                 "3:[a|b]\n6:[1|2]\n8:[3|4]\n");
    /* Mixed: CR then LF-terminated line is two lines, not a CRLF. */
    EXPECT_PARSE("a\rb\nc\r\nd", "1:[a]\n2:[b]\n3:[c]\n4:[d]\n");
}

static void test_separator_detection(void)
{
    char *got = NULL, sep = 0;
    regio_error e;
    static const char semi[] = "id;name;city\n1;\"A;B\";Köln\n";
    ASSERT_OK(render(semi, sizeof semi - 1, NULL, &got, &e, &sep));
    ASSERT_EQ_INT(sep, ';');
    ASSERT_EQ_STR(got, "1:[id|name|city]\n2:[1|A;B|Köln]\n");
    regio_free(got);

    static const char tsv[] = "id\tname\tnote\n1\tAcme, Inc.\tx\n";
    ASSERT_OK(render(tsv, sizeof tsv - 1, NULL, &got, &e, &sep));
    ASSERT_EQ_INT(sep, '\t');
    ASSERT_EQ_STR(got, "1:[id|name|note]\n2:[1|Acme, Inc.|x]\n");
    regio_free(got);

    /* Separators inside quotes do not count. */
    static const char q[] = "\"a,b,c,d\";x;y\n";
    ASSERT_OK(render(q, sizeof q - 1, NULL, &got, &e, &sep));
    ASSERT_EQ_INT(sep, ';');
    regio_free(got);

    /* opts.sep overrides detection. */
    regio_csv_opts o = {0};
    o.sep = '|';
    static const char p[] = "a|b,c\n";
    ASSERT_OK(render(p, sizeof p - 1, &o, &got, &e, &sep));
    ASSERT_EQ_INT(sep, '|');
    ASSERT_EQ_STR(got, "1:[a|b,c]\n");
    regio_free(got);

    o.sep = '"';
    ASSERT_EQ_INT(render(p, sizeof p - 1, &o, &got, &e, NULL), REGIO_EINVAL);
    regio_free(got);
}

static void test_malformed_quotes(void)
{
    char *got = NULL;
    regio_error e;
    static const char bad1[] = "id,name\n1,ok\n2,\"unterminated\" junk\n3,x\n";
    ASSERT_EQ_INT(render(bad1, sizeof bad1 - 1, NULL, &got, &e, NULL), REGIO_EPARSE);
    ASSERT_EQ_STR(got, "1:[id|name]\n2:[1|ok]\n");
    ASSERT_EQ_INT(e.code, REGIO_EPARSE);
    ASSERT_EQ_STR(e.file, "mem.csv");
    ASSERT_EQ_INT(e.line, 3);
    ASSERT_EQ_INT(e.column, 2);
    ASSERT_TRUE(strstr(e.msg, "quot") != NULL);
    regio_free(got);

    static const char bad2[] = "a,b\nx,ab\"c\n";
    ASSERT_EQ_INT(render(bad2, sizeof bad2 - 1, NULL, &got, &e, NULL), REGIO_EPARSE);
    ASSERT_EQ_INT(e.line, 2);
    ASSERT_TRUE(strstr(e.msg, "unquoted") != NULL);
    regio_free(got);

    /* Error after a multi-line field is reported on its physical line. */
    static const char bad3[] = "a,b\n1,\"x\ny\"\n2,\"q\"z\n";
    ASSERT_EQ_INT(render(bad3, sizeof bad3 - 1, NULL, &got, &e, NULL), REGIO_EPARSE);
    ASSERT_EQ_INT(e.line, 4);
    regio_free(got);

    /* A quote never closed: reported at the record's start line. */
    static const char bad4[] = "a,b\n1,2\n3,\"open\nmore\nstuff\n";
    ASSERT_EQ_INT(render(bad4, sizeof bad4 - 1, NULL, &got, &e, NULL), REGIO_EPARSE);
    ASSERT_EQ_INT(e.line, 3);
    ASSERT_TRUE(strstr(e.msg, "not closed") != NULL);
    regio_free(got);

    /* Errors are sticky. */
    regio_csv *c = NULL;
    int has = 0;
    ASSERT_OK(regio_csv_open_mem(bad2, sizeof bad2 - 1, "s.csv", NULL, &c, &e));
    ASSERT_OK(regio_csv_next(c, &has, &e));
    ASSERT_EQ_INT(regio_csv_next(c, &has, &e), REGIO_EPARSE);
    regio_error_clear(&e);
    ASSERT_EQ_INT(regio_csv_next(c, &has, &e), REGIO_EPARSE);
    ASSERT_EQ_INT(has, 0);
    ASSERT_EQ_INT(e.line, 2);
    regio_csv_close(c);
}

static void test_caps(void)
{
    char *got = NULL;
    regio_error e;
    regio_csv_opts o = {0};
    o.max_field_bytes = 8;
    static const char big[] = "a,b\n1,12345678\n2,123456789\n";
    ASSERT_EQ_INT(render(big, sizeof big - 1, &o, &got, &e, NULL), REGIO_EPARSE);
    ASSERT_EQ_STR(got, "1:[a|b]\n2:[1|12345678]\n");
    ASSERT_EQ_INT(e.line, 3);
    ASSERT_EQ_INT(e.column, 2);
    ASSERT_TRUE(strstr(e.msg, "limit of 8 bytes") != NULL);
    regio_free(got);

    /* A field that never ends is caught while it streams in. */
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_buf_puts(&b, "a\n\"");
    for (int i = 0; i < 100000; i++)
        regio_buf_putc(&b, 'x');
    o.max_field_bytes = 1000;
    ASSERT_EQ_INT(render(b.data, b.len, &o, &got, &e, NULL), REGIO_EPARSE);
    ASSERT_EQ_INT(e.line, 2);
    regio_free(got);
    regio_buf_free(&b);

    o.max_field_bytes = 0;
    o.max_fields = 3;
    static const char wide[] = "a,b,c\n1,2,3,4\n";
    ASSERT_EQ_INT(render(wide, sizeof wide - 1, &o, &got, &e, NULL), REGIO_EPARSE);
    ASSERT_EQ_INT(e.line, 2);
    ASSERT_TRUE(strstr(e.msg, "more than 3 fields") != NULL);
    regio_free(got);
}

static void test_empty_and_header_only(void)
{
    EXPECT_PARSE("", "");
    EXPECT_PARSE("\n\r\n  \n", "");
    EXPECT_PARSE("\xEF\xBB\xBF", "");
    EXPECT_PARSE("id,name,lat,lon\n", "1:[id|name|lat|lon]\n");

    regio_csv *c = NULL;
    regio_error e;
    int has = 1;
    ASSERT_OK(regio_csv_open_mem("", 0, NULL, NULL, &c, &e));
    ASSERT_OK(regio_csv_next(c, &has, &e));
    ASSERT_EQ_INT(has, 0);
    ASSERT_EQ_INT(regio_csv_nfields(c), 0);
    ASSERT_TRUE(regio_csv_field(c, 0) == NULL);
    ASSERT_OK(regio_csv_next(c, &has, &e));
    ASSERT_EQ_INT(has, 0);
    regio_csv_close(c);
    regio_csv_close(NULL);
}

static void test_line_57_and_bytes(void)
{
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_buf_puts(&b, "id,v\n");
    /* Lines 2..56: 50 records, two of them spanning 3 lines and one blank
     * line, so the record on line 57 is reached only if every kind of line
     * was counted. */
    long line = 2;
    for (int i = 0; line < 57; i++) {
        if (i == 10) {
            regio_buf_puts(&b, "q,\"a\nb\nc\"\n");
            line += 3;
        } else if (i == 20) {
            regio_buf_puts(&b, "\r\n");
            line += 1;
        } else if (i == 30) {
            regio_buf_puts(&b, "r,\"x\r\ny\"\r\n");
            line += 2;
        } else {
            regio_buf_printf(&b, "%d,%d\n", i, i);
            line += 1;
        }
    }
    ASSERT_EQ_INT(line, 57);
    regio_buf_puts(&b, "target,\xff\xfe bytes\n");
    regio_csv *c = NULL;
    regio_error e;
    int has = 0;
    long last = 0;
    ASSERT_OK(regio_csv_open_mem(b.data, b.len, "t.csv", NULL, &c, &e));
    while (regio_csv_next(c, &has, &e) == REGIO_OK && has) {
        if (strcmp(regio_csv_field(c, 0), "target") == 0) {
            last = regio_csv_line(c);
            /* Invalid UTF-8 passes through untouched. */
            ASSERT_EQ_STR(regio_csv_field(c, 1), "\xff\xfe bytes");
            ASSERT_EQ_INT(regio_csv_field_len(c, 1), 8);
        }
    }
    ASSERT_EQ_INT(last, 57);
    regio_csv_close(c);
    regio_buf_free(&b);
}

static void test_embedded_nul(void)
{
    static const char d[] = "a,\"b\0c\"\n";
    regio_csv *c = NULL;
    regio_error e;
    int has = 0;
    ASSERT_OK(regio_csv_open_mem(d, sizeof d - 1, NULL, NULL, &c, &e));
    ASSERT_OK(regio_csv_next(c, &has, &e));
    ASSERT_EQ_INT(has, 1);
    ASSERT_EQ_INT(regio_csv_field_len(c, 1), 3);
    ASSERT_EQ_INT(memcmp(regio_csv_field(c, 1), "b\0c", 4), 0);
    regio_csv_close(c);
}

static void test_missing_file(void)
{
    regio_csv *c = (regio_csv *)1;
    regio_error e;
    regio_error_clear(&e);
    ASSERT_EQ_INT(regio_csv_open("/nonexistent/dir/accounts.csv", NULL, &c, &e),
                  REGIO_EIO);
    ASSERT_TRUE(c == NULL);
    ASSERT_EQ_INT(e.code, REGIO_EIO);
    ASSERT_EQ_STR(e.file, "/nonexistent/dir/accounts.csv");
    ASSERT_TRUE(strstr(e.msg, "/nonexistent/dir/accounts.csv") != NULL);

    /* A directory opens but cannot be read. */
    c = NULL;
    regio_error_clear(&e);
    ASSERT_EQ_INT(regio_csv_open("/tmp", NULL, &c, &e), REGIO_EIO);
    ASSERT_TRUE(c == NULL);
    ASSERT_EQ_STR(e.file, "/tmp");
}

/* Writes a file big enough to cross several 64 KiB chunks, with a
 * multi-line field and a CRLF straddling chunk borders, and checks every
 * record's line number and content against the in-memory reader. */
static void test_file_across_chunks(void)
{
    char path[] = "/tmp/regio_test_csv_XXXXXX";
    int fd = mkstemp(path);
    ASSERT_TRUE(fd >= 0);
    if (fd < 0)
        return;
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_buf_puts(&b, "\xEF\xBB\xBFid;text;n\r\n");
    for (int i = 0; i < 20000; i++) {
        if (i % 997 == 0)
            regio_buf_printf(&b, "%d;\"multi\r\nline;%d\";%d\r\n", i, i, i);
        else
            regio_buf_printf(&b, "%d;plain text %d;%d\r\n", i, i, i);
    }
    ASSERT_TRUE(write(fd, b.data, b.len) == (ssize_t)b.len);
    close(fd);

    regio_csv *f = NULL, *m = NULL;
    regio_error e;
    ASSERT_OK(regio_csv_open(path, NULL, &f, &e));
    ASSERT_OK(regio_csv_open_mem(b.data, b.len, NULL, NULL, &m, &e));
    if (f && m) {
        ASSERT_EQ_INT(regio_csv_sep(f), ';');
        int hf = 0, hm = 0, rows = 0, mismatches = 0;
        long expect_line = 1;
        for (;;) {
            regio_err rf = regio_csv_next(f, &hf, &e);
            regio_err rm = regio_csv_next(m, &hm, &e);
            if (rf || rm || hf != hm) {
                mismatches++;
                break;
            }
            if (!hf)
                break;
            if (regio_csv_line(f) != expect_line || regio_csv_line(m) != expect_line ||
                regio_csv_nfields(f) != 3 ||
                strcmp(regio_csv_field(f, 1), regio_csv_field(m, 1)) != 0)
                mismatches++;
            expect_line += strchr(regio_csv_field(f, 1), '\n') ? 2 : 1;
            rows++;
        }
        ASSERT_EQ_INT(rows, 20001);
        ASSERT_EQ_INT(mismatches, 0);
        ASSERT_EQ_STR(regio_csv_name(f), path);
    }
    regio_csv_close(f);
    regio_csv_close(m);
    regio_buf_free(&b);
    unlink(path);
}


/* Every allocation failure gives REGIO_ENOMEM (or is absorbed by a retry)
 * and never a crash, leak or wrong record. */
static void test_alloc_failures(void)
{
    static const char d[] = "id,name\n1,\"a,b\"\n2,c\n";
    regio_allocator a = regio_test_failing;
    int saw_enomem = 0, saw_ok = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 40; alloc_fail_at++) {
        alloc_calls = 0;
        regio_set_allocator(&a);
        regio_csv *c = NULL;
        regio_error e;
        regio_err rc = regio_csv_open_mem(d, sizeof d - 1, NULL, NULL, &c, &e);
        int has = 0, rows = 0;
        while (!rc && !(rc = regio_csv_next(c, &has, &e)) && has)
            rows++;
        regio_csv_close(c);
        regio_set_allocator(NULL);
        if (rc == REGIO_ENOMEM)
            saw_enomem = 1;
        else if (rc == REGIO_OK) {
            ASSERT_EQ_INT(rows, 3);
            saw_ok = 1;
        } else
            ASSERT_EQ_INT(rc, REGIO_ENOMEM);
    }
    ASSERT_TRUE(saw_enomem);
    ASSERT_TRUE(saw_ok);
}

int main(void)
{
    RUN(test_simple_and_quoted);
    RUN(test_multiline_line_numbers);
    RUN(test_line_endings_bom_blank);
    RUN(test_separator_detection);
    RUN(test_malformed_quotes);
    RUN(test_caps);
    RUN(test_empty_and_header_only);
    RUN(test_line_57_and_bytes);
    RUN(test_embedded_nul);
    RUN(test_missing_file);
    RUN(test_file_across_chunks);
    RUN(test_alloc_failures);
    TEST_END();
}
