#!/usr/bin/env bash
# profile-breakdown.sh FILE.folded PHASE
# A phase's instructions by category, from the folded stacks that
# `wf-board-emu --profile FILE` writes: each stack goes to the first category
# (in the order below) one of whose functions it contains, else "other".
# The categories are patterns on mbedTLS's and our function names.
set -euo pipefail
folded=$1 phase=$2
[[ -f $folded ]] || { echo "profile-breakdown: no file $folded" >&2; exit 1; }
awk -v phase="$phase" '
BEGIN {
  n = 0
  cat[++n] = "ECDHE (X25519 / P-256 key generation and shared secret)"; re[n] = "(^|;)(ecp_|mbedtls_ecp_|mbedtls_ecdh|psa_raw_key_agreement|psa_export_public_key|psa_generate_key)"
  cat[++n] = "RSA verifies (certificate signatures, CertificateVerify)"; re[n] = "(^|;)(mbedtls_rsa_|rsa_)"
  cat[++n] = "ECDSA verifies"; re[n] = "(^|;)(mbedtls_ecdsa_|ecdsa_)"
  cat[++n] = "X.509 parsing and chain checks"; re[n] = "(^|;)(mbedtls_x509|x509_|mbedtls_asn1|asn1_|mbedtls_pk_parse|pk_parse|mbedtls_oid)"
  cat[++n] = "record crypto (AEAD: AES-GCM, ChaCha20-Poly1305)"; re[n] = "(^|;)(mbedtls_gcm|gcm_|mbedtls_aes|aes_|mbedtls_chacha|chacha|mbedtls_poly1305|poly1305|mbedtls_cipher|psa_aead|mbedtls_psa_aead|ssl_encrypt_buf|mbedtls_ssl_encrypt_buf|mbedtls_ssl_decrypt_buf)"
  cat[++n] = "hashing (transcript, HKDF, HMAC)"; re[n] = "(^|;)(mbedtls_sha|sha256|sha512|mbedtls_md|md_|psa_hash|mbedtls_psa_hash|psa_key_derivation|hkdf|mbedtls_hkdf|mbedtls_ssl_tls13_hkdf|hmac)"
  cat[++n] = "polling the chip (driver, SPI, waits)"; re[n] = "(^|;)(w5100_|w5500_|wf_chip_|stm32f4_port_spi|stm32f4_millis|stm32f4_port_delay|frame$|frame;)"
  other = n + 1; cat[other] = "other (handshake logic, heap, memcpy/memset outside the above)"
}
index($0, phase ";") == 1 {
  cnt = $NF; stack = $0; sub(/ [0-9]+$/, "", stack)
  c = other
  for (i = 1; i <= n; i++) if (stack ~ re[i]) { c = i; break }
  sum[c] += cnt; total += cnt
}
END {
  if (total == 0) { printf "profile-breakdown: no stacks of phase %s\n", phase > "/dev/stderr"; exit 1 }
  printf "%-66s %14s %7s\n", "phase " phase " by category", "instructions", "share"
  for (i = 1; i <= other; i++) printf "%-66s %14d %6.1f%%\n", cat[i], sum[i], 100 * sum[i] / total
  printf "%-66s %14d %6.1f%%\n", "total", total, 100
}' "$folded"
