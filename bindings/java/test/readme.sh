#!/usr/bin/env bash
# readme.sh BUILD_DIR SOURCE_ROOT VERSION — README's Java part against what `meson install`
# installs (into a temporary root), with nothing of the build on a search path:
#   - the ```java example compiles against the installed jar and prints what its comment says
#     (a code bound to a java.security key, presented by the Presenter, verified live);
#   - the `mvn install:install-file` recipe names the jar, POM and javadoc jar that meson
#     installs; run as written (offline: Debian's Maven repository, /usr/share/maven-repo,
#     stands in for Maven Central, and the local repository is a temporary one), it puts
#     those very files into the repository under the coordinates of the README's
#     <dependency>, and a program compiles against the jar Maven holds.
# Exit 77 (skipped) for the Maven half when mvn or Debian's maven-install-plugin is missing
# (apt-get install maven libmaven-install-plugin-java).
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
version=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { printf "readme.sh: %b\n" "$*" >&2; exit 1; }
unset CLASSPATH LD_LIBRARY_PATH

meson install -C "$build" --destdir "$tmp/root" --no-rebuild --quiet >/dev/null
prefix=$(sed -n 's/^prefix=//p' "$build/bindings/java/install.properties")
jar=$tmp/root$prefix/share/java/healthcode.jar
[ -f "$jar" ] || fail "no healthcode.jar installed under $prefix/share/java"

# README's Java part: from **Java** to the next section
python3 - "$src/README.md" "$tmp" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
part = text[text.index("**Java** (`bindings/java`"):]
part = part[:part.index("\n## ")]
blocks = re.findall(r"```(\w+)\n(.*?)```", part, re.S)
java = [b for lang, b in blocks if lang == "java"]
mvn = [b for lang, b in blocks if lang == "sh" and "mvn install:install-file" in b]
xml = [b for lang, b in blocks if lang == "xml"]
assert len(java) == 1 and len(mvn) == 1 and len(xml) == 1, "README's Java part: one java, one mvn, one xml block"
open(sys.argv[2] + "/snippet.java", "w").write(java[0])
cmd = " ".join(l for l in mvn[0].replace("\\\n", " ").splitlines() if not l.startswith("#"))
open(sys.argv[2] + "/mvn.txt", "w").write(cmd.strip() + "\n")
dep = {k: re.search(rf"<{k}>(.*?)</{k}>", xml[0]).group(1) for k in ("groupId", "artifactId", "version")}
open(sys.argv[2] + "/dep.txt", "w").write("{groupId} {artifactId} {version}\n".format(**dep))
PY

# the ```java example, in a main() with its imports, run from the source root
mkdir -p "$tmp/ex"
{
    echo 'import cn.healthcode.*; import java.nio.file.*; import java.time.*; import java.util.Base64;'
    echo 'import java.security.KeyPair; import java.security.KeyPairGenerator; import java.security.spec.ECGenParameterSpec;'
    echo 'public class Readme { public static void main(String[] args) throws Exception {'
    cat "$tmp/snippet.java"
    echo '} }'
} >"$tmp/ex/Readme.java"
javac -d "$tmp/ex" -cp "$jar" "$tmp/ex/Readme.java" 2>"$tmp/javac.log" ||
    fail "README's java example does not compile:\n$(cat "$tmp/javac.log")\n$(cat "$tmp/ex/Readme.java")"
out=$(cd "$src" && java -cp "$jar:$tmp/ex" Readme 2>&1) || fail "README's java example failed:\n$out"
# a code bound to the phone's P-256 key, shown live 5 s after it was issued
grep -qx 'Claims{verified green from CN-330000, SM2 kid [0-9a-f]\{16\}, cti .*, bound ES256, live at 2020-02-05T02:00:05Z}' \
    <<<"$out" ||
    fail "README's java example printed '$out', not what its comment says"
echo "readme: the java example compiles against the installed jar and prints $out"

# the Maven recipe: its files are meson's
read -r group artifact dep_version <"$tmp/dep.txt"
[ "$dep_version" = "$version" ] || fail "README's <dependency> is version $dep_version, the project $version"
for opt in file pomFile javadoc; do
    path=$(grep -o -- "-D$opt=[^ ]*" "$tmp/mvn.txt" | head -n1 | cut -d= -f2-)
    [ -n "$path" ] || fail "the recipe has no -D$opt: $(cat "$tmp/mvn.txt")"
    case $path in /usr/local/*) ;; *) fail "-D$opt=$path is not under /usr/local, meson's default prefix" ;; esac
    installed=$tmp/root$prefix/${path#/usr/local/}
    [ -f "$installed" ] || fail "-D$opt=$path: meson installs no such file (looked for $installed)"
    eval "file_$opt=\$installed"
done
grep -q "<groupId>$group</groupId>" "$file_pomFile" && grep -q "<artifactId>$artifact</artifactId>" "$file_pomFile" &&
    grep -q "<version>$version</version>" "$file_pomFile" ||
    fail "the installed POM is not $group:$artifact:$version"
unzip -Z1 "$file_javadoc" >"$tmp/javadoc.txt"
for page in BundleStore Presenter Register VerifyOptions; do
    grep -qx "cn/healthcode/$page.html" "$tmp/javadoc.txt" || fail "the javadoc jar has no $page.html"
done
echo "readme: the recipe's jar, POM and javadoc jar are the files meson installs ($group:$artifact:$version)"

if ! command -v mvn >/dev/null || [ ! -d /usr/share/maven-repo/org/apache/maven/plugins/maven-install-plugin ]; then
    echo "SKIP: the recipe not run: mvn or Debian's maven-install-plugin missing (apt-get install maven libmaven-install-plugin-java)"
    exit 77
fi
cat >"$tmp/settings.xml" <<'XML'
<settings><mirrors><mirror><id>debian</id><mirrorOf>*</mirrorOf><url>file:///usr/share/maven-repo</url></mirror></mirrors></settings>
XML
# as written, with the paths of this temporary root, plus only what makes it offline
cmd=$(sed "s|/usr/local/|$tmp/root$prefix/|g" "$tmp/mvn.txt")
read -r -a words <<<"$cmd"
[ "${words[0]}" = mvn ] || fail "the recipe does not start with mvn: $cmd"
(cd "$tmp" && HOME=$tmp/home "${words[@]}" -B -q -s "$tmp/settings.xml" -Dmaven.repo.local="$tmp/m2" \
    >"$tmp/mvn.log" 2>&1) || fail "the recipe failed:\n$(tail -n 30 "$tmp/mvn.log")"
repo=$tmp/m2/${group//.//}/$artifact/$version
cmp -s "$repo/$artifact-$version.jar" "$file_file" || fail "Maven holds another jar than meson installed"
cmp -s "$repo/$artifact-$version.pom" "$file_pomFile" || fail "Maven holds another POM than meson installed"
cmp -s "$repo/$artifact-$version-javadoc.jar" "$file_javadoc" || fail "Maven holds another javadoc jar"
javac -d "$tmp/cls" -cp "$repo/$artifact-$version.jar" "$src/examples/IssueVerify.java" 2>"$tmp/javac.log" ||
    fail "IssueVerify does not compile against the jar in the Maven repository:\n$(cat "$tmp/javac.log")"
echo "readme: mvn install:install-file put the installed jar, POM and javadoc into the repository as $group:$artifact:$version"
