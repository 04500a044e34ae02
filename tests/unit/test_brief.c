/*
 * The territory brief (regio/brief.h) from a small store built through the
 * library: its sections and what they hold, store strings escaped, the
 * changes since the previous model, refusals that leave the output as it
 * was, and every allocation failure (an error or the whole page, never a
 * crash, a leak or a part of a page).
 */
#include "regio/brief.h"
#include "regio/import.h"
#include "regio/perf.h"
#include "regio/store.h"
#include "regio_test.h"
#include "regio_test_db.h"

#include <string.h>

static char path[64];
static char dir[64];

static void write_file(const char *name, const char *text, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", dir, name);
    FILE *f = fopen(out, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* M1 (from 2026-01-01): T01 = U1, U2; T02 = U3, U4. M2 (from 2026-07-01):
 * U2 moved to T02. Accounts in every unit, one with markup in its name. */
static regio_store *fixture(void)
{
    regio_test_db_path(path, sizeof path, "brief");
    snprintf(dir, sizeof dir, "/tmp/regio_brief_dir_XXXXXX");
    if (!mkdtemp(dir))
        return NULL;
    regio_store *s = NULL;
    regio_error e;
    if (regio_store_open(path, &s, &e))
        return NULL;
    char units[128], accounts[128], sales[128], adj[128];
    write_file("units.csv",
               "id,name,lat,lon,accounts\nU1,North,40,-100,1\nU2,East,40,-99,1\n"
               "U3,South,39,-100,1\nU4,West,39,-99,1\n",
               units, sizeof units);
    write_file("adj.csv", "a,b\nU1,U2\nU1,U3\nU2,U4\nU3,U4\n", adj, sizeof adj);
    write_file("accounts.csv",
               "id,name,city,lat,lon,segment,potential,unit_id\n"
               "A1,<b>Acme</b> & Co,Hays,40.1,-100.1,A,120000,U1\n"
               "A2,Bolt,Ellis,40.1,-99.1,B,30000,U2\n"
               "A3,Core,Hays,39.1,-100.1,A,50000,U3\n"
               "A4,Dash,Russell,39.1,-99.1,C,9000,U4\n",
               accounts, sizeof accounts);
    write_file("sales.csv",
               "id,account,date,amount,status\nS1,A1,2026-08-15,7000,won\n"
               "S2,A2,2026-03-01,2500,won\nS3,A1,2025-01-01,100,won\n",
               sales, sizeof sales);
    regio_units_import_opts uo;
    memset(&uo, 0, sizeof uo);
    uo.adjacency_path = adj;
    regio_import_opts io;
    memset(&io, 0, sizeof io);
    regio_import_summary sum;
    int bad = regio_import_units(s, units, &uo, &sum, &e) ||
              regio_import_accounts(s, accounts, &io, &sum, &e) ||
              regio_store_model_create(s, "M1", REGIO_MODEL_PLANNING, NULL, NULL, NULL, NULL,
                                       &e) ||
              regio_store_territory_upsert(s, "M1", "T01", "Hays & around", NULL, &e) ||
              regio_store_territory_upsert(s, "M1", "T02", NULL, NULL, &e) ||
              regio_store_alignment_set(s, "M1", "U1", "T01", &e) ||
              regio_store_alignment_set(s, "M1", "U2", "T01", &e) ||
              regio_store_alignment_set(s, "M1", "U3", "T02", &e) ||
              regio_store_alignment_set(s, "M1", "U4", "T02", &e) ||
              regio_store_model_promote(s, "M1", "2026-01-01", "test", &e) ||
              regio_store_model_clone(s, "M1", "M2", NULL, "test", NULL, &e) ||
              regio_store_alignment_set(s, "M2", "U2", "T02", &e) ||
              regio_store_model_promote(s, "M2", "2026-07-01", "test", &e) ||
              regio_import_sales(s, sales, &io, &sum, &e);
    if (bad) {
        fprintf(stderr, "fixture: %s\n", e.msg);
        regio_store_close(s);
        return NULL;
    }
    return s;
}

static void done_with(regio_store *s)
{
    regio_store_close(s);
    regio_test_db_remove(path);
    char p[128];
    const char *names[] = {"units.csv", "adj.csv", "accounts.csv", "sales.csv"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        remove(p);
    }
    rmdir(dir);
}

static const regio_brief_opts at_day = {"2026-12-07", NULL, NULL};

static void test_page(void)
{
    regio_store *s = fixture();
    ASSERT_TRUE(s != NULL);
    if (!s)
        return;
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_error e;
    ASSERT_OK(regio_brief_html(s, "M2", "T01", &at_day, &b, &e));
    const char *h = b.data ? b.data : "";
    const char *sections[] = {"id=\"members\"", "id=\"map\"", "id=\"accounts\"",
                              "id=\"plan\"", "id=\"quota\"", "id=\"changes\""};
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        ASSERT_TRUE(strstr(h, sections[i]) != NULL);
    ASSERT_TRUE(strstr(h, "Hays &amp; around") != NULL);
    ASSERT_TRUE(strstr(h, "&lt;b&gt;Acme&lt;/b&gt; &amp; Co") != NULL);
    ASSERT_TRUE(strstr(h, "<b>") == NULL);
    /* A1 booked 7,000 within the 12 months to the day (not the 100 of 2025) */
    ASSERT_TRUE(strstr(h, "<td class=\"n\">7.00 k</td>") != NULL);
    /* U2 left for T02, with its account; M1 was in force before M2 */
    ASSERT_TRUE(strstr(h, "<strong>M1</strong>") != NULL);
    ASSERT_TRUE(strstr(h, "left for T02") != NULL);
    ASSERT_TRUE(strstr(h, "1 left") != NULL);
    ASSERT_TRUE(strstr(h, "<svg class=\"map\"") != NULL);
    ASSERT_TRUE(strstr(h, "</html>\n") != NULL);
    /* the accounts table lists A1 only (A2 left with U2) */
    ASSERT_TRUE(strstr(h, "<td>A1</td>") != NULL);
    ASSERT_TRUE(strstr(h, "<td>A2</td>") == NULL);
    regio_buf_free(&b);
    done_with(s);
}

static void test_refusals(void)
{
    regio_store *s = fixture();
    ASSERT_TRUE(s != NULL);
    if (!s)
        return;
    regio_buf b;
    regio_buf_init(&b, 0);
    ASSERT_OK(regio_buf_puts(&b, "kept"));
    regio_error e;
    ASSERT_EQ_INT(regio_brief_html(s, "M9", "T01", &at_day, &b, &e), REGIO_ENOTFOUND);
    ASSERT_TRUE(strstr(e.msg, "M9") != NULL);
    ASSERT_EQ_INT(regio_brief_html(s, "M2", "T9", &at_day, &b, &e), REGIO_ENOTFOUND);
    ASSERT_TRUE(strstr(e.msg, "T9") != NULL);
    regio_brief_opts bad = {"2026-02-30", NULL, NULL};
    ASSERT_EQ_INT(regio_brief_html(s, "M2", "T01", &bad, &b, &e), REGIO_EINVAL);
    ASSERT_EQ_INT(regio_brief_html(s, "M2", "T01", NULL, NULL, &e), REGIO_EINVAL);
    ASSERT_EQ_STR(b.data, "kept");
    regio_buf_free(&b);
    done_with(s);
}

/* Every allocation failure: ENOMEM (or another error) and the output as it
 * was, or the whole page. */
static void test_alloc_failures(void)
{
    regio_store *s = fixture();
    ASSERT_TRUE(s != NULL);
    if (!s)
        return;
    regio_error e;
    regio_buf whole;
    regio_buf_init(&whole, 0);
    ASSERT_OK(regio_brief_html(s, "M2", "T01", &at_day, &whole, &e));
    int ok = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 100000 && !ok; alloc_fail_at++) {
        regio_buf b;
        regio_buf_init(&b, 0);
        alloc_calls = 0;
        regio_set_allocator(&regio_test_failing);
        regio_err rc = regio_brief_html(s, "M2", "T01", &at_day, &b, &e);
        regio_set_allocator(NULL);
        if (rc == REGIO_OK) {
            ok = alloc_calls < alloc_fail_at;
            if (b.len != whole.len || memcmp(b.data, whole.data, b.len))
                FAIL_AT_("fail at %d: another page", alloc_fail_at);
        } else if (b.len) {
            FAIL_AT_("fail at %d: %s with %zu bytes written", alloc_fail_at, regio_err_name(rc),
                     b.len);
        }
        regio_buf_free(&b);
    }
    ASSERT_TRUE(ok);
    /* the loop went through every allocation of the page, not none */
    ASSERT_TRUE(alloc_fail_at > 100);
    alloc_fail_at = 0;
    regio_buf_free(&whole);
    done_with(s);
}

int main(void)
{
    RUN(test_page);
    RUN(test_refusals);
    RUN(test_alloc_failures);
    TEST_END();
}
