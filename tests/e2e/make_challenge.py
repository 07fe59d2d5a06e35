#!/usr/bin/python3
"""make_challenge.py EVAL.pem OUT.json TIME_NS [VALID_UNTIL_NS | v1]: writes a
challenge signed with EVAL.pem for any issue time and validity, as
docs/INIT.md section 7 describes it, signing the DSSE PAE bytes with the
openssl CLI ($OPENSSL, default openssl) and no trainprov code. With "v1" in
place of the validity, a version 1 document (no validity) is written.
(tests/e2e/e2e_challenge_freshness.sh)"""
import datetime
import hashlib
import json
import os
import subprocess
import sys
import tempfile


def iso(ns):
    sec, frac = divmod(ns, 10**9)
    day = datetime.datetime.fromtimestamp(sec, datetime.timezone.utc)
    return day.strftime("%Y-%m-%dT%H:%M:%S") + ".%09dZ" % frac


def pubkey_id(key, openssl):
    der = subprocess.run([openssl, "pkey", "-in", key, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return hashlib.sha256(der).hexdigest()


def main():
    key, out, time_ns = sys.argv[1], sys.argv[2], int(sys.argv[3])
    v1 = sys.argv[4] == "v1"
    openssl = os.environ.get("OPENSSL") or "openssl"
    nonce = os.urandom(32).hex()
    kid = pubkey_id(key, openssl)
    doc = {"type": "trainprov/challenge/v1" if v1 else "trainprov/challenge/v2",
           "nonce": nonce, "time_ns": time_ns, "time": iso(time_ns)}
    body = "%s\nnonce=%s\ntime_ns=%d\n" % (doc["type"], nonce, time_ns)
    if not v1:
        until = int(sys.argv[4])
        doc["valid_until_ns"] = until
        doc["valid_until"] = iso(until)
        body += "valid_until_ns=%d\n" % until
    body += "evaluator_key_id=%s\n" % kid
    ptype = "application/vnd.trainprov.challenge.%s+text" % ("v1" if v1 else "v2")
    pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype.encode(), len(body), body.encode())
    with tempfile.NamedTemporaryFile() as f:
        f.write(pae)
        f.flush()
        sig = subprocess.run([openssl, "pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", f.name],
                             check=True, capture_output=True).stdout
    doc["evaluator_key_id"] = kid
    doc["signature"] = sig.hex()
    with open(out, "w") as f:
        json.dump(doc, f, indent=2)
    print(hashlib.sha256(body.encode()).hexdigest())


main()
