set -u
L=.bench/lab; X=.bench/exp17; O=${OUT:-out}
one() { # NAME FILE-OR-EMPTY SIZE TILES
  for u in "--unchecked" ""; do
    w=; [ -n "$2" ] && w="--wgsl $X/$2.wgsl"
    r=$($L bench --kernel matmul --variant coop_f16 $w --size $3 --tiles $4 $u --experimental 2>&1 | grep -E "^matmul/|rror" | tail -1)
    echo "$3 $4 $1 ${u:-checked} :: ${r:0:170}" | tee -a $O/exp.txt
  done
}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
one shipped "" 4096 128x256x16
one direct coop_direct 4096 128x256x16
one direct2 coop_direct2 4096 128x256x16
one direct coop_direct 4096 256x128x16
one direct coop_direct 8192 128x256x16
one shipped "" 4096 128x256x16
for f in direct direct2; do .bench/vkstats_bin "$f" $X/coop_$f.wgsl BM=128 BN=256 BK=16 SG=32 WN=64 --unchecked >> $O/vkstats.tsv 2>&1; done
cat $O/vkstats.tsv
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
