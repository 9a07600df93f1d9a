/*
 * nn_metrics.h - classification and regression metrics (placeholder header;
 * the metrics module defines its API here).
 */
#ifndef NN_METRICS_H
#define NN_METRICS_H

#include "nn_base.h"

#endif
