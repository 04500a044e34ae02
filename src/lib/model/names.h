/*
 * Private: the check of a model name that the store runs before it
 * creates a model (regio_model_name_problem states the rules).
 */
#ifndef REGIO_MODEL_NAMES_H
#define REGIO_MODEL_NAMES_H

#include "regio/core.h"

/*
 * REGIO_OK when name is a valid model name, else REGIO_EINVAL with
 * err->msg "model name 'NAME' <what is wrong>" (NAME cut after 100
 * characters, with "..."): the text the CLI prints and the API answers.
 */
regio_err regio__model_name_check(const char *name, regio_error *err);

#endif
