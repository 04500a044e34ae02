/*
 * Streaming CSV reader on top of libcsv. libcsv owns the quote state
 * machine; this file feeds it 64 KiB reads cut into segments that end at
 * each line terminator (or after 64 KiB), so one physical line at most is
 * consumed per csv_parse call: record start lines stay exact across quoted
 * newlines, CRLF and read boundaries, and at most one record completes per
 * call. Throughput is bounded by libcsv itself (about 140 MB/s here).
 */
#include "regio/csv.h"

#include "regio/buf.h"
#include "core/error.h"
#include "core/grow.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CHUNK_BYTES ((size_t)64 * 1024)
#define LIBCSV_BLOCK ((size_t)16 * 1024)
#define POS_UNKNOWN SIZE_MAX

struct regio_csv {
    struct csv_parser p;
    int parser_ready;

    FILE *fp;          /* NULL for memory input */
    char *chunk;       /* owned read buffer for file input */
    const char *data;  /* current bytes: chunk, or the caller's memory */
    size_t len, pos;   /* valid bytes in data, next byte to feed */
    size_t lf_at;      /* index of the next '\n' at or after pos, len if none */
    size_t cr_at;      /* same for '\r' */
    int eof;           /* nothing left to read after data */
    int finished;      /* csv_fini has run */

    char name[512];
    char sep;
    size_t max_field, max_fields, max_record;

    long line;         /* physical line of the next byte to feed */
    int after_cr;      /* the last byte fed was a '\r' */
    int in_row;        /* libcsv is inside a record */
    long row_line;     /* line on which that record began */

    regio_buf rec;    /* field bytes of the record, each NUL-terminated */
    size_t *offs, *lens;
    const char **ptrs;
    size_t nf, cap_f;
    int row_done;      /* rec holds a complete record */
    int returned;      /* ...which was handed out; reset before parsing on */
    long cur_line;     /* start line of the record handed out */

    regio_err cb_err;  /* failure raised inside a libcsv callback */
    char cb_msg[256];
    long cb_col;

    regio_err sticky;  /* once failed, every later call reports this */
    regio_error sticky_err;
};

/* Makes the reader's error (already in c->sticky_err) sticky and copies it
 * to err (may be NULL); returns code. */
static regio_err stick(regio_csv *c, regio_error *err, regio_err code)
{
    c->sticky = code;
    if (err)
        *err = c->sticky_err;
    return code;
}

#define fail(c, err, code, line, col, ...)                                     \
    stick((c), (err),                                                          \
          regio__error_column(&(c)->sticky_err, (col),                         \
                              regio_error_setf(&(c)->sticky_err, (code), (c)->name, \
                                               (line), NULL, __VA_ARGS__)))

static void cb_fail(regio_csv *c, regio_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void cb_fail(regio_csv *c, regio_err code, const char *fmt, ...)
{
    if (c->cb_err)
        return;
    c->cb_err = code;
    c->cb_col = (long)c->nf + 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->cb_msg, sizeof c->cb_msg, fmt, ap);
    va_end(ap);
}

/* libcsv field callback: copies the field into the record buffer. */
static void on_field(void *s, size_t len, void *ud)
{
    regio_csv *c = ud;
    if (c->cb_err)
        return;
    if (c->nf < c->cap_f && len <= c->max_field &&
        c->rec.len + len + 1 < c->rec.cap && c->rec.len + len + 1 <= c->max_record) {
        /* Fast path: room everywhere, no cap reached. */
        c->offs[c->nf] = c->rec.len;
        c->lens[c->nf] = len;
        if (len)
            memcpy(c->rec.data + c->rec.len, s, len);
        c->rec.len += len;
        c->rec.data[c->rec.len++] = '\0';
        c->nf++;
        return;
    }
    if (len > c->max_field) {
        cb_fail(c, REGIO_EPARSE, "field %zu is longer than the limit of %zu bytes",
                c->nf + 1, c->max_field);
        return;
    }
    if (c->nf >= c->max_fields) {
        cb_fail(c, REGIO_EPARSE, "record has more than %zu fields", c->max_fields);
        return;
    }
    if (c->rec.len + len + 1 > c->max_record) {
        cb_fail(c, REGIO_EPARSE, "record is larger than the limit of %zu bytes",
                c->max_record);
        return;
    }
    if (c->nf == c->cap_f) {
        size_t co = c->cap_f, cl = c->cap_f, cp = c->cap_f;
        if (regio__grow(&c->offs, &co, c->nf + 1, sizeof *c->offs) ||
            regio__grow(&c->lens, &cl, c->nf + 1, sizeof *c->lens) ||
            regio__grow(&c->ptrs, &cp, c->nf + 1, sizeof *c->ptrs)) {
            cb_fail(c, REGIO_ENOMEM, "out of memory reading a record");
            return;
        }
        /* at most max_fields, so nf < cap_f implies nf < max_fields */
        c->cap_f = co < c->max_fields ? co : c->max_fields;
    }
    if (c->rec.len + len + 1 >= c->rec.cap &&
        regio_buf_reserve(&c->rec, len + 1) != REGIO_OK) {
        cb_fail(c, REGIO_ENOMEM, "out of memory reading a record");
        return;
    }
    c->offs[c->nf] = c->rec.len;
    c->lens[c->nf] = len;
    if (len)
        memcpy(c->rec.data + c->rec.len, s, len);
    c->rec.len += len;
    c->rec.data[c->rec.len++] = '\0';
    c->nf++;
}

