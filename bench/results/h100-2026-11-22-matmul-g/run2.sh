#!/usr/bin/env bash
# The GPU tests again after coop_matmul_runs_or_is_refused_clearly gained coop_f16 at every
# fitting block (.bench/gpu_tests built from that commit): all of them, then the tensor-core
# ones twice more.
set -u
O=${OUT:-out}
date -u
.bench/gpu_tests --test-threads 1 2>&1 | tail -3 | tee $O/gpu_tests2.txt
for i in 1 2; do .bench/gpu_tests --test-threads 1 coop 2>&1 | tail -2 | tee -a $O/gpu_tests2_coop.txt; done
