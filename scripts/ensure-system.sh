#!/usr/bin/env bash
# Installs the Debian packages the named test tiers (or `start`) need, when they are missing.
# Usage: scripts/ensure-system.sh [unit] [alembic] [vscode] [vsix] [start]
# The unit tier needs nothing from apt: it runs in plain Node.
set -uo pipefail
need=()
want() { dpkg -s "$1" >/dev/null 2>&1 || need+=("$1"); }
for tier in "$@"; do
  case "$tier" in
    # postgresql + python3-psycopg2: the live database status is tested on a throwaway PostgreSQL
    # cluster migrated by the real Alembic; python3-dotenv / python3-pydantic: .env and settings classes;
    # python3-poetry: `poetry run alembic` (setting alembic.command) is run for real; mariadb-server +
    # python3-pymysql: the migration tests run on a throwaway MariaDB server. zsh + fish: the shell quoting
    # is run by the real shells.
    alembic) want python3-alembic; want zsh; want fish; want postgresql; want python3-psycopg2; want python3-dotenv; want python3-pydantic; want python3-poetry; want mariadb-server; want python3-pymysql ;;
    vscode|vsix|start) want python3-alembic; want postgresql; want python3-psycopg2; want chromium; want ripgrep; want libkrb5-dev; want g++; want make; want curl; want procps ;;
  esac
done
((${#need[@]})) || exit 0
echo "[setup] installing Debian packages: ${need[*]}"
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
  echo "[setup] cannot install ${need[*]}: not root and no sudo. Install them with apt-get, then run again." >&2
  exit 1
fi
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || {
  echo "[setup] apt-get could not install ${need[*]}: see the messages above" >&2
  exit 1
}
