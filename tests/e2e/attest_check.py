#!/usr/bin/python3
"""attest_check.py MODE ...: reads the documents `trainprov attest` writes,
with the standard library only, for the attestation tests. Every check
prints "ok: ..." or "FAIL: ..."; the exit status is 1 when any failed.

  intoto ATT VERIFY.json LOG_SHA256 NAME:SHA256...
      ATT is a DSSE envelope with payloadType application/vnd.in-toto+json
      holding an in-toto Statement v1 with predicateType SLSA provenance v1;
      its subjects are exactly NAME:SHA256 (in that order); its
      resolvedDependencies are exactly the data files of VERIFY.json (the
      verifier's "files", role data: path and sha256); its byproducts hold
      every checkpoint of VERIFY.json, the log with LOG_SHA256 and the claims
      (every claim id of VERIFY.json, with its status); invocationId is the
      run id; startedOn <= finishedOn, both RFC 3339.
  extract DOC PAYLOAD SIG
      writes the DSSE payload bytes and the first signature's bytes of DOC
      (an envelope, or a sigstore bundle's "dsseEnvelope") to the two files
      and prints the payloadType.
  oms BUNDLE PUB.pem MODEL_NAME NAME:SHA256...
      BUNDLE is the sigstore bundle v0.3 model_signing writes for a key:
      publicKey hint = SHA-256 of PUB.pem's bytes, no tlog entries, a DSSE
      envelope with an in-toto Statement v1, predicateType
      https://model_signing/signature/v1.0, resources exactly NAME:SHA256 (in
      order, algorithm sha256), serialization method files, and one subject
      MODEL_NAME whose sha256 is SHA-256 over the resource digests in order
      (model_signing's dsse_payload_to_manifest check).
  set DOC OUT KEY VALUE
      copies the envelope DOC to OUT with top-level KEY set to VALUE.
  flip-sig DOC OUT
      copies the envelope DOC to OUT with one bit of its signature flipped.
  oms-bad-root BUNDLE PAYLOAD
      writes to PAYLOAD the bundle's statement with its subject digest
      changed (no longer SHA-256 over the resource digests).
  oms-replace BUNDLE PAYLOAD SIG OUT
      copies BUNDLE to OUT with the envelope's payload and signature taken
      from the files PAYLOAD and SIG.
"""
import base64
import datetime
import hashlib
import json
import sys

FAILS = 0


def check(cond, what):
    global FAILS
    if cond:
        print("ok: " + what)
    else:
        print("FAIL: " + what)
        FAILS += 1


def envelope_of(doc):
    return doc["dsseEnvelope"] if "dsseEnvelope" in doc else doc


def statement(env):
    return json.loads(base64.b64decode(env["payload"], validate=True))


def rfc3339(s):
    # Python 3.11 reads RFC 3339 with "Z" and nanoseconds (truncated to us)
    check(s.endswith("Z") and "T" in s, "%s is an RFC 3339 UTC time" % s)
    return datetime.datetime.fromisoformat(s)


def pairs(args):
    return [tuple(a.rsplit(":", 1)) for a in args]


def mode_intoto(att, verify_json, log_sha, subjects):
    env = json.load(open(att))
    rep = json.load(open(verify_json))
    check(env["payloadType"] == "application/vnd.in-toto+json",
          "payloadType is application/vnd.in-toto+json")
    st = statement(env)
    check(st["_type"] == "https://in-toto.io/Statement/v1", "_type is in-toto Statement v1")
    check(st["predicateType"] == "https://slsa.dev/provenance/v1",
          "predicateType is SLSA provenance v1")
    got = [(s["name"], s["digest"]["sha256"]) for s in st["subject"]]
    check(got == pairs(subjects), "subjects %s equal the model files' sha256sum %s"
          % (got, pairs(subjects)))
    pred = st["predicate"]
    bd, rd = pred["buildDefinition"], pred["runDetails"]
    check(bd["buildType"].startswith("https://"), "buildType is a URI: " + bd["buildType"])
    ext = bd["externalParameters"]
    check(isinstance(ext["command"], list) and len(ext["command"]) > 0,
          "externalParameters.command is the argv")
    check(isinstance(ext["data"], list), "externalParameters.data lists the --data globs")
    data = sorted({(f["path"], f["sha256"]) for f in rep["files"] if f["role"] == "data"})
    deps = sorted((d["name"], d["digest"]["sha256"]) for d in bd["resolvedDependencies"])
    check(len(data) > 0 and deps == data,
          "resolvedDependencies (%d) equal the log's data files (%d)" % (len(deps), len(data)))
    check(all(d["uri"].startswith("file:///") for d in bd["resolvedDependencies"]),
          "every dependency has a file:// uri")
    by = {b["name"]: b for b in rd["byproducts"]}
    ckpts = {(f["path"], f["sha256"]) for f in rep["files"] if f["role"] == "checkpoint"}
    check(len(ckpts) > 0 and all(p in by and by[p]["digest"]["sha256"] == h for p, h in ckpts),
          "every checkpoint of the log is a byproduct with its sha256")
    logs = [b for b in rd["byproducts"] if b.get("mediaType") == "application/x-hdf5"]
    check(len(logs) == 1 and logs[0]["digest"]["sha256"] == log_sha,
          "the run log is a byproduct with sha256 %s" % log_sha)
    claims = by.get("trainprov-claims", {}).get("annotations", {})
    want = {c["id"]: c["status"] for c in rep["claims"]}
    have = {c["id"]: c["status"] for c in claims.get("claims", [])}
    check(have == want and claims.get("verdict") == "pass",
          "the claims byproduct carries every claim with its status and verdict pass")
    meta = rd["metadata"]
    check(meta["invocationId"] == rep["run_id"], "invocationId is the run id")
    start, end = rfc3339(meta["startedOn"]), rfc3339(meta["finishedOn"])
    check(datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc) < start <= end,
          "startedOn %s <= finishedOn %s (RFC 3339)" % (meta["startedOn"], meta["finishedOn"]))
    check(rd["builder"]["id"].startswith("https://"), "builder.id is a URI")


