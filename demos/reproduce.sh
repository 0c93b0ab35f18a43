#!/usr/bin/env bash
# Reproduces the "LIMI at small scale" table in the README: fine-tune the embedded
# SmolLM2-135M-Instruct on the demonstrations (LoRA, CPU), then evaluate base and tuned
# side by side on held-out tasks. Run from the repository root with the venv's bin on PATH;
# OUT (default runs/limi) collects the adapters and run directories.
#   bash demos/reproduce.sh                 # train, then evaluate (about 2 hours on 2 quiet CPU cores)
#   STEP=eval bash demos/reproduce.sh       # only the evaluations (the adapter already trained)
#   STEP=ablation bash demos/reproduce.sh   # the 10- and 39-demo adapters, their builtin runs, the loss on unseen demos
#   STEP=guard bash demos/reproduce.sh      # the 78-demo adapter again, with the loop guard on (loop_limit 5)
set -euo pipefail
OUT=${OUT:-runs/limi}
EXERCISM=${EXERCISM:-../shared/tasks/exercism-python}
BUILTIN_TASKS="create-fizzbuzz,create-palindrome,create-greet-script,data-top-product,extend-stack,extend-shout-flag,fix-leap-year,fix-sum-to,fix-syntax-error,refactor-rename,research-port,research-find-definition"
EXERCISM_TASKS="hello-world,two-fer,leap,reverse-string,raindrops,pangram"
TRAIN_FLAGS=(--lora --epochs 2 --lr 2e-4 --min-lr 2e-5 --warmup-steps 5 --no-packing --no-gradient-checkpointing)
EVAL_FLAGS=(--rounds 3 --max-turns 10 --workers 2)
export LIMI_N_THREADS=1  # two workers, one core each
export LIMI_LOOP_LIMIT=${LIMI_LOOP_LIMIT:-0}  # the table was measured without the loop guard (STEP=guard turns it on)
STEP=${STEP:-all}
mkdir -p "$OUT"

builtin() { limi-cli eval builtin --filter "$BUILTIN_TASKS" -m "$1" -o "$OUT/builtin-$2" "${EVAL_FLAGS[@]}"; }
exercism() { limi-cli eval "exercism:$EXERCISM" --filter "$EXERCISM_TASKS" -m "$1" -o "$OUT/exercism-$2" "${EVAL_FLAGS[@]}"; }

if [[ $STEP == all ]]; then
  # all 78 demos, 8 of them held out for the eval loss (--eval-fraction 0.1)
  limi-cli train demos/dataset/all.jsonl -m embedded -o "$OUT/lora78" "${TRAIN_FLAGS[@]}" --eval-fraction 0.1
fi
if [[ $STEP == all || $STEP == eval ]]; then
  builtin embedded-base base
  builtin "$OUT/lora78" lora78
  exercism embedded-base base
  exercism "$OUT/lora78" lora78
  limi-cli eval compare "$OUT/builtin-base" "$OUT/builtin-lora78" --chart "$OUT/builtin.png"
  limi-cli eval compare "$OUT/exercism-base" "$OUT/exercism-lora78" --chart "$OUT/exercism.png"
fi
if [[ $STEP == ablation ]]; then
  # 10 and 39 of the 70 training demos, chosen by task with a fixed seed
  limi-cli data split demos/dataset/train.jsonl --heldout 0.857 --seed 1 -o "$OUT/abl10"
  limi-cli data split demos/dataset/train.jsonl --heldout 0.435 --seed 1 -o "$OUT/abl39"
  for n in 10 39; do
    limi-cli train "$OUT/abl$n/train.jsonl" -m embedded -o "$OUT/lora$n" "${TRAIN_FLAGS[@]}" --eval-fraction 0
    builtin "$OUT/lora$n" "lora$n"
  done
  limi-cli eval compare "$OUT/builtin-base" "$OUT/builtin-lora10" "$OUT/builtin-lora39" "$OUT/builtin-lora78"
  # the loss on demos none of the adapters trained on (lora78's held-out rows outside the 39)
  python demos/heldout_loss.py demos/dataset/all.jsonl --exclude "$OUT/lora78" --exclude "$OUT/abl39/train.jsonl" \
    base "$OUT/lora10" "$OUT/lora39" "$OUT/lora78"
  # and on the 8 curated held-out demos, which the 10- and 39-demo adapters never saw
  python demos/heldout_loss.py demos/dataset/heldout.jsonl base "$OUT/lora10" "$OUT/lora39"
fi
if [[ $STEP == guard ]]; then
  LIMI_LOOP_LIMIT=5 builtin "$OUT/lora78" lora78-guard
  limi-cli eval compare "$OUT/builtin-lora78" "$OUT/builtin-lora78-guard"
fi
