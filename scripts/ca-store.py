#!/usr/bin/env python3
"""ca-store.py: PEM bundles -> a C file with the trust-anchor store (DER + subject index).

    ca-store.py --profile full|small [--no-sha1] -o OUT.c [--rejected-out REJ.c] [BUNDLE.pem ...]
    ca-store.py --profile full --needs-sha1 [BUNDLE.pem ...]

Every certificate of every BUNDLE is decoded and its DER structure checked; a
damaged one (bad base64, truncated or malformed DER, a bundle without any
certificate) stops the build with a message: corruption is never silently
"trusting less". A well-formed certificate that this build's mbedTLS
configuration cannot use (key type, curve, signature algorithm or key size
outside the profile) is left out and listed. The usable ones are written to
OUT.c as `const struct wf_ca_store wf_ca_builtin` (include/wizfetch/ca_store.h):
the DER certificates in one array, and entries sorted by subject (the raw DER
Name: shorter first, then bytewise, as wf_ca_name_cmp), duplicates removed.
No BUNDLE: an empty store.

--needs-sha1 prints "yes" if a certificate the profile can use is signed with
SHA-1 (the full profile's SHA-1 is there only to parse those), else "no", and
writes nothing; --no-sha1 is the profile of a build without SHA-1 (WF_TLS_NO_SHA1).

The algorithm lists below mirror src/tls/wf_mbedtls_config.h and must stay in
step with it: test_ca_store checks, with the host's mbedTLS, that every
certificate of the system bundle kept here parses and every one left out does
not (--rejected-out writes those into `NAME_rejected` for that test).

Standard library only (it runs in the cross build too).
"""
import argparse
import base64
import binascii
import re
import sys

OID_RSA = "1.2.840.113549.1.1.1"
OID_EC = "1.2.840.10045.2.1"

# Signature algorithms mbedTLS parses with the profile's hashes (oid.c, MBEDTLS_MD_CAN_*).
SIG_FULL = {
    "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
    "1.2.840.113549.1.1.14": "sha224WithRSAEncryption",
    "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
    "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
    "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
    "1.2.840.10045.4.1": "ecdsa-with-SHA1",
    "1.2.840.10045.4.3.1": "ecdsa-with-SHA224",
    "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
    "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
    "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
}
SIG_SMALL = {
    "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
    "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
}
CURVES_FULL = {"1.2.840.10045.3.1.7": "P-256", "1.3.132.0.34": "P-384"}
CURVES_SMALL = {"1.2.840.10045.3.1.7": "P-256"}
RSA_MIN_BITS = 2048  # mbedtls_x509_crt_profile_default: smaller keys fail as BADCERT_BAD_KEY
RSA_MAX_BITS = 4096  # MBEDTLS_MPI_MAX_SIZE (512 bytes)
SIG_SHA1 = {"1.2.840.113549.1.1.5", "1.2.840.10045.4.1"}

PROFILES = {"full": (SIG_FULL, CURVES_FULL), "small": (SIG_SMALL, CURVES_SMALL)}
KNOWN_OIDS = {
    "1.2.840.113549.1.1.10": "RSASSA-PSS",
    "1.3.101.112": "Ed25519",
    "1.3.101.113": "Ed448",
    "1.3.132.0.35": "P-521",
    "1.3.132.0.34": "P-384",
    "1.2.840.10045.3.1.7": "P-256",
    "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
    **SIG_FULL,
}


class Damaged(Exception):
    pass


def tlv(buf, pos, end, want=None):
    """One DER TLV at pos: (tag, value_start, value_end); raises Damaged."""
    if pos + 2 > end:
        raise Damaged("truncated DER")
    tag = buf[pos]
    if want is not None and tag != want:
        raise Damaged("unexpected DER tag 0x%02x (wanted 0x%02x) at offset %d" % (tag, want, pos))
    n = buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4 or pos + k > end:
            raise Damaged("bad DER length")
        n = int.from_bytes(buf[pos:pos + k], "big")
        pos += k
    if pos + n > end:
        raise Damaged("truncated DER")
    return tag, pos, pos + n