/* libcsv record callback. Our segmentation guarantees at most one record
 * ends per csv_parse call, so a flag is enough. */
static void on_row(int term, void *ud)
{
    regio_csv *c = ud;
    (void)term;
    c->row_done = 1;
    c->in_row = 0;
}

static char detect_sep(const char *d, size_t n)
{
    size_t i = 0, counts[3] = {0, 0, 0};
    static const char cand[3] = {',', ';', '\t'};
    int inq = 0;
    while (i < n && (d[i] == '\r' || d[i] == '\n'))
        i++;
    for (; i < n; i++) {
        char ch = d[i];
        if (ch == '"') {
            inq = !inq;
        } else if (!inq) {
            if (ch == '\r' || ch == '\n')
                break;
            for (int k = 0; k < 3; k++)
                if (ch == cand[k])
                    counts[k]++;
        }
    }
    int best = 0;
    for (int k = 1; k < 3; k++)
        if (counts[k] > counts[best])
            best = k;
    return cand[best];
}

static void set_chunk(regio_csv *c, const char *data, size_t len)
{
    c->data = data;
    c->len = len;
    c->pos = 0;
    c->lf_at = c->cr_at = POS_UNKNOWN;
}

static regio_err fill(regio_csv *c, regio_error *err)
{
    size_t n = fread(c->chunk, 1, CHUNK_BYTES, c->fp);
    if (n < CHUNK_BYTES) {
        if (ferror(c->fp))
            return fail(c, err, REGIO_EIO, c->line, 0, "cannot read '%s': %s",
                        c->name, strerror(errno));
        c->eof = 1;
    }
    set_chunk(c, c->chunk, n);
    return REGIO_OK;
}

