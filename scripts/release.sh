#!/usr/bin/env bash
# Builds a release of ds24-mcp for this machine's platform into dist/:
#   ds24-mcp-<version>-<target>            the binary (static for *-linux-musl)
#   ds24-mcp-<version>-<target>.mcpb       the MCP Bundle for Claude Desktop (stdio, key as a setting)
#   SHA256SUMS                             checksums of both (sha256sum -c SHA256SUMS)
#
#   bash scripts/release.sh [TARGET]
#
# TARGET defaults to x86_64-unknown-linux-musl on x86_64 Linux (a static binary that runs on any
# Linux), else the host's target. The bundle's manifest (packaging/mcpb/manifest.json) lists
# macOS, Windows and Linux and the Windows `.exe` override; each bundle is narrowed to the
# platform whose binary it carries, so build it on (or for) each platform. Packing and
# validation use the official @anthropic-ai/mcpb CLI pinned in tests/external/package.json:
#   MCPB=path/to/node_modules/.bin/mcpb (default: the external stage's install, else `npx`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
HOST=$(rustc -vV | sed -n 's/^host: //p')
if [ -n "${1:-}" ]; then
  TARGET=$1
elif [ "$HOST" = x86_64-unknown-linux-gnu ]; then
  TARGET=x86_64-unknown-linux-musl
else
  TARGET=$HOST
fi
case $TARGET in
  *-apple-darwin) PLATFORM=darwin EXE= ;;
  *-windows-*) PLATFORM=win32 EXE=.exe ;;
  *-linux-*) PLATFORM=linux EXE= ;;
  *) echo "unknown platform for $TARGET" >&2; exit 1 ;;
esac
MCPB=${MCPB:-tests/external/.cache/npm/node_modules/.bin/mcpb}
if [ ! -x "$MCPB" ]; then MCPB="npx -y @anthropic-ai/mcpb@$(sed -n 's/.*"@anthropic-ai\/mcpb": "\(.*\)".*/\1/p' tests/external/package.json)"; fi

echo "== ds24-mcp $VERSION for $TARGET ($PLATFORM)"
if [ "$TARGET" != "$HOST" ]; then rustup target add "$TARGET" >/dev/null; fi
cargo build --release --locked -p ds24-mcp --target "$TARGET"
BIN=target/$TARGET/release/ds24-mcp$EXE
NAME=ds24-mcp-$VERSION-$TARGET

mkdir -p dist
rm -f "dist/$NAME$EXE" "dist/$NAME.mcpb"
cp "$BIN" "dist/$NAME$EXE"

# The bundle: manifest (version from Cargo.toml, platforms narrowed to this one) + server/ds24-mcp.
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/server"
cp "$BIN" "$STAGE/server/ds24-mcp$EXE"
python3 - "$VERSION" "$PLATFORM" packaging/mcpb/manifest.json "$STAGE/manifest.json" <<'PY'
import json, sys
version, platform, src, dst = sys.argv[1:]
m = json.load(open(src))
m["version"] = version
m["compatibility"]["platforms"] = [platform]
json.dump(m, open(dst, "w"), indent=2)
PY
cp LICENSE* "$STAGE/" 2>/dev/null || true
$MCPB validate "$STAGE/manifest.json"
$MCPB pack "$STAGE" "dist/$NAME.mcpb"

(cd dist && sha256sum "$NAME$EXE" "$NAME.mcpb" >SHA256SUMS && sha256sum -c SHA256SUMS)
ls -l dist