def oid_text(b):
    if not b:
        raise Damaged("empty OID")
    parts = [b[0] // 40 if b[0] < 80 else 2, b[0] % 40 if b[0] < 80 else b[0] - 80]
    v = 0
    for x in b[1:]:
        v = (v << 7) | (x & 0x7F)
        if not x & 0x80:
            parts.append(v)
            v = 0
    return ".".join(map(str, parts))


SEQ, SET, INT, BITS, OID = 0x30, 0x31, 0x02, 0x03, 0x06


def parse(der):
    """Structure of a certificate: dict with subject (bytes), sig, key, curve, rsa_bits."""
    _, p, end = tlv(der, 0, len(der), SEQ)
    if end != len(der):
        raise Damaged("bytes after the certificate")
    _, tp, tend = tlv(der, p, end, SEQ)  # tbsCertificate
    _, ap, aend = tlv(der, tend, end, SEQ)  # signatureAlgorithm
    _, _, send = tlv(der, aend, end, BITS)
    if send != end:
        raise Damaged("bytes after the signature")
    _, op, oend = tlv(der, ap, aend, OID)
    sig = oid_text(der[op:oend])
    q = tp
    if q < tend and der[q] == 0xA0:
        q = tlv(der, q, tend)[2]
    for want in (INT, SEQ, SEQ, SEQ):  # serial, signature, issuer, validity
        q = tlv(der, q, tend, want)[2]
    _, subj_start, subj_end = tlv(der, q, tend, SEQ)
    subject = der[q:subj_end]
    _, kp, kend = tlv(der, subj_end, tend, SEQ)  # SubjectPublicKeyInfo
    _, alp, alend = tlv(der, kp, kend, SEQ)
    _, op, oend = tlv(der, alp, alend, OID)
    key = oid_text(der[op:oend])
    curve = None
    if key == OID_EC and oend < alend:
        tag, cp, cend = tlv(der, oend, alend)
        curve = oid_text(der[cp:cend]) if tag == OID else "specifiedCurve"
    rsa_bits = None
    _, bp, bend = tlv(der, alend, kend, BITS)
    if key == OID_RSA:
        _, rp, rend = tlv(der, bp + 1, bend, SEQ)
        _, np_, nend = tlv(der, rp, rend, INT)
        modulus = der[np_:nend].lstrip(b"\0")
        rsa_bits = (len(modulus) - 1) * 8 + modulus[0].bit_length() if modulus else 0
    return {"subject": subject, "subject_off": q, "sig": sig, "key": key, "curve": curve,
            "rsa_bits": rsa_bits, "name": name_text(der, subj_start, subj_end)}


def name_text(der, p, end):
    """A short readable form of a Name: its CN, else its O (for listings)."""
    found = {}
    try:
        while p < end:
            _, sp, send = tlv(der, p, end, SET)
            p = send
            while sp < send:
                _, ap, aend = tlv(der, sp, send, SEQ)
                sp = aend
                _, op, oend = tlv(der, ap, aend, OID)
                _, vp, vend = tlv(der, oend, aend)
                found.setdefault(oid_text(der[op:oend]), der[vp:vend].decode("utf-8", "replace"))
    except Damaged:
        pass
    return found.get("2.5.4.3") or found.get("2.5.4.11") or found.get("2.5.4.10") or "?"


def unusable(info, profile, sha1=True):
    """Why this build cannot use the certificate, or None."""
    sigs, curves = PROFILES[profile]
    if info["sig"] not in sigs or (not sha1 and info["sig"] in SIG_SHA1):
        return "signature algorithm %s" % KNOWN_OIDS.get(info["sig"], info["sig"])
    if info["key"] == OID_RSA:
        if not RSA_MIN_BITS <= info["rsa_bits"] <= RSA_MAX_BITS:
            return "RSA key of %d bits" % info["rsa_bits"]
        return None
    if info["key"] == OID_EC:
        if info["curve"] not in curves:
            return "curve %s" % KNOWN_OIDS.get(info["curve"], info["curve"])
        return None
    return "key type %s" % KNOWN_OIDS.get(info["key"], info["key"])


PEM = re.compile(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)


def certificates(path):
    with open(path, "rb") as f:
        text = f.read()
    blocks = PEM.findall(text)
    if not blocks:
        raise Damaged("%s: no PEM certificate in it" % path)
    for i, body in enumerate(blocks, 1):
        b64 = b"".join(body.split())
        try:
            der = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError) as e:
            raise Damaged("%s: certificate %d: bad base64 (%s)" % (path, i, e))
        yield i, der


