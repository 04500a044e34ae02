/*
 * Unit tests of the design options as text (regio/design_opts.h), the one
 * parse behind regio design|realign and the server's jobs: tolerances per
 * measure, objective, index weights, the numbers' ranges, keep-whole
 * groups, k for a capacity, and the option names in both styles.
 */
#include "regio/design_opts.h"
#include "regio/model.h"
#include "regio_test.h"

static const char *const names[] = {"accounts", "revenue", "potential"};

static void test_opt_name(void)
{
    char b[32];
    ASSERT_EQ_STR(regio_design_opt_name(REGIO_OPTS_CLI, "max_moved_weight", b, sizeof b),
                  "--max-moved-weight");
    ASSERT_EQ_STR(regio_design_opt_name(REGIO_OPTS_JSON, "max_moved_weight", b, sizeof b),
                  "\"max_moved_weight\"");
}

static void test_tolerances(void)
{
    regio_error err;
    int cols[] = {0, 1};
    double def = 0, tols[2] = {0, 0};
    int named = -1;
    ASSERT_OK(regio_design_tolerances_parse("0.05,revenue=0.08", REGIO_OPTS_CLI, names, cols, 2,
                                            &def, tols, &named, &err));
    ASSERT_NEAR(def, 0.05, 0);
    ASSERT_NEAR(tols[0], 0, 0);
    ASSERT_NEAR(tols[1], 0.08, 0);
    ASSERT_EQ_INT(named, 1);
    /* one number: no names */
    def = 0;
    ASSERT_OK(regio_design_tolerances_parse("0.1", REGIO_OPTS_JSON, names, cols, 2, &def, tols,
                                            &named, &err));
    ASSERT_NEAR(def, 0.1, 0);
    ASSERT_EQ_INT(named, 0);
    /* syntax only: names are not looked up */
    ASSERT_OK(regio_design_tolerances_parse("nope=0.1", REGIO_OPTS_CLI, NULL, NULL, 0, &def, NULL,
                                            NULL, &err));
    ASSERT_EQ_INT(regio_design_tolerances_parse("potential=0.1", REGIO_OPTS_JSON, names, cols, 2,
                                                &def, tols, NULL, &err),
                  REGIO_EINVAL);
    ASSERT_EQ_STR(err.msg, "\"tolerance\" names 'potential', which is not a measure of "
                           "\"balance\" (accounts, revenue)");
    ASSERT_EQ_INT(regio_design_tolerances_parse("accounts=1", REGIO_OPTS_CLI, names, cols, 2, &def,
                                                tols, NULL, &err),
                  REGIO_EINVAL);
    ASSERT_EQ_STR(err.msg, "--tolerance takes T or MEASURE=T (T between 0 and 1), not 'accounts=1'");
    ASSERT_EQ_INT(regio_design_tolerances_parse("0.1,0.2", REGIO_OPTS_CLI, names, cols, 2, &def,
                                                tols, NULL, &err),
                  REGIO_EINVAL);
    ASSERT_EQ_STR(err.msg, "--tolerance has more than one bare number");
    ASSERT_EQ_INT(regio_design_tolerances_parse(",", REGIO_OPTS_CLI, names, cols, 2, &def, tols,
                                                NULL, &err),
                  REGIO_EINVAL);
}

