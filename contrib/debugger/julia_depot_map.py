# This file is a part of Julia. License is MIT: https://julialang.org/license
"""
julia_depot_map: the shared logic of Julia's debugger loaders
(julia-depot-gdb.py, julia_depot_lldb.py, julia-depot-symbolizer).

The debug info of a pkgimage names its source files by their absolute paths
on the machine that built it.  The image carries, as plain data in the ELF
section `.jl_depot_map`, the depot map: for each depot role root those paths
lie under, the directory the build spelled it with, the role token, and a
virtual root `/@depot-<image_id16>-<k>` that names the root in the map's
file list.  This module owns:

  - reading that section from an ELF file (standard library only, every
    offset and length bounded by the file, nothing executed);
  - parsing and validating the map text;
  - finding the depot that contains an object file from the file's own
    location (classic `<depot>/compiled/vX.Y/...` or the XDG split layout);
  - building DEPOT_PATH with Julia's rules;
  - resolving each root to a real directory (containing depot first, then
    DEPOT_PATH in order) and checking the recorded MD5 of each file; a
    debugger then maps the root's build directory to that real directory.

Nothing found inside a depot is ever executed: the map is data.
"""

import hashlib
import os
import re
import struct

__all__ = [
    "MapError", "DepotMap", "Depot", "Resolution",
    "read_elf_section", "read_map", "parse_map", "unescape", "escape",
    "classic_depot", "xdg_depot", "user_depot", "bundled_depots",
    "depot_path", "containing_depot", "resolve", "load",
]

SECTION = ".jl_depot_map"
MAGIC = "julia-depot-map"
VERSION = 2
ROLES = ("depot", "artifacts", "compiled", "cache")
# The longest path (in bytes) the runtime accepts (JL_DEPOT_PATH_MAX).
PATH_MAX = 32767
# The largest map section read (a map of 100,000 files is about 15 MB).
SECTION_MAX = 64 << 20
# The largest source file whose MD5 is checked.
MD5_MAX = 256 << 20

_HEX16 = re.compile(r"[0-9a-f]{16}\Z")
_MD5 = re.compile(r"[0-9a-fA-F]{32}\Z")
_VROOT = re.compile(r"/@(depot|artifacts|compiled|cache)-([0-9a-f]{16})-([1-9][0-9]{0,5})\Z")
_VERSIONDIR = re.compile(r"v[0-9]+\.[0-9]+\Z")


class MapError(Exception):
    """A map that cannot be used; the message completes
    "ignoring the depot map of X because <message>"."""


# --------------------------------------------------------------------------
# ELF


def _elf_sections(f, size):
    """Yield (name_offset, type, offset, size) of every section header,
    and the section-name string table as a last (None, strtab) pair."""
    ident = f.read(16)
    if len(ident) < 16 or ident[:4] != b"\x7fELF":
        raise MapError("the file is not an ELF object")
    cls, data = ident[4], ident[5]
    if cls not in (1, 2) or data not in (1, 2):
        raise MapError("the ELF header has an unknown class or byte order")
    end = "<" if data == 1 else ">"
    if cls == 2:
        hdr = f.read(48)
        if len(hdr) < 48:
            raise MapError("the ELF header is truncated")
        (shoff,) = struct.unpack(end + "Q", hdr[24:32])
        shentsize, shnum, shstrndx = struct.unpack(end + "HHH", hdr[42:48])
        shfmt, minent = end + "IIQQQQIIQQ", 64
    else:
        hdr = f.read(36)
        if len(hdr) < 36:
            raise MapError("the ELF header is truncated")
        (shoff,) = struct.unpack(end + "I", hdr[16:20])
        shentsize, shnum, shstrndx = struct.unpack(end + "HHH", hdr[30:36])
        shfmt, minent = end + "IIIIIIIIII", 40
    if shoff == 0:
        return None, []
    if shentsize < minent or shoff >= size:
        raise MapError("the ELF section header table is malformed")

    def header(i):
        off = shoff + i * shentsize
        if off + minent > size:
            raise MapError("the ELF section header table is truncated")
        f.seek(off)
        raw = f.read(minent)
        if len(raw) < minent:
            raise MapError("the ELF section header table is truncated")
        v = struct.unpack(shfmt, raw)
        # name, type, flags, addr, offset, size, link, ...
        return v[0], v[1], v[4], v[5], v[6]

    first = header(0)
    if shnum == 0:  # more than 0xff00 sections: the count is in section 0
        shnum = first[3]
    if shstrndx == 0xFFFF:  # SHN_XINDEX
        shstrndx = first[4]
    if shnum > (size - shoff) // shentsize:
        raise MapError("the ELF section header table is truncated")
    if shstrndx >= shnum:
        raise MapError("the ELF section name table index is out of range")
    heads = [header(i) for i in range(shnum)]
    _, stype, soff, ssize, _ = heads[shstrndx]
    if stype == 8 or soff > size or ssize > size - soff:
        raise MapError("the ELF section name table is out of bounds")
    f.seek(soff)
    strtab = f.read(ssize)
    return strtab, heads


