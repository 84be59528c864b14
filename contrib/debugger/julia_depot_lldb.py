# This file is a part of Julia. License is MIT: https://julialang.org/license
"""
julia_depot_lldb.py: LLDB finds the sources of relocated Julia pkgimages.

Enable with one line in ~/.lldbinit:

    command script import <julia>/share/julia/contrib/julia_depot_lldb.py

LLDB needs nothing to find the sources of an image whose depot did not move:
its debug info names them by their absolute paths.  For every module that
carries a `.jl_depot_map` section (a pkgimage), this finds the depot that
holds the file, resolves each root of the image's map to a directory on
this machine and, where that is not the directory the image was built in,
appends the pair with `settings append target.source-map`.  The source map
is per target: two images built in one directory but now in two depots get
the pair of the first (the second gets a warning).  A source file whose MD5
differs from the one recorded at build time gets one warning.

When it runs, and how (lldb-19 has no synchronous "module loaded" callback
for Python):
  - a scripted stop-hook (`target stop-hook add -P`) on the target: every
    stop first maps the modules loaded since the last one, before the stop
    is shown.  The loader turns on target.process.stop-on-sharedlibrary-events
    so that the hook also runs (and the process silently continues) at every
    library load: the frames of the next real stop are then built with the
    rules in place (LLDB maps a frame's file when it builds the frame).  It is added to the selected target on import, and to targets
    created later (the usual ~/.lldbinit case) by a listener on the target
    event class, at the first module-load event of each target.  Mapping
    itself only ever runs on LLDB's own thread (stop-hook or command): a
    `settings append` from the listener's thread would not reach the
    target's own settings;
  - the command `julia-depot-map` maps the modules loaded now and lists what
    was installed;
  - the command `julia-list FILE[:LINE] [COUNT]` lists a source file of the
    loaded images by name (`source list -f` searches only the primary file
    of each compile unit, and Julia names every compile unit `julia`).

The map is data: nothing inside a depot is ever executed.
"""

import os
import sys
import threading

import lldb

_here = os.path.dirname(os.path.abspath(__file__)) if "__file__" in globals() else None
if _here and _here not in sys.path:
    sys.path.insert(0, _here)
sys.dont_write_bytecode = True  # nothing is written next to the scripts
import julia_depot_map as jdm  # noqa: E402

_lock = threading.RLock()
# (target key, module path) -> record or None (no map)
_seen = {}
# target key -> {build directory: real root}
_installed = {}
# real file paths already warned about
_warned = set()
# targets (keys) that have our stop-hook
_hooked = set()
_listener = None


def _key(target):
    # A target's executable plus its index in its debugger is stable for
    # the target's life.
    dbg = target.GetDebugger()
    return (dbg.GetID(), dbg.GetIndexOfTarget(target), str(target.GetExecutable()))


def _quote(s):
    """Quote an argument of an LLDB command (double quotes; `\\`, `"`,
    `` ` `` and `$` escaped)."""
    out = ['"']
    for c in s:
        if c in '\\"`$':
            out.append("\\")
        out.append(c)
    out.append('"')
    return "".join(out)


def _process_env(target):
    proc = target.GetProcess()
    if proc.IsValid() and proc.GetProcessID() not in (0, lldb.LLDB_INVALID_PROCESS_ID):
        try:
            with open("/proc/%d/environ" % proc.GetProcessID(), "rb") as f:
                raw = f.read()
            env = {}
            for item in raw.split(b"\0"):
                k, sep, v = item.partition(b"=")
                if sep:
                    env[os.fsdecode(k)] = os.fsdecode(v)
            if env:
                return env
        except OSError:
            pass
    env = dict(os.environ)
    try:
        launch = target.GetLaunchInfo().GetEnvironment()
        for i in range(launch.GetNumValues()):
            env[launch.GetNameAtIndex(i)] = launch.GetValueAtIndex(i)
    except AttributeError:
        pass
    return env


def _guess_bindir(target, env):
    if env.get("JULIA_BINDIR"):
        return env["JULIA_BINDIR"]
    for i in range(target.GetNumModules()):
        name = target.GetModuleAtIndex(i).GetFileSpec().fullpath or ""
        if os.path.basename(name).startswith("libjulia"):
            d = os.path.dirname(name)
            if os.path.basename(d) == "julia":
                d = os.path.dirname(d)
            return os.path.join(os.path.dirname(d), "bin")
    return None


def _out(stream, msg):
    if stream is not None:
        stream.Print(msg + "\n")
    else:
        sys.stderr.write(msg + "\n")
        sys.stderr.flush()


def _current_map(debugger, target):
    """The source-map pairs of `target` (build directory -> real)."""
    pairs = {}
    try:
        data = debugger.GetSetting("target.source-map")
        for i in range(data.GetSize()):
            item = data.GetItemAtIndex(i)
            pairs[item.GetItemAtIndex(0).GetStringValue(65536)] = \
                item.GetItemAtIndex(1).GetStringValue(65536)
    except AttributeError:
        pass
    return pairs


