// The module's umbrella header: every C kernel Swift calls.
#include "bf16_gemm.h"
#include "few_rows_gemm.h"
#include "vector_kernels.h"