def read_elf_section(path, name=SECTION, limit=SECTION_MAX):
    """The bytes of section `name` of the ELF file `path`, or None when the
    file has no such section.  MapError for a malformed or hostile file."""
    want = name.encode()
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            strtab, heads = _elf_sections(f, size)
            for nameoff, stype, off, ssize, _ in heads:
                if nameoff >= len(strtab):
                    continue
                stop = strtab.find(b"\0", nameoff)
                if stop < 0 or strtab[nameoff:stop] != want:
                    continue
                if stype == 8:  # SHT_NOBITS
                    raise MapError("the %s section has no bytes in the file" % name)
                if off > size or ssize > size - off:
                    raise MapError("the %s section lies outside the file" % name)
                if ssize > limit:
                    raise MapError("the %s section is larger than %d bytes" % (name, limit))
                f.seek(off)
                data = f.read(ssize)
                if len(data) != ssize:
                    raise MapError("the %s section is truncated" % name)
                return data
            return None
    except OSError as e:
        raise MapError("the file cannot be read (%s)" % (e.strerror or e))


# --------------------------------------------------------------------------
# The map text

_UNESC = {"%25": "%", "%09": "\t", "%0A": "\n", "%0D": "\r"}
_ESC = re.compile(r"%(?:25|09|0A|0D|0a|0d)")


def unescape(field):
    """Decode `%25`, `%09`, `%0A`, `%0D`; any other `%` is an error."""
    out = []
    i = 0
    while True:
        j = field.find("%", i)
        if j < 0:
            out.append(field[i:])
            return "".join(out)
        out.append(field[i:j])
        code = field[j:j + 3].upper()
        if code not in _UNESC:
            raise MapError("the escape %r is not one of %%25 %%09 %%0A %%0D" % field[j:j + 3])
        out.append(_UNESC[code])
        i = j + 3


def escape(field):
    return (field.replace("%", "%25").replace("\t", "%09")
            .replace("\n", "%0A").replace("\r", "%0D"))


def _check_rel(rel, what, lineno):
    if rel == "":
        raise MapError("line %d: the %s is empty" % (lineno, what))
    if "\0" in rel:
        raise MapError("line %d: the %s contains a NUL byte" % (lineno, what))
    if len(rel.encode("utf-8", "surrogateescape")) > PATH_MAX:
        raise MapError("line %d: the %s is longer than %d bytes" % (lineno, what, PATH_MAX))
    if rel.startswith("/"):
        raise MapError("line %d: the %s is absolute" % (lineno, what))
    for comp in rel.split("/"):
        if comp == "..":
            raise MapError("line %d: the %s climbs out of its root with `..`" % (lineno, what))


class Root(object):
    """A root: its virtual name, role, depot index k, token, anchor, and
    `dir`, the directory the build's paths (the debug info) spell it with."""
    __slots__ = ("vroot", "role", "k", "token", "anchor", "dir")

    def __init__(self, vroot, role, k, token, anchor, dir):
        self.vroot, self.role, self.k, self.token, self.anchor = vroot, role, k, token, anchor
        self.dir = dir

    def __repr__(self):
        return "Root(%r, %r, %r, %r)" % (self.vroot, self.token, self.anchor, self.dir)