def _handle_module(debugger, target, module, stream):
    path = module.GetFileSpec().fullpath
    if not path or not os.path.isfile(path):
        return
    tk = _key(target)
    with _lock:
        if (tk, path) in _seen:
            return
        _seen[(tk, path)] = None
    try:
        dmap = jdm.read_map(path)
    except jdm.MapError as e:
        _out(stream, "warning: julia-depot-map: ignoring the depot map of %s because %s" % (path, e))
        return
    if dmap is None:
        return
    env = _process_env(target)
    res = jdm.resolve(dmap, path, env, _guess_bindir(target, env))
    installed = []
    with _lock:
        have = _installed.setdefault(tk, {})
        if debugger.GetSelectedTarget() != target:
            debugger.SetSelectedTarget(target)
        current = _current_map(debugger, target)
        for vroot, real, depot in res.rules:
            src = dmap.roots[vroot].dir
            old = have.get(src) or current.get(src)
            if old == real or (old is None and src == real):  # (not moved)
                installed.append((vroot, real, depot.origin))
                have[src] = real
                continue
            if old is not None:
                _out(stream, "warning: julia-depot-map: %s is already mapped to %s; not mapping it to %s"
                     % (src, old, real))
                continue
            ret = lldb.SBCommandReturnObject()
            debugger.GetCommandInterpreter().HandleCommand(
                "settings append target.source-map %s %s" % (_quote(src), _quote(real)), ret)
            if not ret.Succeeded():
                _out(stream, "warning: julia-depot-map: %s" % (ret.GetError() or "").strip())
                continue
            have[src] = real
            installed.append((vroot, real, depot.origin))
        _seen[(tk, path)] = (dmap, res, installed)
        for vroot in res.missing:
            root = dmap.roots[vroot]
            _out(stream, "warning: julia-depot-map: %s: no depot holds %s (%s, %s); "
                 "its sources will not be found" % (path, root.dir, root.token, root.anchor))
        for p in res.differs:
            if p not in _warned:
                _warned.add(p)
                _out(stream, "warning: %s differs from the source this image was compiled from" % p)


def _scan(debugger, target, stream=None):
    if not target or not target.IsValid():
        return
    for i in range(target.GetNumModules()):
        try:
            _handle_module(debugger, target, target.GetModuleAtIndex(i), stream)
        except Exception as e:  # never break the debugger
            _out(stream, "warning: julia-depot-map: %s" % e)


class StopHook(object):
    """Scripted stop-hook: map new modules before the stop is shown.  The
    loader also turns on target.process.stop-on-sharedlibrary-events, so
    this runs at every library load too; those stops it continues
    silently (unless the user had turned that setting on)."""

    def __init__(self, target, extra_args, internal_dict):
        self.target = target

    def handle_stop(self, exe_ctx, stream):
        target = exe_ctx.GetTarget()
        _scan(target.GetDebugger(), target, stream)
        return not (_key(target) in _shlib_stops and _is_shlib_event(target, exe_ctx.GetThread()))


# targets on which the loader turned on stop-on-sharedlibrary-events
_shlib_stops = set()


def _is_shlib_event(target, thread):
    """A stop at the dynamic loader's internal breakpoint (no user
    breakpoint among the stop's breakpoints)."""
    if not thread.IsValid() or thread.GetStopReason() != lldb.eStopReasonBreakpoint:
        return False
    n = thread.GetStopReasonDataCount()
    for i in range(0, n, 2):
        bid = thread.GetStopReasonDataAtIndex(i)
        if bid < (1 << 31) and target.FindBreakpointByID(int(bid)).IsValid():
            return False
    return n > 0


def _run(debugger, command):
    ret = lldb.SBCommandReturnObject()
    debugger.GetCommandInterpreter().HandleCommand(command, ret)
    return ret


def _add_stop_hook(debugger, target):
    if not target or not target.IsValid():
        return
    tk = _key(target)
    with _lock:
        if tk in _hooked:
            return
        _hooked.add(tk)
    if debugger.GetSelectedTarget() != target:
        debugger.SetSelectedTarget(target)
    _run(debugger, "target stop-hook add -P %s.StopHook" % __name__)
    # Stop (and map) at every library load, so that the frames of the next
    # real stop are built after the rules exist.
    setting = "target.process.stop-on-sharedlibrary-events"
    if _run(debugger, "settings show " + setting).GetOutput().strip().endswith("= false"):
        if _run(debugger, "settings set %s true" % setting).Succeeded():
            _shlib_stops.add(tk)


def _listen(debugger, listener):
    event = lldb.SBEvent()
    while True:
        if not listener.WaitForEvent(1, event):
            continue
        if not lldb.SBTarget.EventIsTargetEvent(event):
            continue
        target = lldb.SBTarget.GetTargetFromEvent(event)
        try:
            _add_stop_hook(debugger, target)
        except Exception as e:
            _out(None, "warning: julia-depot-map: %s" % e)


