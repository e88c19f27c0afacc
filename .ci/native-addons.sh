#!/usr/bin/env bash
# Builds the native addons of the installed checkout in <dir> for the `node` on PATH, from a cache
# when it has them:
#
#   .ci/native-addons.sh /path/to/checkout
#
# Every package with a binding.gyp (better-sqlite3) compiles against the running Node's ABI; N-API
# binaries (rolldown, lightningcss, esbuild's executable) do not need it. Their prebuilt binaries
# come from GitHub, which this machine cannot reach, so npm's install script compiles SQLite from
# source: about 70 s of a 2-core machine's `npm ci`. The build/ dirs are therefore cached per Node
# version and addon version, as a tar in WEDSYNC_NODE_CACHE (default ~/.cache/wedsync-node), and
# unpacked on the next run. Used by .ci/run (after `npm ci --ignore-scripts`) and node-version.sh.
set -euo pipefail

work="$(cd "$1" && pwd)"
cache="${WEDSYNC_NODE_CACHE:-$HOME/.cache/wedsync-node}"
mkdir -p "$cache"
version="$(node -p process.versions.node)"

mapfile -t addons < <(cd "$work" && find node_modules -name binding.gyp -not -path '*/test/*' \
  -not -path '*/deps/*' -printf '%h\n' | sort -u)
[ "${#addons[@]}" -gt 0 ] || exit 0
# Keyed by the addons' own name@version, so unrelated lockfile changes keep the cache.
addon_sum="$(cd "$work" && for a in "${addons[@]}"; do node -p \
  "const p = require('./$a/package.json'); p.name + '@' + p.version"; done | sha256sum | cut -c1-16)"
built="$cache/addons-$version-$addon_sum.tar"
if [ -f "$built" ] && tar -C "$work" -xf "$built"; then
  echo "native-addons: ${addons[*]##*node_modules/} for Node $version from $built"
  exit 0
fi
# prebuild-install would try GitHub for a prebuilt binary; build from source straight away.
(cd "$work" && npm_config_build_from_source=true npm rebuild --no-audit --no-fund \
  "${addons[@]##*node_modules/}")
(cd "$work" && tar -cf "$built.tmp.$$" "${addons[@]/%//build}" && mv "$built.tmp.$$" "$built")