def c_bytes(data, indent="    "):
    out = []
    for i in range(0, len(data), 16):
        out.append(indent + ",".join("0x%02x" % b for b in data[i:i + 16]) + ",")
    return "\n".join(out)


def write_store(path, name, certs, header):
    """certs: list of (der, subject_off, subject_len), in store order."""
    blob = bytearray()
    rows = []
    for der, soff, slen in certs:
        rows.append("    {%s_der + %d, %s_der + %d, %d, %d}," % (name, len(blob), name, len(blob) + soff,
                                                                  len(der), slen))
        blob += der
    lines = ["/* Generated by scripts/ca-store.py. Do not edit.", header + " */",
             '#include "wizfetch/ca_store.h"', ""]
    if certs:
        lines += ["/* The DER certificates, one after the other (%d bytes). */" % len(blob),
                  "const uint8_t %s_der[%d] = {" % (name, len(blob)), c_bytes(blob), "};", "",
                  "/* Sorted by subject (wf_ca_name_cmp). */",
                  "const struct wf_ca_entry %s_index[%d] = {" % (name, len(rows))] + rows + \
                 ["};", "", "const struct wf_ca_store %s = {%s_index, %d};" % (name, name, len(rows))]
    else:
        lines += ["const struct wf_ca_store %s = {0, 0};" % name]
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    import os
    os.replace(tmp, path)
    return len(blob)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--profile", choices=sorted(PROFILES), default="full")
    ap.add_argument("--no-sha1", action="store_true", help="the build has no SHA-1 (WF_TLS_NO_SHA1)")
    ap.add_argument("--needs-sha1", action="store_true",
                    help="print yes/no: does a usable certificate have a SHA-1 signature; write nothing")
    ap.add_argument("-o", "--out")
    ap.add_argument("--rejected-out")
    ap.add_argument("--name", default="wf_ca_builtin", help="C name of the store (default wf_ca_builtin)")
    ap.add_argument("bundles", nargs="*")
    a = ap.parse_args()
    if not a.needs_sha1 and not a.out:
        ap.error("-o OUT.c is required (or --needs-sha1)")

    kept, rejected, seen, needs = [], [], set(), False
    try:
        for path in a.bundles:
            for i, der in certificates(path):
                try:
                    info = parse(der)
                except Damaged as e:
                    raise Damaged("%s: certificate %d: %s" % (path, i, e))
                if der in seen:
                    continue
                seen.add(der)
                why = unusable(info, a.profile, not a.no_sha1)
                if a.needs_sha1:
                    needs = needs or (why is None and info["sig"] in SIG_SHA1)
                    continue
                if why:
                    rejected.append((der, info, why))
                    print("ca-store: left out (unsupported %s): %s" % (why, info["name"]))
                else:
                    kept.append((der, info))
    except (Damaged, OSError) as e:
        print("ca-store: error: %s" % e, file=sys.stderr)
        return 1
    if a.needs_sha1:
        print("yes" if needs else "no")
        return 0
    kept.sort(key=lambda c: (len(c[1]["subject"]), c[1]["subject"]))
    sources = " ".join(a.bundles) or "(none)"
    size = write_store(a.out, a.name, [(d, i["subject_off"], len(i["subject"])) for d, i in kept],
                       " * From: %s (profile %s)\n * %d roots kept, %d left out (unsupported by this build)" %
                       (sources, a.profile, len(kept), len(rejected)))
    if a.rejected_out:
        write_store(a.rejected_out, a.name + "_rejected",
                    [(d, i["subject_off"], len(i["subject"])) for d, i, _ in rejected],
                    " * The certificates of %s that the %s profile cannot use (for tests)" % (sources, a.profile))
    print("ca-store: %d roots, %d bytes of DER + %d-entry index (%s profile); %d left out" %
          (len(kept), size, len(kept), a.profile, len(rejected)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
