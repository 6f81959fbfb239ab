# bash run-all.sh SNAP OUTDIR TREE...   every rule enabled, run from inside each tree, json
snap=$1; out=$2; shift 2; mkdir -p $out
rules=$(ls /work/main/docs/rules | sed 's/.md$//' | paste -sd,)
for t in "$@"; do n=$(basename $t); [ -f $t/RACECHECK_SOURCE ] || continue
  (cd $t && timeout 900 node $snap/bin/racecheck.js --format json --enable $rules . > $out/$n.json 2> $out/$n.err); done
