/* SPDX-License-Identifier: MIT */
/* zmq_utils.h: libzmq kept its stopwatch, sleep and thread helpers here;
   they are declared in zmq.h, which this includes. */
#ifndef ZMTP_CAPI_ZMQ_UTILS_H
#define ZMTP_CAPI_ZMQ_UTILS_H
#include "zmq.h"
#endif
