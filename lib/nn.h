/*
 * nn.h - the nnkit library, one include for programs and tests.
 */
#ifndef NN_H
#define NN_H

#include "nn_base.h"
#include "nn_enc.h"
#include "nn_input.h"
#include "nn_csv.h"
#include "nn_libsvm.h"
#include "nn_fmt.h"
#include "nn_layers.h"
#include "nn_model.h"
#include "nn_json.h"
#include "nn_bind.h"
#include "nn_train.h"
#include "nn_metrics.h"
#include "nn_plot.h"

#endif
