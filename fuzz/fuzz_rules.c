/*
 * libFuzzer target for assignment rules as written (regio_rule_compile and
 * regio_rule_eval): the input's first line is the logic, each further line
 * a criterion "field|operator|value" (at most REGIO_RULE_MAX_CRITERIA).
 * A rule that compiles is evaluated on a few accounts and must agree with
 * the oracle of the unit tests (tests/unit/rules_oracle.h, written from
 * docs/ACCESS.md alone) combined through the logic's truth table; a rule
 * that does not compile must say why.
 */
#include "fuzz_file.h"

#include "regio/rules.h"
#include "rules/rules_internal.h"
/* The oracle header also holds the logic-tree generator, unused here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "rules_oracle.h"
#pragma GCC diagnostic pop

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static regio_attr ATTRS[3] = {
    {"tier", "Gold", NAN, 0}, {"score", "42.5", 42.5, 1}, {"Region Code", " w-1 ", NAN, 0}};

static regio_account ACCOUNTS[3] = {
    {"A1", "Acme Robotics", "1 Main St", "Denver", "CO", "80202", "US", 39.7, -105.0,
     0, "R1", "Manufacturing", "customer", "A", 2.5e6, 120, 1e5, "U1", ATTRS, 3},
    {"a-2", " bay medical ", NULL, "", NULL, NULL, NULL, NAN, NAN, 0, NULL, "Healthcare",
     NULL, "b", 0, -1, NAN, NULL, ATTRS + 1, 1},
    {"A3", "", "", "Boulder", "co", "8030", "us", 40.0, -105.3, 0, "", "", "", "", 1e-300,
     0.5, 99.5, "U2", NULL, 0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    regio_rule_info r;
    memset(&r, 0, sizeof r);
    r.name = "fuzz";
    r.active = 1;
    char *line = text, *next = strchr(line, '\n');
    if (next)
        *next++ = '\0';
    r.logic = line;
    int long_text = 0;
    for (line = next; line && r.n_criteria < REGIO_RULE_MAX_CRITERIA; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *bar1 = strchr(line, '|'), *bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
        if (!bar2)
            continue;
        *bar1 = *bar2 = '\0';
        r.criteria[r.n_criteria++] = (regio_rule_criterion){line, bar1 + 1, bar2 + 1};
        long_text |= strlen(bar2 + 1) > 400 || strlen(line) > 400;
    }
    if (r.n_criteria == 0) {
        free(text);
        return 0;
    }
    regio_rule_compiled *c = NULL;
    regio_error e;
    regio_err rc = regio_rule_compile(&r, &c, &e);
    if (rc) {
        if (!e.msg[0] || c)
            __builtin_trap();
        free(text);
        return 0;
    }
    uint64_t table[REGIO__TT_WORDS];
    memset(table, 0, sizeof table);
    if (regio__logic_table(r.logic, r.n_criteria, table, &e))
        __builtin_trap(); /* compiled, so the logic is valid */
    for (size_t k = 0; k < sizeof ACCOUNTS / sizeof ACCOUNTS[0]; k++) {
        int got = regio_rule_eval(c, &ACCOUNTS[k]);
        if (got != 0 && got != 1)
            __builtin_trap();
        if (long_text) /* the oracle reads at most 511 bytes of a text */
            continue;
        unsigned m = 0;
        for (int i = 0; i < r.n_criteria; i++) {
            const char *canon = NULL, *f = r.criteria[i].field;
            if (regio_rule_field_standard(f, &canon) != REGIO_RULE_FIELD_CUSTOM)
                f = canon;
            regio_rule_op op;
            if (regio_rule_op_parse(r.criteria[i].op, &op, NULL))
                __builtin_trap(); /* compiled, so the operator is known */
            if (o_sat(f, regio_rule_op_name(op), r.criteria[i].value, &ACCOUNTS[k]))
                m |= 1u << i;
        }
        if (got != regio__tt_get(table, m))
            __builtin_trap();
    }
    regio_rule_compiled_free(c);
    free(text);
    return 0;
}
