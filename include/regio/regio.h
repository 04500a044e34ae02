/*
 * libregio: the whole public surface of Regio's library. Include this one
 * header; it pulls in one header per concern.
 */
#ifndef REGIO_REGIO_H
#define REGIO_REGIO_H

#include "regio/core.h"
#include "regio/model.h"

#endif
