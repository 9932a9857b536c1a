#!/usr/bin/env bash
# Runs `ansible-test sanity` on the collection, offline: ansible-test wants the collection at
# ansible_collections/xsnap/xen inside a git tree, so a copy is made in a temporary directory.
#
#   ansible/tests/sanity.sh                 # the tests that need nothing from PyPI
#   ansible/tests/sanity.sh --debian-venvs  # every test: the ones that want packages from PyPI get them
#                                           # from Debian (python3-voluptuous, yamllint,
#                                           # python3-pycodestyle, pylint) instead; ./ci/test.sh runs this
#                                           # (ci/install-deps.sh ansible installs them)
#
# Eight tests (ansible-doc, import, pep8, pylint, runtime-metadata, validate-modules, yamllint, and
# action-plugin-docs' venv) make a virtualenv and pip-install pinned packages from PyPI; without network
# that fails. --debian-venvs lets ansible-test make them, then replaces each unfinished one with a venv
# of Debian's /usr/bin/python3 that sees the system's packages, marked finished, and runs again. It
# relies on how ansible-test 2.14 caches its venvs (~/.ansible/test/venv/NAME/VERSION/HASH/marker.txt),
# so it runs with HOME in the temporary directory and leaves yours alone.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python=3.11

# The tests that install nothing from PyPI (2 more find nothing to check here: empty-init, pslint).
offline=(action-plugin-docs compile future-import-boilerplate ignores line-endings metaclass-boilerplate
  no-assert no-basestring no-dict-iteritems no-dict-iterkeys no-dict-itervalues no-get-exception
  no-illegal-filenames no-main-display no-smart-quotes no-unicode-literals replace-urlopen shebang symlinks
  use-argspec-type-path use-compat-six empty-init pslint shellcheck)
from_pypi=(ansible-doc import pep8 pylint runtime-metadata validate-modules yamllint)
# changelog lints changelogs/ with antsibull-changelog, which only PyPI has: it runs where that is installed.
if /usr/bin/python3 -c 'import antsibull_changelog' 2>/dev/null; then
  from_pypi+=(changelog)
else
  echo "sanity: antsibull-changelog is not installed (PyPI only): the changelog test is left out;" \
    "yamllint checks changelogs/ as YAML" >&2
fi

debian_venvs=false
[ "${1:-}" = --debian-venvs ] && debian_venvs=true

command -v ansible-test >/dev/null || { echo "sanity: needs ansible-test (apt-get install ansible-core)" >&2; exit 1; }
command -v git >/dev/null || { echo "sanity: needs git" >&2; exit 1; }

work="$(mktemp -d /tmp/xsnap-sanity.XXXXXX)"
trap 'rm -rf "$work"' EXIT
tree="$work/ansible_collections/xsnap/xen"
mkdir -p "$tree"
cp -r "$here"/. "$tree"/
rm -rf "$tree/tests/output"
(cd "$tree" && git init -q && git add -A && git -c user.name=sanity -c user.email=sanity@localhost commit -qm sanity)
export HOME="$work/home" LC_ALL=C.UTF-8
mkdir -p "$HOME"

run() { (cd "$tree" && ansible-test sanity --python "$python" "$@"); }

tests=("${offline[@]}")
if $debian_venvs; then
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      python3-voluptuous yamllint python3-pycodestyle pylint python3-venv shellcheck >/dev/null
  fi
  # Let ansible-test create its venvs (the pip step fails offline), finish them from Debian's packages, and
  # again: the import test makes its second venv, for plugins, only once the first one works, so only it
  # runs again (running the others again would only repeat pylint and validate-modules).
  make=("${from_pypi[@]}")
  for _ in 1 2 3; do
    for t in "${make[@]}"; do run --test "$t" >/dev/null 2>&1 || true; done
    make=(import)
    finished=0
    for venv in "$HOME"/.ansible/test/venv/*/"$python"/*; do
      if [ ! -d "$venv" ] || [ -f "$venv/marker.txt" ]; then
        continue
      fi
      rm -rf "$venv"
      /usr/bin/python3 -m venv --system-site-packages --without-pip "$venv"
      echo '[]' >"$venv/meta.install.json"
      echo '{"yaml": true, "cloader": true}' >"$venv/meta.yaml.json"
      touch "$venv/marker.txt"
      finished=$((finished + 1))
    done
    [ "$finished" -eq 0 ] && break
  done
  tests+=("${from_pypi[@]}")
fi

if ! command -v shellcheck >/dev/null; then
  echo "sanity: shellcheck is not installed (apt-get install shellcheck): its test is left out" >&2
  tests=("${tests[@]/shellcheck}")
fi
args=()
for t in "${tests[@]}"; do [ -n "$t" ] && args+=(--test "$t"); done
run "${args[@]}"
echo "sanity: passed:" "${args[@]/--test}"