static regio_err setup(regio_csv *c, const regio_csv_opts *opts,
                       regio_error *err)
{
    if (c->len >= 3 && memcmp(c->data, "\xEF\xBB\xBF", 3) == 0)
        c->pos = 3;
    char sep = opts ? opts->sep : 0;
    if (sep == '"' || sep == '\r' || sep == '\n')
        return fail(c, err, REGIO_EINVAL, 0, 0,
                    "separator cannot be a quote or a line break");
    c->sep = sep ? sep : detect_sep(c->data + c->pos, c->len - c->pos);
    c->max_field = opts && opts->max_field_bytes ? opts->max_field_bytes
                                                 : REGIO_CSV_DEFAULT_MAX_FIELD_BYTES;
    c->max_fields = opts && opts->max_fields ? opts->max_fields
                                             : REGIO_CSV_DEFAULT_MAX_FIELDS;
    c->max_record = opts && opts->max_record_bytes
                        ? opts->max_record_bytes
                        : REGIO_CSV_DEFAULT_MAX_RECORD_BYTES;
    /* Strict: stray quotes are errors, and so is an unclosed quote at the
     * end of input. APPEND_NULL gives NUL-terminated fields. */
    if (csv_init(&c->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        return fail(c, err, REGIO_ENOMEM, 0, 0, "cannot initialise the CSV parser");
    c->parser_ready = 1;
    csv_set_realloc_func(&c->p, regio_realloc);
    csv_set_free_func(&c->p, regio_free);
    csv_set_blk_size(&c->p, LIBCSV_BLOCK);
    csv_set_delim(&c->p, (unsigned char)c->sep);
    return REGIO_OK;
}

static regio_csv *alloc_reader(const char *name)
{
    regio_csv *c = regio_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    snprintf(c->name, sizeof c->name, "%s", name ? name : "");
    c->line = 1;
    regio_buf_init(&c->rec, 0);
    return c;
}

static regio_err oom(regio_error *err, const char *name)
{
    return regio_error_setf(err, REGIO_ENOMEM, name, 0, NULL, "out of memory opening CSV input");
}

regio_err regio_csv_open(const char *path, const regio_csv_opts *opts,
                         regio_csv **out, regio_error *err)
{
    if (!out)
        return REGIO_EINVAL;
    *out = NULL;
    if (!path)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no CSV path given");
    regio_csv *c = alloc_reader(path);
    if (!c)
        return oom(err, path);
    c->fp = fopen(path, "rb");
    if (!c->fp) {
        regio_err rc = fail(c, err, REGIO_EIO, 0, 0, "cannot open '%s': %s",
                            path, strerror(errno));
        regio_csv_close(c);
        return rc;
    }
    c->chunk = regio_malloc(CHUNK_BYTES);
    if (!c->chunk) {
        regio_csv_close(c);
        return oom(err, path);
    }
    regio_err rc = fill(c, err);
    if (!rc)
        rc = setup(c, opts, err);
    if (rc) {
        regio_csv_close(c);
        return rc;
    }
    *out = c;
    return REGIO_OK;
}

regio_err regio_csv_open_mem(const char *data, size_t len,
                             const char *name_for_errors,
                             const regio_csv_opts *opts, regio_csv **out,
                             regio_error *err)
{
    if (!out)
        return REGIO_EINVAL;
    *out = NULL;
    if (!data && len)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "NULL CSV data with non-zero length");
    regio_csv *c = alloc_reader(name_for_errors);
    if (!c)
        return oom(err, name_for_errors);
    set_chunk(c, data ? data : "", len);
    c->eof = 1;
    regio_err rc = setup(c, opts, err);
    if (rc) {
        regio_csv_close(c);
        return rc;
    }
    *out = c;
    return REGIO_OK;
}

void regio_csv_close(regio_csv *c)
{
    if (!c)
        return;
    if (c->parser_ready)
        csv_free(&c->p);
    if (c->fp)
        fclose(c->fp);
    regio_free(c->chunk);
    regio_buf_free(&c->rec);
    regio_free(c->offs);
    regio_free(c->lens);
    regio_free((void *)c->ptrs);
    regio_free(c);
}

static size_t find_byte(const regio_csv *c, char b)
{
    const char *hit = memchr(c->data + c->pos, b, c->len - c->pos);
    return hit ? (size_t)(hit - c->data) : c->len;
}

/* Hands the record in rec to the caller. */
static regio_err publish(regio_csv *c, int *has_row)
{
    for (size_t i = 0; i < c->nf; i++)
        c->ptrs[i] = c->rec.data + c->offs[i];
    c->cur_line = c->row_line;
    c->returned = 1;
    *has_row = 1;
    return REGIO_OK;
}

static regio_err callback_failure(regio_csv *c, regio_error *err)
{
    /* Callbacks only run inside a record, so report its start line. */
    return fail(c, err, c->cb_err, c->row_line, c->cb_col, "%s", c->cb_msg);
}

static regio_err parse_failure(regio_csv *c, regio_error *err, unsigned char bad)
{
    int e = csv_error(&c->p);
    long col = (long)c->nf + 1;
    if (e == CSV_ENOMEM)
        return fail(c, err, REGIO_ENOMEM, c->line, col, "out of memory parsing CSV");
    if (e == CSV_ETOOBIG)
        return fail(c, err, REGIO_EPARSE, c->line, col, "field is too large");
    if (c->p.quoted) {
        char shown[8];
        if (bad >= 0x20 && bad < 0x7f)
            snprintf(shown, sizeof shown, "'%c'", bad);
        else
            snprintf(shown, sizeof shown, "0x%02x", bad);
        return fail(c, err, REGIO_EPARSE, c->line, col,
                    "malformed quoting in field %ld: unexpected %s after a "
                    "closing quote (a quote inside a quoted field must be "
                    "doubled as \"\")",
                    col, shown);
    }
    return fail(c, err, REGIO_EPARSE, c->line, col,
                "malformed quoting in field %ld: a quote inside an unquoted "
                "field (quote the whole field and double inner quotes)",
                col);
}

regio_err regio_csv_next(regio_csv *c, int *has_row, regio_error *err)
{
    if (has_row)
        *has_row = 0;
    if (!c || !has_row)
        return REGIO_EINVAL;
    if (c->sticky) {
        if (err)
            *err = c->sticky_err;
        return c->sticky;
    }
    if (c->returned) {
        regio_buf_reset(&c->rec);
        c->nf = 0;
        c->row_done = 0;
        c->returned = 0;
    }
    for (;;) {
        if (c->pos == c->len) {
            if (!c->eof) {
                regio_err rc = fill(c, err);
                if (rc)
                    return rc;
                continue;
            }
            if (c->finished)
                return REGIO_OK;
            c->finished = 1;
            if (csv_fini(&c->p, on_field, on_row, c) != 0) {
                if (csv_error(&c->p) == CSV_EPARSE)
                    return fail(c, err, REGIO_EPARSE, c->row_line, (long)c->nf + 1,
                                "malformed quoting: a quoted field in the record "
                                "starting on line %ld is not closed before the "
                                "end of the input",
                                c->row_line);
                return fail(c, err, REGIO_ENOMEM, c->line, 0,
                            "CSV parser failed at end of input");
            }
            if (c->cb_err)
                return callback_failure(c, err);
            if (c->row_done)
                return publish(c, has_row);
            return REGIO_OK;
        }

        /* Cut the next segment: up to and including the first line
         * terminator, or to the end of the chunk. */
        if (c->lf_at == POS_UNKNOWN || c->lf_at < c->pos)
            c->lf_at = find_byte(c, '\n');
        if (c->cr_at == POS_UNKNOWN || c->cr_at < c->pos)
            c->cr_at = find_byte(c, '\r');
        size_t t = c->lf_at < c->cr_at ? c->lf_at : c->cr_at;
        size_t end = t < c->len ? t + 1 : c->len;
        /* Bound each segment so a field that never ends is caught by the
         * size cap early, for memory input too. */
        if (end - c->pos > CHUNK_BYTES)
            end = c->pos + CHUNK_BYTES;
        const char *seg = c->data + c->pos;
        size_t seg_len = end - c->pos;

        /* Mirror libcsv's rule for where a record begins (first byte that
         * is not a line break, nor a space or tab that is not the
         * separator) so we know the record's start line. */
        if (!c->in_row) {
            for (size_t i = 0; i < seg_len; i++) {
                char b = seg[i];
                if (b == '\r' || b == '\n')
                    continue;
                if ((b == ' ' || b == '\t') && b != c->sep)
                    continue;
                c->in_row = 1;
                c->row_line = c->line;
                break;
            }
        }

        size_t n = csv_parse(&c->p, seg, seg_len, on_field, on_row, c);
        if (n < seg_len)
            return parse_failure(c, err, (unsigned char)seg[n]);
        c->pos = end;

        /* One line break at most per segment; CRLF counts once. */
        char last = seg[seg_len - 1];
        if (seg_len > 1)
            c->after_cr = 0;
        if (last == '\n') {
            if (!c->after_cr)
                c->line++;
            c->after_cr = 0;
        } else if (last == '\r') {
            c->line++;
            c->after_cr = 1;
        } else {
            c->after_cr = 0;
        }

        if (c->cb_err)
            return callback_failure(c, err);
        /* A field still streaming in: libcsv's buffer may hold a closing
         * quote and trailing spaces it will drop, so allow for those. */
        if (c->p.entry_pos > c->max_field + c->p.spaces + 1)
            return fail(c, err, REGIO_EPARSE, c->row_line, (long)c->nf + 1,
                        "field %zu is longer than the limit of %zu bytes",
                        c->nf + 1, c->max_field);
        if (c->row_done)
            return publish(c, has_row);
    }
}

size_t regio_csv_nfields(const regio_csv *c)
{
    return c && c->returned ? c->nf : 0;
}

const char *regio_csv_field(const regio_csv *c, size_t i)
{
    if (!c || !c->returned || i >= c->nf)
        return NULL;
    return c->ptrs[i];
}

size_t regio_csv_field_len(const regio_csv *c, size_t i)
{
    if (!c || !c->returned || i >= c->nf)
        return 0;
    return c->lens[i];
}

const char *const *regio_csv_fields(const regio_csv *c)
{
    static const char *const none[1] = {NULL};
    if (!c || !c->returned || !c->ptrs)
        return none;
    return c->ptrs;
}

long regio_csv_line(const regio_csv *c)
{
    return c && c->returned ? c->cur_line : 0;
}

char regio_csv_sep(const regio_csv *c)
{
    return c ? c->sep : 0;
}

const char *regio_csv_name(const regio_csv *c)
{
    return c ? c->name : "";
}
