# This file is a part of Julia. License is MIT: https://julialang.org/license
"""
julia-depot-gdb.py: GDB finds the sources of relocated Julia pkgimages.

Enable with one line in ~/.gdbinit:

    source <julia>/share/julia/contrib/julia-depot-gdb.py

GDB needs nothing to find the sources of an image whose depot did not move:
its debug info names them by their absolute paths.  For every object file
GDB loads that carries a `.jl_depot_map` section (a pkgimage), this finds
the depot that holds the file, resolves each root of the image's map to a
directory on this machine and, where that is not the directory the image
was built in, maps one to the other with `set substitute-path`.  GDB's
rules are global: two images built in one directory but now in two depots
get the rule of the first (the second gets a warning).  A source file whose
MD5 differs from the one recorded at build time gets one warning.
`info julia-depot-map` lists what was done.

The map is data: nothing inside a depot is ever executed.

Settings:
  set julia-depot-map-absolute-filenames on|off
      (default on) switch GDB's `filename-display` from its default
      `relative` to `absolute` when the first rule is installed, so frames
      print the file GDB found rather than the name in the debug info.
"""

import os
import sys

import gdb

_here = os.path.dirname(os.path.abspath(__file__)) if "__file__" in globals() else None
if _here and _here not in sys.path:
    sys.path.insert(0, _here)
sys.dont_write_bytecode = True  # nothing is written next to the scripts
import julia_depot_map as jdm  # noqa: E402

# build directory -> real root, for every rule this loader installed
_installed = {}
# objfile file name -> record (for `info julia-depot-map`)
_records = {}
# real file paths already warned about
_warned = set()


class _AbsoluteFilenames(gdb.Parameter):
    """Whether the loader switches filename-display to absolute."""

    set_doc = "Set whether julia-depot-map shows real (absolute) file names in frames."
    show_doc = "Show whether julia-depot-map shows real (absolute) file names in frames."

    def __init__(self):
        super(_AbsoluteFilenames, self).__init__(
            "julia-depot-map-absolute-filenames", gdb.COMMAND_FILES, gdb.PARAM_BOOLEAN)
        self.value = True

    def get_set_string(self):
        return ""

    def get_show_string(self, svalue):
        return "Showing real file names of Julia images in frames is %s." % svalue


_absolute = _AbsoluteFilenames()


def _quote(s):
    """Quote an argument of `set substitute-path` (gdb_buildargv rules)."""
    out = []
    for c in s:
        if c in " \t\\\"'":
            out.append("\\")
        out.append(c)
    return "".join(out)


def _warn(msg):
    gdb.write("warning: %s\n" % msg, gdb.STDERR)


def _inferior_env():
    """The environment of the program being debugged: the live process's
    initial environment when there is one, else the one GDB will start it
    with (`show environment`)."""
    try:
        inf = gdb.selected_inferior()
        if inf is not None and inf.pid > 0:
            with open("/proc/%d/environ" % inf.pid, "rb") as f:
                raw = f.read()
            env = {}
            for item in raw.split(b"\0"):
                k, sep, v = item.partition(b"=")
                if sep:
                    env[os.fsdecode(k)] = os.fsdecode(v)
            if env:
                return env
    except (OSError, gdb.error):
        pass
    try:
        text = gdb.execute("show environment", to_string=True)
        env = {}
        for line in text.splitlines():
            k, sep, v = line.partition("=")
            if sep and k and " " not in k:
                env[k] = v
        if env:
            return env
    except gdb.error:
        pass
    return dict(os.environ)


def _guess_bindir(env):
    """Sys.BINDIR of the Julia in the process: JULIA_BINDIR, else derived
    from a loaded libjulia (`<prefix>/lib[/julia]/libjulia*.so*`)."""
    if env.get("JULIA_BINDIR"):
        return env["JULIA_BINDIR"]
    for o in gdb.objfiles():
        name = o.filename or ""
        if os.path.basename(name).startswith("libjulia"):
            d = os.path.dirname(name)
            if os.path.basename(d) == "julia":
                d = os.path.dirname(d)
            return os.path.join(os.path.dirname(d), "bin")
    return None


