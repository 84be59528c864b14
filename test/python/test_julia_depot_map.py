# This file is a part of the jldepot project. License is MIT.
#
# test_julia_depot_map.py: unit tests of contrib/debugger/julia_depot_map.py
# (the map parser, the ELF section reader, the containing depot, DEPOT_PATH
# and root resolution).  Run by test/scenario/debug-mapfile.sh.

import hashlib
import os
import shutil
import struct
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "contrib", "debugger"))
sys.dont_write_bytecode = True  # nothing is written next to the scripts
import julia_depot_map as jdm  # noqa: E402

ID = "0123456789abcdef"
VR = "/@depot-%s-1" % ID
MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def good_lines():
    return ["julia-depot-map\t2", "image\t" + ID,
            "root\t%s\t@depot\tpackages/Foo/abc/src/Foo.jl\t/build/d%%09one" % VR,
            "root\t/@artifacts-%s-2\t@artifacts\tdeadbeef/lib/x.so\t/build/two/artifacts" % ID,
            "file\t%s/packages/Foo/abc/src/Foo.jl\t%s" % (VR, MD5.upper()),
            "file\t%s/packages/Foo/abc/src/a%%09b%%25c%%0Ad.jl\t%s" % (VR, MD5)]


def text(lines):
    return ("\n".join(lines) + "\n").encode()


