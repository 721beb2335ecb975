#!/usr/bin/env bash
# Container entry point: `docker run IMAGE <collapse command> [args...]`.
# Maps the container's environment onto the JVM and execs it, so the JVM is PID 1's
# replacement and receives SIGTERM directly (docker stop, Kubernetes, Slurm requeue).
set -euo pipefail

# Where run directories go; a volume in the image.
run_root="${COLLAPSE_RUN_ROOT:-/runs}"
# Downloaded models, DJL's extracted JNI library and the data cache; a volume in the image.
cache="${COLLAPSE_CACHE:-/cache}"
# The unpacked repository layout inside the image: configs/ and datasets/ are found here.
repo="${COLLAPSE_REPO:-/app}"
jar="${COLLAPSE_JAR:-$repo/collapse.jar}"
# Tests substitute a fake java that prints its arguments.
java="${COLLAPSE_JAVA:-java}"
# A fraction of the container's memory limit, not of the host's.
java_opts="${JAVA_OPTS:--XX:MaxRAMPercentage=75.0}"

die() {
  echo "collapse: $*" >&2
  exit 1
}

# A directory this user can create files in; root ignores permission bits, so try a real file.
require_writable_dir() {
  local what="$1" dir="$2" probe
  mkdir -p -- "$dir" 2>/dev/null || die "$what $dir cannot be created; mount a writable volume there"
  probe="$(mktemp -p "$dir" .write-probe.XXXXXX 2>/dev/null)" \
    || die "$what $dir is not writable by uid $(id -u); mount a volume this user can write (docker run --user \"\$(id -u):\$(id -g)\", or chown the host directory)"
  rm -f -- "$probe"
}

require_writable_dir "run root (COLLAPSE_RUN_ROOT)" "$run_root"
require_writable_dir "cache (COLLAPSE_CACHE)" "$cache"
[ -f "$jar" ] || die "jar $jar not found (COLLAPSE_JAR)"
if [ -n "${PYTORCH_LIBRARY_PATH:-}" ] && [ ! -d "$PYTORCH_LIBRARY_PATH" ]; then
  die "PYTORCH_LIBRARY_PATH=$PYTORCH_LIBRARY_PATH is not a directory; unset it to use the bundled CPU engine, or point it at libtorch/lib"
fi

# Every cache under the one volume: Hugging Face downloads, DJL's engine files.
export HF_HOME="${HF_HOME:-$cache/huggingface}"
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$cache/djl}"
export ENGINE_CACHE_DIR="${ENGINE_CACHE_DIR:-$DJL_CACHE_DIR}"
# The JVM's home may not exist for an arbitrary --user; keep user-level files in the cache too.
export HOME="${HOME:-$cache/home}"
[ -w "$HOME" ] || export HOME="$cache/home"
mkdir -p -- "$HOME"

if [ "$#" -eq 0 ]; then
  set -- info
fi

# JAVA_OPTS is a list of JVM flags: splitting it into words is intended.
# shellcheck disable=SC2086
exec "$java" $java_opts \
  -Dcollapse.repo="$repo" \
  -Dcollapse.run.root="$run_root" \
  -Dcollapse.cache="$cache" \
  -jar "$jar" "$@"
