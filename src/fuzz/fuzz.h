/* SPDX-License-Identifier: MIT */
/* Private to the fuzzer (src/fuzz/). */
#ifndef SEALSPEC_FUZZ_PRIV_H
#define SEALSPEC_FUZZ_PRIV_H

#include "sealspec-fuzz.h"

#endif