def mode_extract(doc, payload_out, sig_out):
    env = envelope_of(json.load(open(doc)))
    open(payload_out, "wb").write(base64.b64decode(env["payload"], validate=True))
    open(sig_out, "wb").write(base64.b64decode(env["signatures"][0]["sig"], validate=True))
    print(env["payloadType"])


def mode_oms(bundle_path, pub, model_name, resources):
    b = json.load(open(bundle_path))
    check(b["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json",
          "sigstore bundle v0.3")
    vm = b["verificationMaterial"]
    check(vm["publicKey"]["hint"] == hashlib.sha256(open(pub, "rb").read()).hexdigest(),
          "publicKey hint is SHA-256 of the public key PEM")
    check(vm.get("tlogEntries") == [], "no transparency-log entries (a key signature)")
    env = b["dsseEnvelope"]
    check(env["payloadType"] == "application/vnd.in-toto+json", "payloadType in-toto")
    st = statement(env)
    check(st["_type"] == "https://in-toto.io/Statement/v1", "_type is in-toto Statement v1")
    check(st["predicateType"] == "https://model_signing/signature/v1.0",
          "predicateType is https://model_signing/signature/v1.0")
    pred = st["predicate"]
    ser = pred["serialization"]
    check(ser["method"] == "files" and ser["hash_type"] == "sha256"
          and ser["allow_symlinks"] is False, "serialization: files, sha256, no symlinks")
    got = [(r["name"], r["digest"]) for r in pred["resources"]]
    check(got == pairs(resources), "resources %s equal sha256sum of the model files %s"
          % (got, pairs(resources)))
    check(all(r["algorithm"] == "sha256" for r in pred["resources"]), "resources are sha256")
    root = hashlib.sha256(b"".join(bytes.fromhex(h) for _, h in got)).hexdigest()
    subj = st["subject"]
    check(len(subj) == 1 and subj[0]["name"] == model_name and
          subj[0]["digest"]["sha256"] == root,
          "one subject %s with the SHA-256 over the resource digests" % model_name)


def mode_set(doc, out, key, value):
    env = json.load(open(doc))
    env[key] = value
    json.dump(env, open(out, "w"))


def mode_flip_sig(doc, out):
    env = json.load(open(doc))
    sig = bytearray(base64.b64decode(env["signatures"][0]["sig"]))
    sig[len(sig) // 2] ^= 1
    env["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    json.dump(env, open(out, "w"))


def mode_oms_bad_root(bundle, payload_out):
    st = statement(json.load(open(bundle))["dsseEnvelope"])
    st["subject"][0]["digest"]["sha256"] = "0" * 64
    open(payload_out, "wb").write(json.dumps(st).encode())


def mode_oms_replace(bundle, payload, sig, out):
    b = json.load(open(bundle))
    env = b["dsseEnvelope"]
    env["payload"] = base64.b64encode(open(payload, "rb").read()).decode()
    env["signatures"][0]["sig"] = base64.b64encode(open(sig, "rb").read()).decode()
    json.dump(b, open(out, "w"))


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "intoto":
        mode_intoto(args[0], args[1], args[2], args[3:])
    elif mode == "extract":
        mode_extract(*args)
    elif mode == "oms":
        mode_oms(args[0], args[1], args[2], args[3:])
    elif mode == "set":
        mode_set(*args)
    elif mode == "flip-sig":
        mode_flip_sig(*args)
    elif mode == "oms-bad-root":
        mode_oms_bad_root(*args)
    elif mode == "oms-replace":
        mode_oms_replace(*args)
    else:
        sys.exit("attest_check.py: unknown mode " + mode)
    sys.exit(1 if FAILS else 0)


if __name__ == "__main__":
    main()
