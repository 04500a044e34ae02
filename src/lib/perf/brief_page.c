/*
 * Writing the territory brief's page: appends that remember the first
 * failure, HTML escaping of every string that comes from the store, table
 * cells, and numbers as people read them (regio/format.h).
 */
#include "perf/brief_internal.h"

#include "regio/format.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

regio_err regio__brief_oom(regio__brief *b)
{
    return regio_error_setf(b->err, REGIO_ENOMEM, NULL, 0, NULL,
                            "out of memory writing the territory brief");
}

regio_err regio__html_escape(regio_buf *b, const char *s)
{
    if (!s)
        return REGIO_OK;
    for (const char *p = s; *p; p++) {
        const char *rep = NULL;
        switch (*p) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: break;
        }
        regio_err rc = rep ? regio_buf_puts(b, rep) : regio_buf_putc(b, *p);
        if (rc)
            return rc;
    }
    return REGIO_OK;
}

void regio__bp_put(regio__page *p, const char *s)
{
    if (!p->oom && regio_buf_puts(p->o, s))
        p->oom = 1;
}

void regio__bp_putf(regio__page *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!p->oom && regio_buf_vprintf(p->o, fmt, ap))
        p->oom = 1;
    va_end(ap);
}

void regio__bp_esc(regio__page *p, const char *s)
{
    if (!s || !*s)
        regio__bp_put(p, "&ndash;");
    else if (!p->oom && regio__html_escape(p->o, s))
        p->oom = 1;
}

void regio__bp_td(regio__page *p, const char *s)
{
    regio__bp_put(p, "<td>");
    regio__bp_esc(p, s);
    regio__bp_put(p, "</td>");
}

void regio__bp_td_num(regio__page *p, const char *s)
{
    regio__bp_put(p, "<td class=\"n\">");
    regio__bp_esc(p, s);
    regio__bp_put(p, "</td>");
}

const char *regio__bp_money(const char *currency, double v, char *buf, size_t cap)
{
    return regio_format_money(isfinite(v) ? v : NAN, currency, buf, cap);
}

const char *regio__bp_pct(double v, char *buf, size_t cap)
{
    if (!isfinite(v))
        return "–";
    return regio_format_percent(v, 1, 0, buf, cap);
}

const char *regio__bp_count(double v, char *buf, size_t cap)
{
    return regio_format_number(v, 0, buf, cap);
}

const char *regio__bp_nouns(double v, const char *noun, char *buf, size_t cap)
{
    char n[32];
    snprintf(buf, cap, "%s %s%s", regio__bp_count(v, n, sizeof n), noun, v == 1 ? "" : "s");
    return buf;
}