static void test_objective_weights_numbers(void)
{
    regio_error err;
    regio_design_objective o = REGIO_DESIGN_MIN_TRAVEL;
    ASSERT_OK(regio_design_objective_parse("diameter", REGIO_OPTS_CLI, &o, &err));
    ASSERT_EQ_INT(o, REGIO_DESIGN_MIN_DIAMETER);
    ASSERT_EQ_INT(regio_design_objective_parse(NULL, REGIO_OPTS_JSON, &o, &err), REGIO_EINVAL);
    ASSERT_EQ_STR(err.msg, "\"objective\" is travel or diameter");

    double w[2];
    ASSERT_OK(regio_design_index_weights_parse("2,0.5", REGIO_OPTS_CLI, 2, w, &err));
    ASSERT_NEAR(w[0], 2, 0);
    ASSERT_NEAR(w[1], 0.5, 0);
    ASSERT_EQ_INT(regio_design_index_weights_parse("2", REGIO_OPTS_JSON, 2, w, &err), REGIO_EINVAL);
    ASSERT_EQ_STR(err.msg, "\"index_weights\" needs exactly one weight per \"balance\" measure (2)");
    ASSERT_EQ_INT(regio_design_index_weights_parse("1,2,3", REGIO_OPTS_CLI, 2, w, &err),
                  REGIO_EINVAL);
    ASSERT_EQ_INT(regio_design_index_weights_parse("1;2", REGIO_OPTS_CLI, 2, w, &err), REGIO_EINVAL);
    ASSERT_EQ_INT(regio_design_index_weights_parse("1,-2", REGIO_OPTS_CLI, 2, w, &err),
                  REGIO_EINVAL);

    regio_design_params p;
    regio_design_params_init(&p);
    ASSERT_OK(regio_design_numbers_check(&p, REGIO_OPTS_CLI, &err));
    p.max_moved_weight = 1.5;
    ASSERT_EQ_INT(regio_design_numbers_check(&p, REGIO_OPTS_CLI, &err), REGIO_EINVAL);
    ASSERT_EQ_STR(err.msg, "--max-moved-weight must be a share from 0 to 1 (0 = no cap), not 1.5");
    p.max_moved_weight = 0;
    p.n_starts = 1001;
    ASSERT_EQ_INT(regio_design_numbers_check(&p, REGIO_OPTS_JSON, &err), REGIO_EINVAL);
    ASSERT_EQ_STR(err.msg, "\"starts\" takes a number from 1 to 1000");
    p.n_starts = 0;
    p.time_limit_s = -1;
    ASSERT_EQ_INT(regio_design_numbers_check(&p, REGIO_OPTS_CLI, &err), REGIO_EINVAL);
}

/* Four units: two in state A, one in B, one without the attribute. */
static void make_units(regio_unitset *us, regio_unit *u, regio_attr *a)
{
    memset(us, 0, sizeof *us);
    memset(u, 0, 4 * sizeof *u);
    memset(a, 0, 4 * sizeof *a);
    static char key[] = "state", va[] = "A", vb[] = "B", other[] = "name", x[] = "x";
    a[0] = (regio_attr){key, va, NAN, 0};
    a[1] = (regio_attr){key, vb, NAN, 0};
    a[2] = (regio_attr){key, va, NAN, 0};
    a[3] = (regio_attr){other, x, NAN, 0};
    for (int i = 0; i < 4; i++) {
        u[i].attrs = &a[i];
        u[i].n_attrs = 1;
    }
    us->units = u;
    us->n = 4;
}

static void test_groups(void)
{
    regio_unitset us;
    regio_unit u[4];
    regio_attr a[4];
    make_units(&us, u, a);
    regio_error err;
    int g[4];
    ASSERT_OK(regio_design_groups_by_attribute(&us, "state", REGIO_OPTS_CLI, g, &err));
    ASSERT_EQ_INT(g[0], 0);
    ASSERT_EQ_INT(g[1], 1);
    ASSERT_EQ_INT(g[2], 0);
    ASSERT_EQ_INT(g[3], -1);
    ASSERT_EQ_INT(regio_design_groups_by_attribute(&us, "county", REGIO_OPTS_JSON, g, &err),
                  REGIO_EINVAL);
    ASSERT_EQ_STR(err.msg, "\"keep_whole\": no unit has an attribute 'county'");
    /* every allocation failure is an error, never a crash */
    regio_set_allocator(&regio_test_failing);
    int failed = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 50; alloc_fail_at++) {
        alloc_calls = 0;
        regio_err rc = regio_design_groups_by_attribute(&us, "state", REGIO_OPTS_CLI, g, &err);
        if (rc == REGIO_OK)
            break;
        ASSERT_EQ_INT(rc, REGIO_ENOMEM);
        failed++;
    }
    regio_set_allocator(NULL);
    alloc_fail_at = 0;
    ASSERT_TRUE(failed >= 1);
}

static void test_k_for_capacity(void)
{
    double x[3] = {0, 1, 2}, y[3] = {0, 0, 0}, m[6] = {10, 1, 20, 1, 31, 1};
    regio_design_input in;
    memset(&in, 0, sizeof in);
    in.n = 3;
    in.m = 2;
    in.x = x;
    in.y = y;
    in.measures = m;
    ASSERT_EQ_INT(regio_design_k_for_capacity(&in, 0, 20), 4); /* 61 / 20 */
    ASSERT_EQ_INT(regio_design_k_for_capacity(&in, 0, 61), 1);
    ASSERT_EQ_INT(regio_design_k_for_capacity(&in, 1, 1), 3);
    ASSERT_EQ_INT(regio_design_k_for_capacity(&in, 1, 100), 1);
}

int main(void)
{
    RUN(test_opt_name);
    RUN(test_tolerances);
    RUN(test_objective_weights_numbers);
    RUN(test_groups);
    RUN(test_k_for_capacity);
    TEST_END();
}
