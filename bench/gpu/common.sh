# shellcheck shell=bash disable=SC2154  # python, out, budget, start_all: set by the script that sources this
# Sourced by check.sh and diagnose.sh: what both do before measuring. Sets $bundle (the bundle this
# lies in, or COLLAPSE_BUNDLE) and $collapse; its functions expect $python and $out too.

bundle="$(cd "${COLLAPSE_BUNDLE:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd)"
collapse="$bundle/collapse"

# A slim bundle (slim.sha256, from slim-bundle.sh) gets back exactly the files it left out, each
# from where CHECK_CHECKOUT, a checkout of the same commit, keeps it; exits 2 where the checkout
# lacks them or holds others (another commit's fixtures would test the wrong answers).
restore_slim() {
  [ -f "$bundle/slim.sha256" ] || return 0
  local checkout="${CHECK_CHECKOUT:-}" path from
  if [ ! -d "$checkout/pipeline/src/test/resources" ] || [ ! -d "$checkout/datasets" ]; then
    echo "error: $bundle is a slim bundle (slim.sha256); set CHECK_CHECKOUT to a checkout of the same commit," \
      "whose pipeline/src/test/resources and datasets it left out" >&2
    exit 2
  fi
  "$collapse" --version > /dev/null || exit 2  # unpacks the payload on first use
  while read -r _ path; do
    case "$path" in
      test/classes/*) from="$checkout/pipeline/src/test/resources/${path#test/classes/}" ;;
      *) from="$checkout/$path" ;;
    esac
    mkdir -p "$(dirname "$bundle/$path")"
    cp -a "$from" "$bundle/$path" 2> /dev/null || true  # one the checkout lacks is named by the check below
  done < "$bundle/slim.sha256"
  if ! (cd "$bundle" && sha256sum --quiet -c slim.sha256); then
    echo "error: $checkout's fixtures or datasets differ from those the slim bundle left out (slim.sha256):" \
      "check out the commit the bundle was built from" >&2
    exit 2
  fi
}

# within_budget LIMIT_S: the smaller of LIMIT_S and what is left of $budget since $start_all, keeping
# 15 s for the end (check.sh's archive, diagnose.sh's clean-up).
within_budget() {
  local left=$((budget - 15 - (SECONDS - start_all)))
  echo $(($1 < left ? $1 : left))
}

# collapse native build against python3's torch, installed under $out/engine-cache.
native_build() {
  local torch_dir
  torch_dir="$("$python" -c 'import torch, os; print(os.path.dirname(torch.__file__))')" || return 3
  "$collapse" native build --torch "$torch_dir" --cache-dir "$out/engine-cache" --jobs "$(nproc)"
}

# load_exports LOG: the variables native build printed (its last `export` line, kept in
# $out/env.sh), for every later command.
load_exports() {
  local line
  line="$(grep '^export ' "$1" 2> /dev/null | tail -1)"
  if [ -n "$line" ]; then
    echo "$line" > "$out/env.sh"
    # shellcheck disable=SC1091
    source "$out/env.sh"
    export PYTORCH_LIBRARY_PATH PYTORCH_VERSION PYTORCH_FLAVOR ENGINE_CACHE_DIR
  else
    echo "# native build printed no export line; later commands use the environment as it was" > "$out/env.sh"
  fi
}
