#!/usr/bin/env bash
# The bash completion (generated: cli/docs_gen.cc) completes subcommands, flags, option values,
# plan files and run ids from the trail; and the committed copies of it and of the man page
# are what the current command line generates.
# Usage: completion_test.sh SOURCE_DIR GEN_DOCS_BINARY TCPLAN_BINARY
set -euo pipefail
src="$1" gen="$2" tcplan_bin="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$gen" man >"$work/tcplan.1"
"$gen" bash-completion >"$work/tcplan.bash"
diff -u "$src/docs/tcplan.1" "$work/tcplan.1" ||
  { echo "docs/tcplan.1 is stale: $gen man > docs/tcplan.1"; exit 1; }
diff -u "$src/share/bash-completion/tcplan" "$work/tcplan.bash" ||
  { echo "share/bash-completion/tcplan is stale"; exit 1; }

# A fake `tcplan` on PATH answers `runs --output json` as the real one would, with the
# --audit-db it is given echoed, so the test sees that the line's trail is used.
mkdir -p "$work/bin" "$work/plans/sub"
cat >"$work/bin/tcplan" <<'FAKE'
#!/usr/bin/env bash
if [[ "$*" == *"runs --output json"* ]]; then
  db=default; [[ $1 == --audit-db ]] && db=$2
  echo "[{\"run_id\":\"run-$db-1\",\"status\":\"succeeded\"},{\"run_id\":\"run-$db-2\"}]"
fi
FAKE
chmod +x "$work/bin/tcplan"
touch "$work/plans/a.toml" "$work/plans/b.json" "$work/plans/notes.txt"
export PATH="$work/bin:$PATH"
# shellcheck disable=SC1091
source "$work/tcplan.bash"

complete_line() {
  read -r -a COMP_WORDS <<<"$1"
  [[ $1 == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _tcplan
  printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}
expect() {
  local got
  got="$(cd "$work" && complete_line "$1")"
  [[ " $got" == *" $2 "* ]] || { echo "'$1' completed to '$got', expected '$2' among them"; exit 1; }
}
refuse() {
  local got
  got="$(cd "$work" && complete_line "$1")"
  [[ " $got" != *" $2 "* ]] || { echo "'$1' completed to '$got', not expected '$2'"; exit 1; }
}
expect "tcplan ap" apply
expect "tcplan " validate
expect "tcplan audit ve" verify
expect "tcplan apply --re" --resume
expect "tcplan apply --au" --audit-db
expect "tcplan --target " cloud
expect "tcplan runs --output " json
expect "tcplan validate plans/" plans/a.toml
expect "tcplan validate plans/" plans/sub
refuse "tcplan validate plans/" plans/notes.txt
expect "tcplan status " run-default-1
expect "tcplan --audit-db /t/x.db audit show " run-/t/x.db-2
expect "tcplan apply plans/a.toml --resume " run-default-2
echo "completion ok"