def julia_depot_map(debugger, command, exe_ctx, result, internal_dict):
    """julia-depot-map: map the Julia images loaded now and list the
    directories they were built in and the real directories those are now."""
    target = exe_ctx.GetTarget() if exe_ctx.GetTarget().IsValid() else debugger.GetSelectedTarget()
    if not target.IsValid():
        result.AppendMessage("No target.")
        return
    _add_stop_hook(debugger, target)
    _scan(debugger, target, None)
    tk = _key(target)
    recs = [(p, r) for (k, p), r in sorted(_seen.items()) if k == tk and r is not None]
    if not recs:
        result.AppendMessage("No Julia image with a depot map is loaded.")
        return
    lines = []
    for path, (dmap, res, installed) in recs:
        lines.append("%s (image %s, %d files)" % (path, dmap.image, len(dmap.files)))
        for vroot, real, origin in installed:
            lines.append("  %s -> %s (%s, %s)"
                         % (dmap.roots[vroot].dir, real, dmap.roots[vroot].token, origin))
        for vroot in res.missing:
            lines.append("  %s -> not found (%s)" % (dmap.roots[vroot].dir, dmap.roots[vroot].token))
        for p in res.differs:
            lines.append("  differs: %s" % p)
        for p in res.absent:
            lines.append("  missing: %s" % p)
    result.AppendMessage("\n".join(lines))


def __lldb_init_module(debugger, internal_dict):
    global _listener
    debugger.HandleCommand("command script add -o -f %s.julia_depot_map julia-depot-map" % __name__)
    debugger.HandleCommand("command script add -o -f %s.julia_list julia-list" % __name__)
    target = debugger.GetSelectedTarget()
    if target.IsValid():
        _add_stop_hook(debugger, target)
        _scan(debugger, target, None)
    if _listener is None:
        _listener = lldb.SBListener("julia-depot-map")
        _listener.StartListeningForEventClass(
            debugger, lldb.SBTarget.GetBroadcasterClassName(),
            lldb.SBTarget.eBroadcastBitModulesLoaded)
        t = threading.Thread(target=_listen, args=(debugger, _listener), name="julia-depot-map")
        t.daemon = True
        t.start()


def _support_files(target):
    """Every source file named by the line tables of the target's modules,
    as LLDB reads it (before target.source-map)."""
    seen = set()
    for module in target.module_iter():
        for i in range(module.GetNumCompileUnits()):
            cu = module.GetCompileUnitAtIndex(i)
            for j in range(cu.GetNumSupportFiles()):
                f = cu.GetSupportFileAtIndex(j).fullpath
                if f and f not in seen:
                    seen.add(f)
                    yield f


def _remap(path, rules):
    for src, real in rules.items():
        if path == src or path.startswith(src + "/"):
            return real + path[len(src):]
    return path


def julia_list(debugger, command, exe_ctx, result, internal_dict):
    """julia-list FILE[:LINE] [COUNT]: list COUNT (default 10) lines of a
    source file of the loaded Julia images, from LINE (default 1).  FILE is
    a name (`impl.jl`) or the end of a path (`src/impl.jl`) on a component
    boundary.  `source list -f` cannot find these files: it searches only the
    primary file of each compile unit, and Julia names every compile unit
    `julia`."""
    args = command.split()
    if not args or len(args) > 2 or (len(args) == 2 and not args[1].isdigit()):
        result.SetError("usage: julia-list FILE[:LINE] [COUNT]")
        return
    name, line = args[0], 1
    head, sep, tail = name.rpartition(":")
    if sep and tail.isdigit():
        name, line = head, max(int(tail), 1)
    count = int(args[1]) if len(args) == 2 else 10
    target = exe_ctx.GetTarget() if exe_ctx.GetTarget().IsValid() else debugger.GetSelectedTarget()
    if not target.IsValid():
        result.SetError("no target")
        return
    _scan(debugger, target, None)
    rules = dict(_current_map(debugger, target))
    rules.update(_installed.get(_key(target), {}))
    found = set()
    for f in _support_files(target):
        if f == name or f.endswith("/" + name.lstrip("/")):
            found.add(_remap(f, rules))
    if not found:
        result.SetError('no loaded image has a source file named "%s"' % name)
        return
    if len(found) > 1:
        result.SetError('several source files match "%s"; give more of the path:\n  %s'
                        % (name, "\n  ".join(sorted(found))))
        return
    path = found.pop()
    if not os.path.isfile(path):
        result.SetError("%s does not exist on this machine; run julia-depot-map to see "
                        "where the image's depots were found" % path)
        return
    stream = lldb.SBStream()
    target.GetSourceManager().DisplaySourceLinesWithLineNumbers(
        lldb.SBFileSpec(path, False), line, 0, max(count - 1, 0), "", stream)
    result.AppendMessage("%s\n%s" % (path, stream.GetData() or ""))
