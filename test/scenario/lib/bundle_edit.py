# This file is a part of the jldepot project. License is MIT.
#
# bundle_edit.py: edit a bundle written by `jldepot pack` the way an attacker
# would, for the scenario tests: entries added, replaced, renamed or dropped,
# then the manifest's files[] re-hashed (name, size, SHA-256) so that only
# the unpack's own rules can refuse the result.
#
#   bundle_edit.py IN.tar.zst OUT.tar[.zst] EDIT...
#
#   add:NAME=@FILE         a new entry with FILE's content
#   add:NAME=TEXT          a new entry with TEXT
#   zeros:NAME=BYTES       a new entry of BYTES zero bytes (streamed)
#   set:NAME=@FILE         replace an entry's content
#   mv:OLD=NEW             rename an entry (the manifest's caches[] follows)
#   drop:NAME              remove an entry
#   cache:@FILE.json       append a caches[] object (read from FILE.json)
#   forge-crc32c:NAME=HEX  append 4 bytes to NAME so its CRC-32C becomes HEX
#   flip:NAME=OFFSET       flip a byte of NAME (negative: from the end) ...
#   tamper:NAME            ... or its first byte, after the manifest is made
#                          (the manifest keeps the old SHA-256)
#
# OUT ending in .zst is compressed with `zstd -19`.

import hashlib
import io
import json
import subprocess
import sys
import tarfile


def crc32c(data, crc=0):
    tab = crc32c.tab
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = tab[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


crc32c.tab = _table()


def forge(data, target):
    """4 bytes that, appended to data, give it the CRC-32C `target` (CRC-32C
    is affine in the appended bits: solve the 32x32 system over GF(2))."""
    def with_suffix(x):
        return crc32c(x.to_bytes(4, "little"), crc32c(data))

    c0 = with_suffix(0)
    cols = [with_suffix(1 << i) ^ c0 for i in range(32)]
    want = target ^ c0
    # Gaussian elimination: rows are (column vector, bit) pairs
    rows = [(cols[i], 1 << i) for i in range(32)]
    sol, basis = 0, []
    for vec, bits in rows:
        for bv, bb in basis:
            if vec ^ bv < vec:
                vec ^= bv
                bits ^= bb
        if vec:
            basis.append((vec, bits))
            basis.sort(reverse=True)
    acc = want
    for bv, bb in basis:
        if acc ^ bv < acc:
            acc ^= bv
            sol ^= bb
    assert acc == 0 and with_suffix(sol) == target, "not solvable"
    return sol.to_bytes(4, "little")


class Zeros(io.RawIOBase):
    def __init__(self, n):
        self.left = n

    def readable(self):
        return True

    def readinto(self, b):
        k = min(len(b), self.left)
        b[:k] = bytes(k)
        self.left -= k
        return k


def main():
    src, dst, edits = sys.argv[1], sys.argv[2], sys.argv[3:]
    raw = subprocess.run(["zstd", "-q", "-dc", src], check=True, stdout=subprocess.PIPE).stdout
    tin = tarfile.open(fileobj=io.BytesIO(raw))
    members = []  # [name, bytes or ("zeros", n), mode]
    manifest = None
    for m in tin.getmembers():
        if not m.isfile():
            continue
        data = tin.extractfile(m).read()
        if m.name == "jldepot-bundle.json":
            manifest = json.loads(data)
        else:
            members.append([m.name, data, m.mode])
    byname = lambda n: next(x for x in members if x[0] == n)
    tamper = []
    for ed in edits:
        op, arg = ed.split(":", 1)
        if op == "drop":
            members = [x for x in members if x[0] != arg]
            continue
        if op == "tamper":
            tamper.append(arg)
            continue
        if op == "cache":
            manifest["caches"].append(json.load(open(arg[1:])))
            continue
        name, val = arg.split("=", 1)
        if op in ("add", "set"):
            data = open(val[1:], "rb").read() if val.startswith("@") else val.encode()
            if op == "add":
                members.append([name, data, 0o644])
            else:
                byname(name)[1] = data
        elif op == "zeros":
            members.append([name, ("zeros", int(val)), 0o644])
        elif op == "mv":
            byname(name)[0] = val
            for c in manifest["caches"]:
                for k in ("ji", "so"):
                    if c.get(k) == name:
                        c[k] = val
        elif op == "flip":
            m = byname(name)
            b = bytearray(m[1])
            b[int(val)] ^= 0x20
            m[1] = bytes(b)
        elif op == "forge-crc32c":
            m = byname(name)
            m[1] = m[1] + forge(m[1], int(val, 16))
        else:
            sys.exit("bundle_edit: unknown edit " + op)
    files = []
    for name, data, mode in members:
        if isinstance(data, tuple):
            h = hashlib.sha256()
            left = data[1]
            block = bytes(1 << 20)
            while left:
                k = min(left, len(block))
                h.update(block[:k])
                left -= k
            files.append({"name": name, "size": data[1], "sha256": h.hexdigest()})
        else:
            files.append({"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    manifest["files"] = files
    for name in tamper:
        m = byname(name)
        m[1] = bytes([m[1][0] ^ 1]) + m[1][1:]
    out = dst[:-4] if dst.endswith(".zst") else dst
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
        for name, data, mode in members:
            info = tarfile.TarInfo(name)
            info.mode = mode
            info.mtime = 1700000000
            if isinstance(data, tuple):
                info.size = data[1]
                t.addfile(info, io.BufferedReader(Zeros(data[1])))
            else:
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
        mb = json.dumps(manifest, indent=1).encode()
        info = tarfile.TarInfo("jldepot-bundle.json")
        info.size = len(mb)
        info.mode = 0o644
        t.addfile(info, io.BytesIO(mb))
    if dst.endswith(".zst"):
        subprocess.run(["zstd", "-q", "-f", "-19", "--rm", out, "-o", dst], check=True)


main()