def _objfile_name(objfile):
    name = getattr(objfile, "username", None) or objfile.filename
    return name


def _handle(objfile):
    if not objfile.is_valid() or getattr(objfile, "owner", None) is not None:
        return
    name = _objfile_name(objfile)
    if not name or name in _records or not os.path.isfile(name):
        return
    try:
        dmap = jdm.read_map(name)
        if dmap is None and objfile.filename != name:
            dmap = jdm.read_map(objfile.filename)
    except jdm.MapError as e:
        _warn("julia-depot-map: ignoring the depot map of %s because %s" % (name, e))
        return
    if dmap is None:
        return
    env = _inferior_env()
    res = jdm.resolve(dmap, name, env, _guess_bindir(env))
    installed = []
    for vroot, real, depot in res.rules:
        src = dmap.roots[vroot].dir
        have = _installed.get(src)
        if have == real or (have is None and src == real):  # (not moved)
            installed.append((vroot, real, depot.origin))
            continue
        if have is not None:
            _warn("julia-depot-map: %s is already mapped to %s; not mapping it to %s"
                  % (src, have, real))
            continue
        if any(c in real or c in src for c in "\n\r"):
            _warn("julia-depot-map: %s: a line end in %r cannot be given to GDB" % (name, real))
            continue
        gdb.execute("set substitute-path %s %s" % (_quote(src), _quote(real)), to_string=True)
        _installed[src] = real
        installed.append((vroot, real, depot.origin))
    if installed and _absolute.value and gdb.parameter("filename-display") == "relative":
        gdb.execute("set filename-display absolute", to_string=True)
    for vroot in res.missing:
        root = dmap.roots[vroot]
        _warn("julia-depot-map: %s: no depot holds %s (%s, %s); its sources will not be found"
              % (name, root.dir, root.token, root.anchor))
    for path in res.differs:
        if path not in _warned:
            _warned.add(path)
            _warn("%s differs from the source this image was compiled from" % path)
    _records[name] = (dmap, res, installed)


def _on_new_objfile(event):
    try:
        _handle(event.new_objfile)
    except Exception as e:  # never break the debugger
        _warn("julia-depot-map: %s" % e)


def _on_free_objfile(event):
    name = _objfile_name(event.objfile)
    rec = _records.pop(name, None)
    if rec is None:
        return
    for vroot, real, _ in rec[2]:
        src = rec[0].roots[vroot].dir
        if _installed.get(src) == real and not any(
                src == r[0].roots[v].dir for r in _records.values() for v, _, _ in r[2]):
            try:
                gdb.execute("unset substitute-path %s" % _quote(src), to_string=True)
            except gdb.error:
                pass
            del _installed[src]


class _InfoJuliaDepotMap(gdb.Command):
    """List the Julia images seen, the directories they were built in and
    the real directories those are now (`set substitute-path` rules)."""

    def __init__(self):
        super(_InfoJuliaDepotMap, self).__init__("info julia-depot-map", gdb.COMMAND_FILES)

    def invoke(self, arg, from_tty):
        if not _records:
            gdb.write("No Julia image with a depot map is loaded.\n")
            return
        for name, (dmap, res, installed) in sorted(_records.items()):
            gdb.write("%s (image %s, %d files)\n" % (name, dmap.image, len(dmap.files)))
            for vroot, real, origin in installed:
                gdb.write("  %s -> %s (%s, %s)\n"
                          % (dmap.roots[vroot].dir, real, dmap.roots[vroot].token, origin))
            for vroot in res.missing:
                gdb.write("  %s -> not found (%s)\n"
                          % (dmap.roots[vroot].dir, dmap.roots[vroot].token))
            for path in res.differs:
                gdb.write("  differs: %s\n" % path)
            for path in res.absent:
                gdb.write("  missing: %s\n" % path)


_InfoJuliaDepotMap()
gdb.events.new_objfile.connect(_on_new_objfile)
if hasattr(gdb.events, "free_objfile"):
    gdb.events.free_objfile.connect(_on_free_objfile)
for _o in gdb.objfiles():
    _on_new_objfile(type("Event", (), {"new_objfile": _o})())
