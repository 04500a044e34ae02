/*
 * Shared between the loading (view.c) and editing (view_edit.c) halves of
 * the loaded-model type. Internal to libregio.
 */
#ifndef REGIO_MODEL_VIEW_INTERNAL_H
#define REGIO_MODEL_VIEW_INTERNAL_H

#include "regio/model_view.h"

/* Resolves an override's leaf, unit and measure deltas from the store. */
regio_err regio__view_resolve_override(regio_store *s, regio_model_view *v,
                                       regio_model_override *o, regio_error *err);

/* Sorts the overrides by account and rebuilds their index. */
regio_err regio__view_index_overrides(regio_model_view *v);

/* Frees the overrides (the index is left as it is). */
void regio__view_drop_overrides(regio_model_view *v);

/* After a change the view could not follow (out of memory once the store
 * had committed): no overrides, no report and revision -1, so that every
 * later edit is refused as stale and a cache reloads the model. */
void regio__view_mark_stale(regio_model_view *v);

/* The report again after units moved: changed (v->k flags, NULL: all)
 * names the leaves whose units changed since the last evaluation, which
 * are the only ones measured again (design/eval_memo.h). */
regio_err regio__view_reevaluate(regio_model_view *v, const unsigned char *changed,
                                 regio_error *err);

/* Reads the model's account overrides again from the store. */
regio_err regio__view_reload_overrides(regio_store *s, regio_model_view *v, regio_error *err);

#endif