class DepotMap(object):
    """A parsed map: `image` (16 hex digits), `roots` (vroot -> Root, in
    map order) and `files` (list of (vroot, rest, md5); md5 None when the
    map says `-`: unknown, not checked)."""

    def __init__(self, image, roots, files):
        self.image, self.roots, self.files = image, roots, files


def parse_map(data):
    """Parse and validate the text of a `.jl_depot_map` section (bytes or
    str).  Trailing NUL padding is allowed; any other NUL is an error."""
    if isinstance(data, bytes):
        data = data.rstrip(b"\0")
        if b"\0" in data:
            raise MapError("the map contains a NUL byte")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise MapError("the map is not valid UTF-8 (byte %d)" % e.start)
    else:
        text = data.rstrip("\0")
        if "\0" in text:
            raise MapError("the map contains a NUL byte")
    if text == "":
        raise MapError("the map is empty")
    if not text.endswith("\n"):
        raise MapError("the map's last line has no line end")
    lines = text[:-1].split("\n")
    head = lines[0].split("\t")
    if head[0] != MAGIC:
        raise MapError("the map does not start with %r" % MAGIC)
    if len(head) != 2 or not re.match(r"[0-9]{1,9}\Z", head[1]):
        raise MapError("line 1: the version is malformed")
    if int(head[1]) != VERSION:
        raise MapError("the map has version %s; this loader reads version %d" % (head[1], VERSION))
    image = None
    roots = {}
    files = []
    seen_files = set()
    for lineno, line in enumerate(lines[1:], 2):
        if "\r" in line:
            raise MapError("line %d: an unescaped carriage return" % lineno)
        fields = line.split("\t")
        kind = fields[0]
        if kind == "image":
            if len(fields) != 2:
                raise MapError("line %d: `image` takes 1 field, not %d" % (lineno, len(fields) - 1))
            if image is not None:
                raise MapError("line %d: a second `image` line" % lineno)
            if not _HEX16.match(fields[1]):
                raise MapError("line %d: the image id is not 16 lower-case hex digits" % lineno)
            image = fields[1]
        elif kind == "root":
            if len(fields) != 5:
                raise MapError("line %d: `root` takes 4 fields, not %d" % (lineno, len(fields) - 1))
            if image is None:
                raise MapError("line %d: `root` before the `image` line" % lineno)
            vroot, token, anchor = fields[1], unescape(fields[2]), unescape(fields[3])
            rdir = unescape(fields[4])
            if not rdir.startswith("/") or "\0" in rdir or len(rdir) > PATH_MAX:
                raise MapError("line %d: the directory of %s is not an absolute path" % (lineno, vroot))
            if rdir != "/" and rdir.endswith("/"):
                raise MapError("line %d: the directory of %s ends in `/`" % (lineno, vroot))
            m = _VROOT.match(vroot)
            if not m:
                raise MapError("line %d: %r is not a virtual root /@<role>-<id16>-<k>" % (lineno, vroot))
            if m.group(2) != image:
                raise MapError("line %d: the root %s belongs to another image" % (lineno, vroot))
            if token != "@" + m.group(1):
                raise MapError("line %d: the token %r does not match the root %s" % (lineno, token, vroot))
            if vroot in roots:
                raise MapError("line %d: the root %s is declared twice" % (lineno, vroot))
            _check_rel(anchor, "anchor", lineno)
            if any(r.dir == rdir for r in roots.values()):
                raise MapError("line %d: the directory of %s is another root's" % (lineno, vroot))
            roots[vroot] = Root(vroot, m.group(1), int(m.group(3)), token, anchor, rdir)
        elif kind == "file":
            if len(fields) != 3:
                raise MapError("line %d: `file` takes 2 fields, not %d" % (lineno, len(fields) - 1))
            path, md5 = unescape(fields[1]), fields[2]
            slash = path.find("/", 1)
            vroot = path[:slash] if slash > 0 else path
            if vroot not in roots:
                raise MapError("line %d: the file %r is under no declared root" % (lineno, path))
            _check_rel(path[len(vroot) + 1:], "file name", lineno)
            if md5 != "-" and not _MD5.match(md5):
                raise MapError("line %d: the md5 is neither 32 hex digits nor -" % lineno)
            if path in seen_files:
                raise MapError("line %d: the file %s is listed twice" % (lineno, path))
            seen_files.add(path)
            files.append((vroot, path[len(vroot) + 1:], None if md5 == "-" else md5.lower()))
        elif kind == "":
            raise MapError("line %d: an empty line" % lineno)
        else:
            raise MapError("line %d: unknown record %r" % (lineno, kind[:40]))
    if image is None:
        raise MapError("the map has no `image` line")
    return DepotMap(image, roots, files)


