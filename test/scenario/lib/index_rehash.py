# This file is a part of the jldepot project. License is MIT.
#
# index_rehash.py IN.json OUT.json BUNDLE: what an attacker who controls the
# server does after replacing BUNDLE: the index entry of that file gets the
# new bundle's SHA-256 and size (for the serving scenarios).

import hashlib
import json
import os
import sys

index = json.load(open(sys.argv[1]))
bundle = sys.argv[3]
for pkg in index["packages"].values():
    for b in pkg["bundles"].values():
        if b["file"] == os.path.basename(bundle):
            b["sha256"] = hashlib.sha256(open(bundle, "rb").read()).hexdigest()
            b["size"] = os.path.getsize(bundle)
json.dump(index, open(sys.argv[2], "w"))
