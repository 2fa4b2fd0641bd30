L=${LAB:-target/release/lab}; X=out/experiments   # written by: python3 bench/experiments/variants.py out/experiments
nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader; date -u
r() { printf "%-34s " "$1"; shift; $L bench --kernel matmul --experimental "$@" 2>&1 | grep -E "matmul/|error" | sed 's/  */ /g' | cut -c1-150; }
for t in 256x128x16 128x256x16 128x128x32 128x128x16; do
 r "coop $t uc" --size 4096 --variant coop_f16 --tiles $t --unchecked
 r "coop_nopre $t uc" --size 4096 --variant coop_f16 --tiles $t --wgsl $X/coop_nopre.wgsl --unchecked
done
r "coop 256x128x16 c" --size 4096 --variant coop_f16 --tiles 256x128x16
r "coop_nopre 256x128x16 c" --size 4096 --variant coop_f16 --tiles 256x128x16 --wgsl $X/coop_nopre.wgsl
r "unrolled uc" --size 4096 --variant unrolled --tiles 128x256x16 --unchecked
r "unrolled_nopre uc" --size 4096 --variant unrolled --tiles 128x256x16 --wgsl $X/unrolled_nopre.wgsl --unchecked
r "unrolled c" --size 4096 --variant unrolled --tiles 128x256x16
r "unrolled_nopre c" --size 4096 --variant unrolled --tiles 128x256x16 --wgsl $X/unrolled_nopre.wgsl
nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader; date -u
