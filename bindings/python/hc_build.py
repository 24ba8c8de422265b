"""hc_build — the package's build backend (PEP 517), standard library only.

Why not setuptools: a fresh virtual environment has pip but neither setuptools nor
wheel, and without the network pip cannot fetch them, so `pip install
./bindings/python` failed there (with --no-build-isolation: "invalid command
'bdist_wheel'"). The package is pure Python (the C library is installed apart), so
its wheel is a zip of healthcode/ and a dist-info directory written here, from the
[project] table of pyproject.toml; pip needs nothing else, online or not.

`meson install` uses the same metadata: `python3 hc_build.py dist-info OUTDIR
SITE_FILE=PATH…` writes the METADATA, RECORD, INSTALLER and top_level.txt of the
files meson installs, so that `pip show healthcode`, `importlib.metadata` and
`pip uninstall healthcode` know the package whichever way it came.
"""
import base64
import hashlib
import io
import os
import re
import sys
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = "healthcode"
# what the package is made of (bindings/python/meson.build installs the same, plus _install.py)
PACKAGE_FILES = ["__init__.py", "__main__.py", "_lib.py", "_batch.py", "py.typed"]


def _project():
    """The [project] table of pyproject.toml (tomllib, or the subset it uses read by hand)."""
    path = os.path.join(HERE, "pyproject.toml")
    try:
        import tomllib  # Python 3.11
        with open(path, "rb") as f:
            return tomllib.load(f)["project"]
    except ImportError:
        pass
    text = open(path, encoding="utf-8").read()
    body = text.split("[project]", 1)[1].split("\n[", 1)[0]
    out = {}
    for m in re.finditer(r'^(\S+)\s*=\s*(".*?"|\[.*?\]|\{.*?\})\s*$', body, re.M | re.S):
        key, val = m.group(1), m.group(2)
        if val.startswith('"'):
            out[key] = val[1:-1]
        elif val.startswith("["):
            out[key] = re.findall(r'"([^"]*)"', val)
        else:
            out[key] = dict(re.findall(r'(\w+)\s*=\s*"([^"]*)"', val))
    return out


def _dist_name(p):
    return f"{p['name']}-{p['version']}.dist-info"


def metadata(p):
    """The core metadata (version 2.1) of the project."""
    lines = ["Metadata-Version: 2.1", f"Name: {p['name']}", f"Version: {p['version']}",
             f"Summary: {p['description']}"]
    lic = p.get("license", {})
    if lic.get("text"):
        lines.append(f"License: {lic['text']}")
    if p.get("requires-python"):
        lines.append(f"Requires-Python: {p['requires-python']}")
    lines += [f"Classifier: {c}" for c in p.get("classifiers", [])]
    readme = p.get("readme")
    body = ""
    if readme:
        lines.append("Description-Content-Type: text/markdown")
        body = open(os.path.join(HERE, readme), encoding="utf-8").read()
    return "\n".join(lines) + "\n\n" + body


def _record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def _dist_info_files(p, installer=None):
    files = {"METADATA": metadata(p).encode(), "top_level.txt": (PACKAGE + "\n").encode()}
    if installer:
        files["INSTALLER"] = (installer + "\n").encode()
    else:
        files["WHEEL"] = (f"Wheel-Version: 1.0\nGenerator: hc_build\nRoot-Is-Purelib: true\n"
                          f"Tag: py3-none-any\n").encode()
    return files


def _package_files():
    return [(f"{PACKAGE}/{n}", open(os.path.join(HERE, PACKAGE, n), "rb").read()) for n in PACKAGE_FILES]


# ---------------------------------------------------------------- PEP 517

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    p = _project()
    d = os.path.join(metadata_directory, _dist_name(p))
    os.makedirs(d, exist_ok=True)
    for name, data in _dist_info_files(p).items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    return _dist_name(p)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    p = _project()
    name = f"{p['name']}-{p['version']}-py3-none-any.whl"
    entries = _package_files() + [(f"{_dist_name(p)}/{n}", d) for n, d in _dist_info_files(p).items()]
    record = "".join(_record_line(a, d) + "\n" for a, d in entries) + f"{_dist_name(p)}/RECORD,,\n"
    entries.append((f"{_dist_name(p)}/RECORD", record.encode()))
    tmp = os.path.join(wheel_directory, "." + name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for arcname, data in entries:
            info = zipfile.ZipInfo(arcname, date_time=(2020, 2, 5, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    os.replace(tmp, os.path.join(wheel_directory, name))
    return name


def build_sdist(sdist_directory, config_settings=None):
    p = _project()
    base = f"{p['name']}-{p['version']}"
    name = base + ".tar.gz"
    tmp = os.path.join(sdist_directory, "." + name + ".tmp")
    with tarfile.open(tmp, "w:gz") as t:
        def add(arcname, data):
            info = tarfile.TarInfo(f"{base}/{arcname}")
            info.size, info.mode, info.mtime = len(data), 0o644, 1580860800
            t.addfile(info, io.BytesIO(data))
        for f in ("pyproject.toml", "README.md", "hc_build.py"):
            add(f, open(os.path.join(HERE, f), "rb").read())
        for arcname, data in _package_files():
            add(arcname, data)
        add("PKG-INFO", metadata(p).encode())
    os.replace(tmp, os.path.join(sdist_directory, name))
    return name


# ----------------------------------------------------- meson install's dist-info

def _main(argv):
    """dist-info OUTDIR ARCNAME=PATH…: the dist-info files of what meson installs."""
    if len(argv) < 3 or argv[0] != "dist-info":
        print("usage: hc_build.py dist-info OUTDIR healthcode/NAME=PATH…", file=sys.stderr)
        return 2
    p = _project()
    out = argv[1]
    files = _dist_info_files(p, installer="meson")
    entries = [(a, open(path, "rb").read()) for a, path in (x.split("=", 1) for x in argv[2:])]
    entries += [(f"{_dist_name(p)}/{n}", d) for n, d in files.items()]
    files["RECORD"] = ("".join(_record_line(a, d) + "\n" for a, d in entries) +
                       f"{_dist_name(p)}/RECORD,,\n").encode()
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
