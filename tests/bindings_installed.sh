#!/usr/bin/env bash
# bindings_installed.sh BUILD_DIR SOURCE_ROOT VERSION python|pip|java [PYTHON] — the bindings
# as a user gets them, with nothing of the source tree or the build on any search path:
#   python: `meson install --destdir` into a temporary root; the unittests and
#           examples/batch_issue.py run against the installed package, which must load the
#           libhealthcode.so.1 installed with it (no HC_LIBRARY, no LD_LIBRARY_PATH);
#           The install carries its metadata: `pip show`, importlib.metadata and
#           `pip uninstall` (which removes every file meson installed for the package);
#   pip:    README's route: `pip install` of a copy of bindings/python into a fresh venv
#           (python3 -m venv: no setuptools or wheel needed, offline: --no-index); it finds
#           the installed library through the dynamic linker's search (LD_LIBRARY_PATH here)
#           or HC_LIBRARY, and says which variable to set when there is none; pip show,
#           importlib.metadata and pip uninstall know it; with mypy on PATH, a user's program
#           is type-checked against the installed package;
#   java:   examples/IssueVerify.java compiled against the installed jar and run without
#           flags (the jar finds its JNI library); a copy of the jar elsewhere names the
#           properties to set, then runs with -Djava.library.path.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
version=$3
mode=$4
py=${5:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { printf "bindings_installed.sh %s: %b\n" "$mode" "$*" >&2; exit 1; }
unset HC_LIBRARY PYTHONPATH LD_LIBRARY_PATH CLASSPATH HC_LAYOUT
export PYTHONDONTWRITEBYTECODE=1 HC_SOURCE_ROOT=$src

meson install -C "$build" --destdir "$tmp/root" --no-rebuild --quiet >/dev/null
lib=$(find "$tmp/root" -name libhealthcode.so.1 | head -n1)
[ -n "$lib" ] || fail "no libhealthcode.so.1 installed"
now=1580868000

# The unittests of bindings/python/tests, copied out of the tree, with the interpreter $1;
# the RSS loop shortened (the build's own suite runs it at full length).
unittests() {
    mkdir -p "$tmp/t"
    cp "$src"/bindings/python/tests/test_*.py "$tmp/t/"
    (cd "$tmp/t" && HC_PY_LOOP=2000 "$1" -m unittest -q test_healthcode test_batch_issue 2>"$tmp/unittest.log") ||
        fail "the unittests failed against the installed package:\n$(tail -n 30 "$tmp/unittest.log")"
}

case $mode in
python)
    init=$(find "$tmp/root" -path '*/healthcode/__init__.py' | head -n1)
    [ -n "$init" ] || fail "no healthcode package installed"
    site=$(dirname "$(dirname "$init")")
    for f in py.typed __main__.py _lib.py _install.py; do
        [ -f "$site/healthcode/$f" ] || fail "healthcode/$f not installed"
    done
    # the interpreter imports from that directory under the final prefix, without PYTHONPATH
    final=${site#"$tmp/root"}
    "$py" -E -s -c 'import sys; sys.exit(sys.argv[1] not in sys.path)' "$final" ||
        fail "$final is not on $py's module path"
    export PYTHONPATH=$site
    out=$(cd "$tmp" && "$py" -m healthcode) || fail "python3 -m healthcode failed"
    want="healthcode $version (Python package in $site/healthcode)
libhealthcode $version loaded from $lib"
    [ "$(head -n2 <<<"$out")" = "$want" ] || fail "python3 -m healthcode printed\n$out\nexpected\n$want"
    unittests "$py"
    # its metadata: what pip and importlib.metadata read, then pip uninstall removes it all
    got=$("$py" -c 'import importlib.metadata as m; print(m.version("healthcode"))') ||
        fail "importlib.metadata does not know the package installed by meson"
    [ "$got" = "$version" ] || fail "importlib.metadata.version: '$got', the project is $version"
    if "$py" -m pip --version >/dev/null 2>&1; then
        out=$("$py" -m pip show -f healthcode 2>&1) || fail "pip show healthcode:\n$out"
        grep -qx "Version: $version" <<<"$out" || fail "pip show: no 'Version: $version':\n$out"
        grep -q "healthcode/_install.py" <<<"$out" || fail "pip show -f does not list healthcode/_install.py:\n$out"
        # Debian marks its python3 externally managed: the flag README gives for /usr/local
        "$py" -m pip uninstall -y --break-system-packages healthcode >"$tmp/pip.log" 2>&1 ||
            fail "pip uninstall:\n$(cat "$tmp/pip.log")"
        left=$(cd "$site" && ls -A)
        [ -z "$left" ] || fail "pip uninstall left in $site: $left"
    fi
    echo "installed-python: the package in $final loaded the library installed with it; unittests and batch_issue.py pass; pip show, importlib.metadata and pip uninstall know it"
    ;;
pip)
    mkdir -p "$tmp/pysrc/healthcode"
    cp "$src"/bindings/python/pyproject.toml "$src"/bindings/python/README.md "$src"/bindings/python/hc_build.py "$tmp/pysrc/"
    cp "$src"/bindings/python/healthcode/*.py "$src"/bindings/python/healthcode/py.typed "$tmp/pysrc/healthcode/"
    "$py" -m venv "$tmp/venv"
    vpy=$tmp/venv/bin/python
    # a fresh venv has no wheel package (and may have no setuptools): the backend needs neither
    "$vpy" -m pip uninstall -y -q setuptools wheel >/dev/null 2>&1 || true
    "$tmp/venv/bin/pip" install --no-index --no-cache-dir --disable-pip-version-check \
        -q "$tmp/pysrc" >"$tmp/pip.log" 2>&1 || fail "pip install failed:\n$(cat "$tmp/pip.log")"
    got=$("$vpy" -m pip show healthcode 2>/dev/null | sed -n 's/^Version: //p')
    [ "$got" = "$version" ] || fail "pip installed version '$got', the project is $version (pyproject.toml)"
    pkg=$("$vpy" -c 'import importlib.util as u; print(u.find_spec("healthcode").origin)' 2>/dev/null) || true
    case $pkg in "$tmp/venv/"*) ;; *) fail "the venv imports healthcode from '$pkg'" ;; esac
    [ -f "$(dirname "$pkg")/py.typed" ] || fail "py.typed not installed by pip"
    got=$("$vpy" -c 'import importlib.metadata as m; print(m.version("healthcode"))') ||
        fail "importlib.metadata does not know the package"
    [ "$got" = "$version" ] || fail "importlib.metadata.version: '$got', the project is $version"
    # no library anywhere: the message names the variable (unless the system has one)
    if ! ldconfig -p 2>/dev/null | grep -q 'libhealthcode\.so\.1 '; then
        out=$(cd "$tmp" && "$vpy" -c 'import healthcode' 2>&1) && fail "import healthcode worked without a library"
        grep -q "set HC_LIBRARY to the path of libhealthcode.so.1" <<<"$out" ||
            fail "no library: the error does not name HC_LIBRARY:\n$out"
    fi
    out=$(cd "$tmp" && HC_LIBRARY=$lib "$vpy" -m healthcode --version) || fail "python3 -m healthcode --version failed"
    [ "$out" = "healthcode $version (libhealthcode $version, $lib)" ] || fail "--version printed '$out'"
    LD_LIBRARY_PATH=$(dirname "$lib") unittests "$vpy"
    checked=""
    if command -v mypy >/dev/null; then
        # what an editor sees: the types of the installed package, and a wrong call refused
        cat >"$tmp/user.py" <<'PY'
import healthcode as hc


def colour_of(token: str, trust: hc.Trust) -> str:
    claims = hc.verify(trust, token, now=1580868000)
    return claims.colour or "unknown"


with hc.Key.generate("EdDSA") as key, hc.Trust() as trust:
    trust.add_key(key)
    print(colour_of("HCODE1:", trust), hc.library_path(), key.kid.hex())
PY
        mypy --strict --no-error-summary --cache-dir "$tmp/mypy" --python-executable "$vpy" "$tmp/user.py" \
            >"$tmp/mypy.log" 2>&1 || fail "mypy --strict on a user's program:\n$(cat "$tmp/mypy.log")"
        echo 'import healthcode as hc; hc.verify(hc.Trust(), 42)' >"$tmp/wrong.py"
        mypy --no-error-summary --cache-dir "$tmp/mypy" --python-executable "$vpy" "$tmp/wrong.py" >"$tmp/mypy.log" 2>&1 &&
            fail "mypy accepted hc.verify(trust, 42)"
        grep -q 'Argument 2 to "verify" has incompatible type "int"' "$tmp/mypy.log" ||
            fail "mypy does not see verify's types:\n$(cat "$tmp/mypy.log")"
        checked=", mypy sees its types"
    fi
    "$vpy" -m pip uninstall -y -q healthcode >"$tmp/pip.log" 2>&1 || fail "pip uninstall:\n$(cat "$tmp/pip.log")"
    [ ! -e "$(dirname "$pkg")" ] || fail "pip uninstall left $(dirname "$pkg")"
    echo "installed-pip: pip installed healthcode $version into a fresh venv (offline); unittests and batch_issue.py pass$checked; pip uninstall removes it"
    ;;
java)
    jar=$(find "$tmp/root" -name healthcode.jar | head -n1)
    jni=$(find "$tmp/root" -name libhealthcode_jni.so | head -n1)
    [ -n "$jar" ] && [ -n "$jni" ] || fail "jar ('$jar') or JNI library ('$jni') not installed"
    case $jar in */share/java/healthcode.jar) ;; *) fail "the jar is not under share/java: $jar" ;; esac
    javac -d "$tmp/cls" -cp "$jar" "$src/examples/IssueVerify.java" 2>"$tmp/javac.log" ||
        fail "examples/IssueVerify.java does not compile against the installed jar:\n$(cat "$tmp/javac.log")"
    want="verified: green code from CN-330000, valid until 1580954400"
    mkdir "$tmp/k1" "$tmp/k2"
    out=$(java -cp "$jar:$tmp/cls" IssueVerify "$src/examples/record.json" "$tmp/k1" $now 2>&1) ||
        fail "IssueVerify without flags:\n$out"
    [ "$out" = "$want" ] || fail "IssueVerify printed '$out', expected '$want'"
    # a copy of the jar in an application's directory: no library next to it, and none at
    # the configured prefix nor on java.library.path unless this machine has one installed
    mkdir "$tmp/app" "$tmp/x"
    cp "$jar" "$tmp/app/"
    (cd "$tmp/x" && jar xf "$jar" cn/healthcode/install.properties)
    props=$tmp/x/cn/healthcode/install.properties
    sys_jni=$(sed -n 's/^prefix=//p' "$props")/$(sed -n 's/^jni_dir=//p' "$props")/libhealthcode_jni.so
    if [ ! -e "$sys_jni" ] && ! ls /usr/lib/*/jni/libhealthcode_jni.so /usr/lib/jni/libhealthcode_jni.so >/dev/null 2>&1; then
        out=$(java -cp "$tmp/app/healthcode.jar:$tmp/cls" IssueVerify "$src/examples/record.json" "$tmp/k2" $now 2>&1) &&
            fail "a copied jar loaded a JNI library from nowhere:\n$out"
        grep -q -- "-Dhealthcode.jni=/path/to/libhealthcode_jni.so or -Djava.library.path=DIR" <<<"$out" ||
            fail "no JNI library: the error does not say what to set:\n$out"
    fi
    out=$(LD_LIBRARY_PATH=$(dirname "$lib") java -Djava.library.path="$(dirname "$jni")" \
          -cp "$tmp/app/healthcode.jar:$tmp/cls" IssueVerify "$src/examples/record.json" "$tmp/k2" $now 2>&1) ||
        fail "IssueVerify with -Djava.library.path:\n$out"
    [ "$out" = "$want" ] || fail "IssueVerify printed '$out'"
    grep -q "<version>$version</version>" "$src/bindings/java/pom.xml" || fail "pom.xml is not at version $version"
    if command -v xmllint >/dev/null; then
        xmllint --noout "$src/bindings/java/pom.xml" || fail "pom.xml is not well-formed"
    fi
    echo "installed-java: IssueVerify built against ${jar#"$tmp/root"} and ran without flags"
    ;;
*) fail "unknown mode" ;;
esac
