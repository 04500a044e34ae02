/* Call plans (in progress). */
#include "server/handlers.h"

#define TODO(name) SRV_HANDLER(name) { (void)app; (void)rq; srv_reply_error(rs, 501, "not_implemented", "not yet"); }
TODO(api_plan)
