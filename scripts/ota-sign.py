#!/usr/bin/env python3
"""Make and sign firmware update images (docs/ota.md), with Debian's python3-cryptography.

  ota-sign.py keygen KEY.pem                    a new P-256 release key (mode 0600);
                                                never put it in the repository
  ota-sign.py pubkey KEY.pem OUT.c [--raw]      the public key as a C array (wf_ota_pubkey),
                                                or (--raw) its 65 bytes
  ota-sign.py sign --key KEY.pem --elf firmware.elf --version N --board BOARD
                   [--build TEXT] [--allow-downgrade] -o IMAGE.bin
                                                the slot image: header + payload (the ELF's
                                                flash bytes from the slot's header end)
  ota-sign.py sign --key KEY.pem --payload FILE --slot ADDR ...
                                                the same from raw payload bytes (tests)

The slot is the ELF's (its symbol wf_ota_slot_addr, set by the slot's linker script).
The payload is what `objcopy -O binary` gives for the ELF (its lowest loaded address
must be the slot's start + 512). Exit codes: 0, 1 (bad input), 2 (usage).
"""
import argparse
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

MAGIC = 0x41544F57
HEADER_VERSION = 1
HEADER_SIZE = 512
HASHED = 80
SIG_MAX = 72
FLAG_ALLOW_DOWNGRADE = 1


def fail(msg):
    print(f"ota-sign: {msg}", file=sys.stderr)
    sys.exit(1)


def load_key(path):
    with open(path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        fail(f"{path}: not a P-256 (secp256r1) private key")
    return key


def keygen(path):
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)


def pubkey_c(key_path, out, raw=False):
    point = load_key(key_path).public_key().public_bytes(serialization.Encoding.X962,
                                                         serialization.PublicFormat.UncompressedPoint)
    if raw:
        with open(out, "wb") as f:
            f.write(point)
        return
    body = ", ".join(f"0x{b:02x}" for b in point)
    with open(out, "w") as f:
        f.write("/* The release key's public half (scripts/ota-sign.py pubkey): images are checked\n"
                " * against it before they are marked for trial. Generated; do not edit. */\n"
                "#include <stdint.h>\n\n"
                f"const uint8_t wf_ota_pubkey[65] = {{{body}}};\n")


def slot_of(elf):
    nm = shutil.which("arm-none-eabi-nm") or fail("arm-none-eabi-nm not found")
    out = subprocess.run([nm, elf], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == "wf_ota_slot_addr":
            return int(parts[0], 16)
    fail(f"{elf}: no wf_ota_slot_addr symbol: not linked for an update slot")


def payload_of(elf):
    objcopy = shutil.which("arm-none-eabi-objcopy") or fail("arm-none-eabi-objcopy not found")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "p.bin")
        subprocess.run([objcopy, "-O", "binary", elf, out], check=True)
        with open(out, "rb") as f:
            return f.read()


def header(version, size, slot, flags, board, build):
    if len(board.encode()) >= 24 or len(build.encode()) > 32:
        fail("--board is at most 23 bytes, --build 32")
    return struct.pack("<IHHIIII24s32s", MAGIC, HEADER_VERSION, HEADER_SIZE, version, size, slot, flags,
                       board.encode(), build.encode())


def sign(args):
    key = load_key(args.key)
    if args.elf:
        slot = slot_of(args.elf)
        payload = payload_of(args.elf)
    else:
        if args.slot is None:
            fail("--payload needs --slot")
        slot = args.slot
        with open(args.payload, "rb") as f:
            payload = f.read()
    if not 0 <= args.version < 2**32:
        fail("--version: 0 .. 2^32-1")
    flags = FLAG_ALLOW_DOWNGRADE if args.allow_downgrade else 0
    head = header(args.version, len(payload), slot, flags, args.board, args.build or f"v{args.version}")
    assert len(head) == HASHED
    digest = hashlib.sha256(head + payload).digest()
    sig = key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    if len(sig) > SIG_MAX:
        fail("signature longer than 72 bytes")
    full = head + digest + struct.pack("<HH", len(sig), 0) + sig
    full += b"\xff" * (HEADER_SIZE - len(full))
    with open(args.output, "wb") as f:
        f.write(full + payload)
    print(f"ota-sign: {args.output}: {args.board} v{args.version} for the slot at 0x{slot:08X}, "
          f"{len(payload)} bytes + {HEADER_SIZE} of header, SHA-256 {digest.hex()[:16]}...")


def main():
    p = argparse.ArgumentParser(description="firmware update images (docs/ota.md)")
    sub = p.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("keygen")
    k.add_argument("key")
    pk = sub.add_parser("pubkey")
    pk.add_argument("key")
    pk.add_argument("out")
    pk.add_argument("--raw", action="store_true")
    s = sub.add_parser("sign")
    s.add_argument("--key", required=True)
    src = s.add_mutually_exclusive_group(required=True)
    src.add_argument("--elf")
    src.add_argument("--payload")
    s.add_argument("--slot", type=lambda v: int(v, 0))
    s.add_argument("--version", type=int, required=True)
    s.add_argument("--board", required=True)
    s.add_argument("--build")
    s.add_argument("--allow-downgrade", action="store_true")
    s.add_argument("-o", "--output", required=True)
    args = p.parse_args()
    try:
        if args.cmd == "keygen":
            keygen(args.key)
        elif args.cmd == "pubkey":
            pubkey_c(args.key, args.out, args.raw)
        else:
            sign(args)
    except (OSError, ValueError, subprocess.CalledProcessError) as e:
        fail(str(e))


if __name__ == "__main__":
    main()
