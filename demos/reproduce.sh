#!/usr/bin/env bash
# Reproduces the "LIMI at small scale" table in the README: fine-tune the embedded
# SmolLM2-135M-Instruct on the demonstrations (LoRA, CPU), then evaluate base and tuned
# side by side on held-out tasks. Run from the repository root with the venv active;
# OUT (default runs/limi) collects the adapters and run directories.
#   bash demos/reproduce.sh            # everything (about 2.5 hours on 2 CPU cores)
#   STEP=eval bash demos/reproduce.sh  # only the evaluations (adapters already trained)
set -euo pipefail
OUT=${OUT:-runs/limi}
EXERCISM=${EXERCISM:-../shared/tasks/exercism-python}
BUILTIN_TASKS="create-fizzbuzz,create-palindrome,create-greet-script,data-top-product,extend-stack,extend-shout-flag,fix-leap-year,fix-sum-to,fix-syntax-error,refactor-rename,research-port,research-find-definition"
EXERCISM_TASKS="hello-world,two-fer,leap,reverse-string,raindrops,pangram"
TRAIN_FLAGS=(--lora --epochs 2 --lr 2e-4 --min-lr 2e-5 --warmup-steps 5 --no-packing --no-gradient-checkpointing)
EVAL_FLAGS=(--rounds 3 --max-turns 10 --workers 2)
export LIMI_N_THREADS=1  # two workers, one core each
mkdir -p "$OUT"

if [[ "${STEP:-all}" != eval ]]; then
  # all 78 demos, 8 of them held out for the eval loss (--eval-fraction 0.1)
  limi-cli train demos/dataset/all.jsonl -m embedded -o "$OUT/lora78" "${TRAIN_FLAGS[@]}" --eval-fraction 0.1
  # the ablation: 10 and 39 of the 70 training demos, chosen by task with a fixed seed
  limi-cli data split demos/dataset/train.jsonl --heldout 0.857 --seed 1 -o "$OUT/abl10"
  limi-cli data split demos/dataset/train.jsonl --heldout 0.435 --seed 1 -o "$OUT/abl39"
  limi-cli train "$OUT/abl10/train.jsonl" -m embedded -o "$OUT/lora10" "${TRAIN_FLAGS[@]}" --eval-fraction 0
  limi-cli train "$OUT/abl39/train.jsonl" -m embedded -o "$OUT/lora39" "${TRAIN_FLAGS[@]}" --eval-fraction 0
fi

for model in base lora78 lora39 lora10; do
  m=$([[ $model == base ]] && echo embedded-base || echo "$OUT/$model")
  limi-cli eval builtin --filter "$BUILTIN_TASKS" -m "$m" -o "$OUT/builtin-$model" "${EVAL_FLAGS[@]}"
done
for model in base lora78; do
  m=$([[ $model == base ]] && echo embedded-base || echo "$OUT/$model")
  limi-cli eval "exercism:$EXERCISM" --filter "$EXERCISM_TASKS" -m "$m" -o "$OUT/exercism-$model" "${EVAL_FLAGS[@]}"
done
limi-cli eval compare "$OUT/builtin-base" "$OUT/builtin-lora10" "$OUT/builtin-lora39" "$OUT/builtin-lora78" --chart "$OUT/builtin.png"
limi-cli eval compare "$OUT/exercism-base" "$OUT/exercism-lora78" --chart "$OUT/exercism.png"