def read_map(path):
    """The parsed map of the ELF file `path`; None when it has none."""
    data = read_elf_section(path)
    if data is None:
        return None
    return parse_map(data)


# --------------------------------------------------------------------------
# Depots


class Depot(object):
    """A depot: its four role roots, and how it was found."""

    def __init__(self, roots, layout, origin):
        self.roots = dict(roots)  # role -> absolute directory
        self.layout = layout  # "classic" / "xdg"
        self.origin = origin  # "containing" / "DEPOT_PATH[i]"

    @property
    def path(self):
        return self.roots["depot"]

    def root(self, role):
        return self.roots[role]

    def __repr__(self):
        return "Depot(%r, %s, %s)" % (self.path, self.layout, self.origin)


def classic_depot(d, origin=""):
    return Depot({"depot": d, "artifacts": os.path.join(d, "artifacts"),
                  "compiled": os.path.join(d, "compiled"),
                  "cache": os.path.join(d, "scratchspaces")}, "classic", origin)


def _xdg_home(env, var, default_rel):
    v = env.get(var, "")
    if v.startswith("/"):
        return os.path.normpath(v)
    home = _home(env)
    return os.path.join(home, default_rel) if home else None


def _home(env):
    h = env.get("HOME", "")
    return os.path.normpath(h) if h.startswith("/") else None


def xdg_depot(env, origin=""):
    data = _xdg_home(env, "XDG_DATA_HOME", ".local/share")
    cache = _xdg_home(env, "XDG_CACHE_HOME", ".cache")
    if data is None or cache is None:
        return None
    data, cache = os.path.join(data, "julia"), os.path.join(cache, "julia")
    return Depot({"depot": data, "artifacts": os.path.join(data, "artifacts"),
                  "compiled": os.path.join(cache, "compiled"),
                  "cache": os.path.join(cache, "scratchspaces")}, "xdg", origin)


def user_depot(env):
    """`~/.julia`, or the XDG split depot when JULIA_DEPOT_LAYOUT=xdg."""
    if env.get("JULIA_DEPOT_LAYOUT", "") == "xdg":
        return xdg_depot(env)
    home = _home(env)
    return classic_depot(os.path.join(home, ".julia")) if home else None


def bundled_depots(bindir):
    if not bindir:
        return []
    b = os.path.abspath(bindir)
    return [os.path.normpath(os.path.join(b, "..", "local", "share", "julia")),
            os.path.normpath(os.path.join(b, "..", "share", "julia"))]


def _expand(entry, env, cwd):
    if entry == "~" or entry.startswith("~/"):
        home = _home(env)
        if home is None:
            return None
        entry = home + entry[1:]
    return os.path.normpath(os.path.join(cwd, entry))


def depot_path(env, bindir=None, cwd=None, only_existing=True):
    """DEPOT_PATH as Julia builds it from JULIA_DEPOT_PATH (env), the user
    depot and the bundled depots of `bindir` (Sys.BINDIR; JULIA_BINDIR in
    env when not given).  With only_existing, depots whose directory does not
    exist are left out."""
    if bindir is None:
        bindir = env.get("JULIA_BINDIR") or None
    cwd = cwd or os.getcwd()
    user = user_depot(env)
    bundled = [classic_depot(b) for b in bundled_depots(bindir)]
    out = []

    def push(d):
        if d is not None and all(d.path != o.path for o in out):
            out.append(d)

    raw = env.get("JULIA_DEPOT_PATH")
    if raw is None:
        push(user)
        for b in bundled:
            push(b)
    elif raw != "":
        entries = raw.split(":")
        if entries[0] == "":
            push(user)
        for e in entries:
            if e == "":
                for b in bundled:
                    push(b)
            else:
                p = _expand(e, env, cwd)
                if p is not None:
                    push(classic_depot(p))
    if only_existing:
        out = [d for d in out if os.path.isdir(d.path)]
    for i, d in enumerate(out):
        d.origin = "DEPOT_PATH[%d]" % (i + 1)
    return out


