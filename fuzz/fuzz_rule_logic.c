/*
 * libFuzzer target for the logic of assignment rules (regio_rule_logic_check
 * and the truth table behind it): the first byte chooses the number of
 * criteria (1..10), the rest is the logic. Checking and tabulating must
 * agree; an error must name a column inside the text (or just past it);
 * a table has no bit set beyond its 2^n assignments.
 */
#include "fuzz_file.h"

#include "regio/rules.h"
#include "rules/rules_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int n = data[0] % REGIO_RULE_MAX_CRITERIA + 1;
    char *text = fuzz_text(data + 1, size - 1);
    if (!text)
        return 0;
    size_t len = strlen(text);
    regio_error e1, e2;
    regio_err a = regio_rule_logic_check(text, n, &e1);
    uint64_t table[REGIO__TT_WORDS];
    memset(table, 0, sizeof table);
    regio_err b = regio__logic_table(text, n, table, &e2);
    free(text);
    if (a != b)
        __builtin_trap();
    if (a == REGIO_EPARSE && len <= 4000 && (e1.column < 1 || (size_t)e1.column > len + 1))
        __builtin_trap();
    if (!a)
        for (unsigned m = 1u << n; m < (1u << REGIO_RULE_MAX_CRITERIA); m++)
            if (regio__tt_get(table, m))
                __builtin_trap();
    return 0;
}
