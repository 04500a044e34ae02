/*
 * The rules of a model name, in one place for the store (which refuses
 * invalid names when it creates or clones a model), the CLI and the
 * server: non-empty, at most 100 characters (code points), no control
 * characters, no '/' (a name is one URL path segment of the API).
 */
#include "regio/model_view.h"

#include <string.h>

/* Longest model name, in characters (code points). */
#define NAME_MAX_CHARS 100

const char *regio_model_name_problem(const char *name)
{
    if (!name || !*name)
        return "must not be empty";
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return "must not contain control characters";
        /* C1 controls U+0080..U+009F are C2 80..C2 9F in UTF-8. */
        if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            return "must not contain control characters";
        if (*p == '/')
            return "must not contain '/'";
        if ((*p & 0xc0) != 0x80)
            chars++;
    }
    if (chars > NAME_MAX_CHARS)
        return "must be at most 100 characters";
    return NULL;
}

regio_err regio_model_name_check(const char *name, regio_error *err)
{
    const char *why = regio_model_name_problem(name);
    if (!why)
        return REGIO_OK;
    /* Quote at most NAME_MAX_CHARS characters: the bytes up to the start
     * of the next one. */
    size_t len = 0, chars = 0;
    const char *s = name ? name : "";
    for (; s[len]; len++)
        if (((unsigned char)s[len] & 0xc0) != 0x80 && ++chars > NAME_MAX_CHARS)
            break;
    return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "model name '%.*s%s' %s",
                            (int)len, s, s[len] ? "..." : "", why);
}