def elf64(sections, big=False):
    # A minimal ELF64 file: header, section contents, a name table, headers.
    e = ">" if big else "<"
    names = b"\0" + b"".join(n.encode() + b"\0" for n, _ in sections) + b".shstrtab\0"
    body = b""
    offs = []
    for _, data in sections:
        offs.append(64 + len(body))
        body += data
    stroff = 64 + len(body)
    body += names
    shoff = 64 + len(body)
    n = len(sections) + 2
    ident = b"\x7fELF" + bytes([2, 2 if big else 1, 1]) + b"\0" * 9
    hdr = ident + struct.pack(e + "HHIQQQIHHHHHH", 3, 62, 1, 0, 0, shoff, 0, 64, 0, 0, 64, n, n - 1)
    sh = struct.pack(e + "IIQQQQIIQQ", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    pos = 1
    for (name, data), off in zip(sections, offs):
        sh += struct.pack(e + "IIQQQQIIQQ", pos, 1, 2, 0, off, len(data), 0, 0, 1, 0)
        pos += len(name) + 1
    sh += struct.pack(e + "IIQQQQIIQQ", pos, 3, 0, 0, stroff, len(names), 0, 0, 1, 0)
    return hdr + body + sh


def elf32(sections):
    names = b"\0" + b"".join(n.encode() + b"\0" for n, _ in sections) + b".shstrtab\0"
    body = b""
    offs = []
    for _, data in sections:
        offs.append(52 + len(body))
        body += data
    stroff = 52 + len(body)
    body += names
    shoff = 52 + len(body)
    n = len(sections) + 2
    ident = b"\x7fELF" + bytes([1, 1, 1]) + b"\0" * 9
    hdr = ident + struct.pack("<HHIIIIIHHHHHH", 3, 3, 1, 0, 0, shoff, 0, 52, 0, 0, 40, n, n - 1)
    sh = struct.pack("<IIIIIIIIII", *([0] * 10))
    pos = 1
    for (name, data), off in zip(sections, offs):
        sh += struct.pack("<IIIIIIIIII", pos, 1, 2, 0, off, len(data), 0, 0, 1, 0)
        pos += len(name) + 1
    sh += struct.pack("<IIIIIIIIII", pos, 3, 0, 0, stroff, len(names), 0, 0, 1, 0)
    return hdr + body + sh


class TmpDir(unittest.TestCase):
    def setUp(self):
        self.dir = os.path.realpath(tempfile.mkdtemp(prefix="jdm-"))

    def tearDown(self):
        shutil.rmtree(self.dir)

    def write(self, rel, data=b""):
        p = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        return p


class TestParse(unittest.TestCase):
    def test_good_map(self):
        m = jdm.parse_map(text(good_lines()))
        self.assertEqual(m.image, ID)
        self.assertEqual(list(m.roots), [VR, "/@artifacts-%s-2" % ID])
        r = m.roots[VR]
        self.assertEqual((r.role, r.k, r.token, r.anchor), ("depot", 1, "@depot", "packages/Foo/abc/src/Foo.jl"))
        self.assertEqual(m.roots["/@artifacts-%s-2" % ID].k, 2)
        # the directory the build spelled the root with, unescaped
        self.assertEqual(r.dir, "/build/d\tone")
        self.assertEqual(m.roots["/@artifacts-%s-2" % ID].dir, "/build/two/artifacts")
        self.assertEqual(m.files[0], (VR, "packages/Foo/abc/src/Foo.jl", MD5))

    def test_escapes_in_file_names(self):
        m = jdm.parse_map(text(good_lines()))
        self.assertEqual(m.files[1][1], "packages/Foo/abc/src/a\tb%c\nd.jl")

    def test_escape_round_trip(self):
        for s in ["plain", "a%b", "%25", "t\tn\nr\r%", "%%09", ""]:
            self.assertEqual(jdm.unescape(jdm.escape(s)), s)
        self.assertEqual(jdm.escape("a%\t\n\r"), "a%25%09%0A%0D")
        self.assertEqual(jdm.unescape("%0a%0d"), "\n\r")

    def test_bad_escapes(self):
        for s in ["%41", "%2", "%", "x%zz", "%2F"]:
            with self.assertRaises(jdm.MapError):
                jdm.unescape(s)

    def test_trailing_nul_padding_is_accepted(self):
        m = jdm.parse_map(text(good_lines()) + b"\0\0\0")
        self.assertEqual(len(m.files), 2)

    def test_str_input(self):
        self.assertEqual(jdm.parse_map(text(good_lines()).decode()).image, ID)

    def test_root_line_order_and_roles(self):
        lines = good_lines()[:2] + ["root\t/@%s-%s-%d\t@%s\tx/y\t/b/%s" % (r, ID, k, r, r)
                                    for k, r in enumerate(jdm.ROLES, 1)]
        m = jdm.parse_map(text(lines))
        self.assertEqual([r.role for r in m.roots.values()], list(jdm.ROLES))


def malformed():
    g = good_lines()
    root = g[2]
    file = g[4]
    cases = {
        "empty": b"",
        "only NULs": b"\0\0",
        "no final line end": text(g)[:-1],
        "wrong magic": text(["julia-depot-mop\t1"] + g[1:]),
        "unknown version": text(["julia-depot-map\t3"] + g[1:]),
        "version 1 (virtual roots in the debug info)": text(["julia-depot-map\t1"] + g[1:]),
        "malformed version": text(["julia-depot-map\tone"] + g[1:]),
        "version missing": text(["julia-depot-map"] + g[1:]),
        "extra header field": text(["julia-depot-map\t2\tx"] + g[1:]),
        "no image": text([g[0]]),
        "image twice": text(g[:2] + [g[1]] + g[2:]),
        "image not hex": text([g[0], "image\t0123456789ABCDEF"] + g[2:]),
        "image short": text([g[0], "image\t0123"] + g[2:]),
        "image extra field": text([g[0], g[1] + "\tx"] + g[2:]),
        "root before image": text([g[0], root, g[1]]),
        "root field count": text(g[:2] + [root + "\textra"]),
        "root short": text(g[:2] + ["root\t" + VR + "\t@depot\tx"]),
        "root not virtual": text(g[:2] + ["root\t/home/u/.julia\t@depot\tx\t/b"]),
        "root unknown role": text(g[:2] + ["root\t/@scratch-%s-1\t@scratch\tx\t/b" % ID]),
        "root k zero": text(g[:2] + ["root\t/@depot-%s-0\t@depot\tx\t/b" % ID]),
        "root other image": text(g[:2] + ["root\t/@depot-fedcba9876543210-1\t@depot\tx\t/b"]),
        "token mismatch": text(g[:2] + ["root\t%s\t@artifacts\tx\t/b" % VR]),
        "root twice": text(g[:3] + [root]),
        "anchor absolute": text(g[:2] + ["root\t%s\t@depot\t/etc/passwd\t/b" % VR]),
        "anchor dotdot": text(g[:2] + ["root\t%s\t@depot\tpackages/../../x\t/b" % VR]),
        "anchor empty": text(g[:2] + ["root\t%s\t@depot\t\t/b" % VR]),
        "directory relative": text(g[:2] + ["root\t%s\t@depot\tx\tbuild/d" % VR]),
        "directory empty": text(g[:2] + ["root\t%s\t@depot\tx\t" % VR]),
        "directory ends in /": text(g[:2] + ["root\t%s\t@depot\tx\t/build/d/" % VR]),
        "directory of two roots": text(g[:3] + ["root\t/@depot-%s-2\t@depot\tx\t/build/d%%09one" % ID]),
        "file under no root": text(g[:3] + ["file\t/@depot-%s-9/x.jl\t%s" % (ID, MD5)]),
        "file not under root": text(g[:3] + ["file\t/elsewhere/x.jl\t%s" % MD5]),
        "file is the root": text(g[:3] + ["file\t%s\t%s" % (VR, MD5)]),
        "file dotdot": text(g[:3] + ["file\t%s/packages/../../../etc/passwd\t%s" % (VR, MD5)]),
        "file escaped dotdot": text(g[:3] + ["file\t%s/a/..\t%s" % (VR, MD5)]),
        "file root prefix trap": text(g[:3] + ["file\t%s0/x.jl\t%s" % (VR, MD5)]),
        "md5 short": text(g[:3] + [file[:-1]]),
        "md5 not hex": text(g[:3] + [file[:-1] + "g"]),
        "md5 missing": text(g[:3] + ["file\t%s/x.jl" % VR]),
        "file twice": text(g[:5] + [file]),
        "unknown record": text(g + ["exec\t/bin/sh"]),
        "empty line": text(g[:2] + [""] + g[2:]),
        "NUL inside": text(g).replace(b"Foo.jl\t", b"Foo\0.jl\t", 1),
        "escaped NUL is no escape": text(g[:3] + ["file\t%s/a%%00b\t%s" % (VR, MD5)]),
        "invalid UTF-8": text(g).replace(b"abc", b"a\xffc", 1),
        "bad escape": text(g[:3] + ["file\t%s/a%%41b\t%s" % (VR, MD5)]),
        "carriage return": text(g[:3] + [file + "\r"]),
        "over-long name": text(g[:3] + ["file\t%s/%s\t%s" % (VR, "a" * 40000, MD5)]),
    }
    return cases


class TestMalformed(unittest.TestCase):
    pass


def _make_malformed_test(data):
    def t(self):
        with self.assertRaises(jdm.MapError) as cm:
            jdm.parse_map(data)
        self.assertTrue(str(cm.exception))
    return t


for _name, _data in malformed().items():
    setattr(TestMalformed, "test_" + _name.replace(" ", "_").replace("-", "_"),
            _make_malformed_test(_data))


class TestElf(TmpDir):
    def test_elf64_le(self):
        p = self.write("a.so", elf64([(".text", b"\x90" * 7), (".jl_depot_map", text(good_lines()))]))
        self.assertEqual(jdm.read_elf_section(p), text(good_lines()))
        self.assertEqual(jdm.read_map(p).image, ID)

    def test_elf64_be(self):
        p = self.write("a.so", elf64([(".jl_depot_map", b"abc")], big=True))
        self.assertEqual(jdm.read_elf_section(p), b"abc")

    def test_elf32(self):
        p = self.write("a.so", elf32([(".data", b"xx"), (".jl_depot_map", b"hello")]))
        self.assertEqual(jdm.read_elf_section(p), b"hello")

    def test_no_section(self):
        p = self.write("a.so", elf64([(".jl_depot_map_x", b"abc"), (".jl_depot", b"d")]))
        self.assertIsNone(jdm.read_elf_section(p))
        self.assertIsNone(jdm.read_map(p))

    def test_not_elf(self):
        p = self.write("a.so", b"#!/bin/sh\necho hi\n")
        with self.assertRaises(jdm.MapError):
            jdm.read_elf_section(p)

    def test_missing_file(self):
        with self.assertRaises(jdm.MapError):
            jdm.read_elf_section(os.path.join(self.dir, "nope.so"))

    def test_every_truncation(self):
        # Every prefix of a valid file is either rejected or yields a
        # section that is a prefix of the real one; never another error.
        good = elf64([(".jl_depot_map", b"0123456789")])
        for n in range(len(good)):
            p = self.write("t.so", good[:n])
            try:
                r = jdm.read_elf_section(p)
            except jdm.MapError:
                continue
            self.assertIn(r, (None, b"0123456789"))

    def test_section_out_of_bounds(self):
        good = bytearray(elf64([(".jl_depot_map", b"0123456789")]))
        shoff = struct.unpack("<Q", good[40:48])[0]
        struct.pack_into("<Q", good, shoff + 64 + 32, 1 << 40)  # sh_size
        p = self.write("b.so", bytes(good))
        with self.assertRaises(jdm.MapError):
            jdm.read_elf_section(p)

    def test_bad_shstrndx(self):
        good = bytearray(elf64([(".jl_depot_map", b"x")]))
        struct.pack_into("<H", good, 62, 500)
        p = self.write("c.so", bytes(good))
        with self.assertRaises(jdm.MapError):
            jdm.read_elf_section(p)

    def test_huge_section_count(self):
        good = bytearray(elf64([(".jl_depot_map", b"x")]))
        struct.pack_into("<H", good, 60, 0xFFFE)
        p = self.write("d.so", bytes(good))
        with self.assertRaises(jdm.MapError):
            jdm.read_elf_section(p)

    def test_limit(self):
        p = self.write("e.so", elf64([(".jl_depot_map", b"x" * 100)]))
        with self.assertRaises(jdm.MapError):
            jdm.read_elf_section(p, limit=99)


class TestContaining(TmpDir):
    def test_classic(self):
        so = self.write("d e=p/compiled/v1.11/Foo/abc.so")
        d = jdm.containing_depot(so, {"HOME": "/nonexistent"})
        self.assertEqual(d.layout, "classic")
        self.assertEqual(d.path, os.path.join(self.dir, "d e=p"))
        self.assertEqual(d.root("artifacts"), os.path.join(self.dir, "d e=p", "artifacts"))
        self.assertEqual(d.root("cache"), os.path.join(self.dir, "d e=p", "scratchspaces"))

    def test_classic_through_symlink(self):
        self.write("real/compiled/v1.12/Foo/abc.so")
        os.symlink(os.path.join(self.dir, "real"), os.path.join(self.dir, "link"))
        d = jdm.containing_depot(os.path.join(self.dir, "link/compiled/v1.12/Foo/abc.so"), {})
        self.assertEqual(d.path, os.path.join(self.dir, "link"))

    def test_not_in_a_depot(self):
        so = self.write("lib/compiled/Foo/abc.so")
        self.assertIsNone(jdm.containing_depot(so, {}))
        self.assertIsNone(jdm.containing_depot(self.write("x.so"), {}))

    def test_xdg(self):
        env = {"HOME": self.dir, "XDG_CACHE_HOME": os.path.join(self.dir, "cache"),
               "XDG_DATA_HOME": os.path.join(self.dir, "data")}
        so = self.write("cache/julia/compiled/v1.11/Foo/abc.so")
        d = jdm.containing_depot(so, env)
        self.assertEqual(d.layout, "xdg")
        self.assertEqual(d.root("depot"), os.path.join(self.dir, "data/julia"))
        self.assertEqual(d.root("artifacts"), os.path.join(self.dir, "data/julia/artifacts"))
        self.assertEqual(d.root("compiled"), os.path.join(self.dir, "cache/julia/compiled"))
        self.assertEqual(d.root("cache"), os.path.join(self.dir, "cache/julia/scratchspaces"))

    def test_xdg_defaults(self):
        env = {"HOME": self.dir, "XDG_CACHE_HOME": "relative/ignored"}
        so = self.write(".cache/julia/compiled/v1.11/Foo/abc.so")
        d = jdm.containing_depot(so, env)
        self.assertEqual(d.layout, "xdg")
        self.assertEqual(d.root("depot"), os.path.join(self.dir, ".local/share/julia"))

    def test_other_cache_dir_is_classic(self):
        env = {"HOME": self.dir, "XDG_CACHE_HOME": os.path.join(self.dir, "cache")}
        so = self.write("other/julia/compiled/v1.11/Foo/abc.so")
        d = jdm.containing_depot(so, env)
        self.assertEqual(d.layout, "classic")
        self.assertEqual(d.path, os.path.join(self.dir, "other/julia"))


class TestDepotPath(TmpDir):
    def env(self, **kw):
        e = {"HOME": self.dir}
        e.update(kw)
        return e

    def paths(self, env, bindir="/opt/j/bin"):
        return [d.path for d in jdm.depot_path(env, bindir, cwd="/cwd", only_existing=False)]

    def test_rules(self):
        u = os.path.join(self.dir, ".julia")
        b = ["/opt/j/local/share/julia", "/opt/j/share/julia"]
        self.assertEqual(self.paths(self.env()), [u] + b)
        self.assertEqual(self.paths(self.env(JULIA_DEPOT_PATH="")), [])
        self.assertEqual(self.paths(self.env(JULIA_DEPOT_PATH=":")), [u] + b)
        self.assertEqual(self.paths(self.env(JULIA_DEPOT_PATH=":/x")), [u] + b + ["/x"])
        self.assertEqual(self.paths(self.env(JULIA_DEPOT_PATH="/x:")), ["/x"] + b)
        self.assertEqual(self.paths(self.env(JULIA_DEPOT_PATH="/x::/y")), ["/x"] + b + ["/y"])
        self.assertEqual(self.paths(self.env(JULIA_DEPOT_PATH="/x:/y")), ["/x", "/y"])

    def test_normalize_dedup_expand(self):
        e = self.env(JULIA_DEPOT_PATH="/x/:/x//:rel/d:~/dd:~:/x/y/..")
        self.assertEqual(self.paths(e), ["/x", "/cwd/rel/d", os.path.join(self.dir, "dd"), self.dir])

    def test_no_bindir(self):
        self.assertEqual(self.paths(self.env(JULIA_DEPOT_PATH="/x:"), bindir=None), ["/x"])
        e = self.env(JULIA_DEPOT_PATH="/x:", JULIA_BINDIR="/j/bin")
        self.assertEqual([d.path for d in jdm.depot_path(e, None, "/", False)],
                         ["/x", "/j/local/share/julia", "/j/share/julia"])

    def test_xdg_user_depot(self):
        e = self.env(JULIA_DEPOT_LAYOUT="xdg", XDG_DATA_HOME="/data", XDG_CACHE_HOME="/cache",
                     JULIA_DEPOT_PATH=":/x")
        ds = jdm.depot_path(e, None, "/", False)
        self.assertEqual([(d.path, d.layout) for d in ds], [("/data/julia", "xdg"), ("/x", "classic")])
        self.assertEqual(ds[0].root("compiled"), "/cache/julia/compiled")

    def test_only_existing(self):
        os.mkdir(os.path.join(self.dir, "b"))
        e = self.env(JULIA_DEPOT_PATH="%s/a:%s/b" % (self.dir, self.dir))
        ds = jdm.depot_path(e)
        self.assertEqual([d.path for d in ds], [os.path.join(self.dir, "b")])
        self.assertEqual(ds[0].origin, "DEPOT_PATH[1]")


class TestResolve(TmpDir):
    def setUp(self):
        TmpDir.setUp(self)
        self.src = b"f(x) = 1\n"
        self.md5 = hashlib.md5(self.src).hexdigest()

    def map(self, anchor="packages/Foo/abc/src/Foo.jl", extra=()):
        lines = ["julia-depot-map\t2", "image\t" + ID,
                 "root\t%s\t@depot\t%s\t/build/A" % (VR, anchor),
                 "file\t%s/%s\t%s" % (VR, anchor, self.md5)] + list(extra)
        return jdm.parse_map(text(lines))

    def test_containing_depot_first(self):
        self.write("A/packages/Foo/abc/src/Foo.jl", self.src)
        self.write("B/packages/Foo/abc/src/Foo.jl", self.src)
        so = self.write("A/compiled/v1.11/Foo/abc.so")
        env = {"JULIA_DEPOT_PATH": os.path.join(self.dir, "B") + ":" + os.path.join(self.dir, "A")}
        r = jdm.resolve(self.map(), so, env)
        self.assertEqual([(v, p) for v, p, _ in r.rules], [(VR, os.path.join(self.dir, "A"))])
        self.assertEqual(r.rules[0][2].origin, "containing")
        self.assertEqual((r.missing, r.differs, r.absent), ([], [], []))

    def test_falls_back_to_depot_path_order(self):
        self.write("B/packages/Foo/abc/src/Foo.jl", self.src)
        self.write("C/packages/Foo/abc/src/Foo.jl", self.src)
        so = self.write("A/compiled/v1.11/Foo/abc.so")
        env = {"JULIA_DEPOT_PATH": ":".join(os.path.join(self.dir, x) for x in "ACB")}
        r = jdm.resolve(self.map(), so, env)
        self.assertEqual(r.rules[0][1], os.path.join(self.dir, "C"))
        self.assertEqual(r.rules[0][2].origin, "DEPOT_PATH[2]")

    def test_containing_spelled_as_depot_path(self):
        self.write("real/packages/Foo/abc/src/Foo.jl", self.src)
        self.write("real/compiled/v1.11/Foo/abc.so")
        link = os.path.join(self.dir, "link")
        os.symlink(os.path.join(self.dir, "real"), link)
        r = jdm.resolve(self.map(), os.path.join(self.dir, "real/compiled/v1.11/Foo/abc.so"),
                        {"JULIA_DEPOT_PATH": link})
        self.assertEqual(r.rules[0][1], link)

    def test_missing(self):
        so = self.write("A/compiled/v1.11/Foo/abc.so")
        r = jdm.resolve(self.map(), so, {"JULIA_DEPOT_PATH": ""})
        self.assertEqual((r.rules, r.missing), ([], [VR]))

    def test_md5_differs_and_absent(self):
        self.write("A/packages/Foo/abc/src/Foo.jl", self.src + b"# edited\n")
        so = self.write("A/compiled/v1.11/Foo/abc.so")
        m = self.map(extra=["file\t%s/packages/Foo/abc/src/gone.jl\t%s" % (VR, self.md5)])
        r = jdm.resolve(m, so, {"JULIA_DEPOT_PATH": ""})
        self.assertEqual(r.differs, [os.path.join(self.dir, "A/packages/Foo/abc/src/Foo.jl")])
        self.assertEqual(r.absent, [os.path.join(self.dir, "A/packages/Foo/abc/src/gone.jl")])
        r = jdm.resolve(m, so, {"JULIA_DEPOT_PATH": ""}, check_md5=False)
        self.assertEqual((r.differs, r.absent), ([], []))

    def test_roles(self):
        self.write("A/artifacts/h1/lib/x.so", b"")
        self.write("A/scratchspaces/u/s/f", b"")
        so = self.write("A/compiled/v1.11/Foo/abc.so")
        lines = ["julia-depot-map\t2", "image\t" + ID,
                 "root\t/@artifacts-%s-1\t@artifacts\th1/lib/x.so\t/b/artifacts" % ID,
                 "root\t/@cache-%s-1\t@cache\tu/s/f\t/b/scratchspaces" % ID,
                 "root\t/@compiled-%s-1\t@compiled\tv1.11/Foo/abc.so\t/b/compiled" % ID]
        r = jdm.resolve(jdm.parse_map(text(lines)), so, {"JULIA_DEPOT_PATH": ""})
        a = os.path.join(self.dir, "A")
        self.assertEqual([p for _, p, _ in r.rules],
                         [a + "/artifacts", a + "/scratchspaces", a + "/compiled"])

    def test_xdg_containing(self):
        env = {"HOME": self.dir, "XDG_CACHE_HOME": self.dir + "/c", "XDG_DATA_HOME": self.dir + "/d",
               "JULIA_DEPOT_PATH": ""}
        self.write("d/julia/packages/Foo/abc/src/Foo.jl", self.src)
        so = self.write("c/julia/compiled/v1.11/Foo/abc.so")
        r = jdm.resolve(self.map(), so, env)
        self.assertEqual(r.rules[0][1], self.dir + "/d/julia")

    def test_load_from_elf(self):
        self.write("A/packages/Foo/abc/src/Foo.jl", self.src)
        data = text(["julia-depot-map\t2", "image\t" + ID,
                     "root\t%s\t@depot\tpackages/Foo/abc/src/Foo.jl\t/build/A" % VR])
        so = self.write("A/compiled/v1.11/Foo/abc.so", elf64([(".jl_depot_map", data)]))
        m, r = jdm.load(so, {"JULIA_DEPOT_PATH": ""})
        self.assertEqual(m.image, ID)
        self.assertEqual(r.rules[0][1], os.path.join(self.dir, "A"))
        self.assertEqual(jdm.load(self.write("x.so", elf64([(".text", b"")])), {}), (None, None))


if __name__ == "__main__":
    unittest.main()