def _components(p):
    return [c for c in p.split("/") if c]


def containing_depot(objpath, env):
    """The depot that holds the object file `objpath`, from its location
    alone: `<D>/compiled/vX.Y/<Name>/<file>` is classic depot D, except when
    `<D>/compiled` is `$XDG_CACHE_HOME/julia/compiled`: then it is the XDG
    split depot (data root `$XDG_DATA_HOME/julia`).  None when the file is in
    no `compiled/vX.Y` directory."""
    p = os.path.normpath(os.path.abspath(objpath))
    for cand in (p, os.path.realpath(p)):
        comps = _components(cand)
        # .../compiled/vX.Y/<Name>/<file>: the nearest such ancestor
        for i in range(len(comps) - 3, -1, -1):
            if comps[i] == "compiled" and _VERSIONDIR.match(comps[i + 1]):
                compiled = "/" + "/".join(comps[:i + 1])
                xdg = xdg_depot(env)
                if xdg is not None and _same_dir(compiled, xdg.root("compiled")):
                    xdg.origin = "containing"
                    return xdg
                return classic_depot(os.path.dirname(compiled), "containing")
    return None


def _same_dir(a, b):
    if a == b:
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


# --------------------------------------------------------------------------
# Resolution


class Resolution(object):
    """What a map resolves to.
    rules:    list of (vroot, real_root, depot) for roots found, map order
    missing:  list of vroots whose anchor exists in no depot
    differs:  list of real file paths whose MD5 differs from the map's
    absent:   list of real file paths (under found roots) that do not exist
    """

    def __init__(self, image):
        self.image = image
        self.rules, self.missing, self.differs, self.absent = [], [], [], []


def _md5_of(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size > MD5_MAX:
            return None
        while True:
            b = f.read(1 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)


def resolve(dmap, objpath, env=None, bindir=None, check_md5=True, depots=None):
    """Resolve every root of `dmap` for the object file at `objpath`: the
    containing depot if the root's anchor exists there, else the first depot
    of DEPOT_PATH (in order) where it does."""
    if env is None:
        env = os.environ
    containing = containing_depot(objpath, env) if objpath else None
    if depots is None:
        depots = depot_path(env, bindir)
    cands = ([containing] if containing is not None else []) + list(depots)
    res = Resolution(dmap.image)
    found = {}
    for vroot, root in dmap.roots.items():
        for d in cands:
            real = d.root(root.role)
            if os.path.exists(os.path.join(real, root.anchor)):
                # Spell the containing depot the way DEPOT_PATH does when
                # it is the same directory (a symlinked entry, say).
                if d is containing:
                    for o in depots:
                        if o.root(root.role) != real and _same_dir(o.root(root.role), real):
                            real = o.root(root.role)
                            break
                found[vroot] = real
                res.rules.append((vroot, real, d))
                break
        else:
            res.missing.append(vroot)
    if check_md5:
        for vroot, rest, md5 in dmap.files:
            real = found.get(vroot)
            if real is None:
                continue
            path = os.path.join(real, rest)
            if md5 is None:  # `-`: unknown, nothing to compare
                if not os.path.exists(path):
                    res.absent.append(path)
                continue
            try:
                got = _md5_of(path)
            except OSError:
                res.absent.append(path)
                continue
            if got is not None and got != md5:
                res.differs.append(path)
    return res


def load(objpath, env=None, bindir=None, check_md5=True, depots=None):
    """(map, resolution) for the ELF file `objpath`; (None, None) when the
    file carries no map.  MapError when it carries a bad one."""
    dmap = read_map(objpath)
    if dmap is None:
        return None, None
    return dmap, resolve(dmap, objpath, env, bindir, check_md5, depots)


# --------------------------------------------------------------------------
# LLDB entry point
