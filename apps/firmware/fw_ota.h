/**
 * @file fw_ota.h
 * @brief The firmware's side of an update (docs/ota.md), in an image linked for
 * an update slot (WF_FW_OTA): says at boot which image runs; confirms it after a
 * healthy fetch; resets an image on trial that keeps failing (the bootloader
 * counts its boots and rolls it back); and installs an update: the download goes
 * into the inactive slot (fw_ota_sink), then fw_ota_install verifies it (header,
 * board, slot, size, version, SHA-256, signature), marks it for trial and resets.
 * Any refusal leaves the running image and its slot untouched and is said on the
 * console ("ota: refused ...").
 */
#ifndef FW_OTA_H
#define FW_OTA_H

#include <stddef.h>
#include <stdint.h>

#include "wizfetch/ota_download.h"

/** Console lines go through `say` (printf-like, one line). Says which image runs. */
void fw_ota_boot(void (*say)(const char *fmt, ...));

/** The health check passed: confirm the running image (mark it first if it runs as flashed). */
void fw_ota_healthy(void);

/** The health check failed: an image on trial resets (the bootloader counts its boots). */
void fw_ota_unhealthy(void);

/**
 * The update's URL: `template` with "%s" replaced by the inactive slot's letter
 * ("a" or "b"), into `buf`. NULL (said why) when there is nothing to do: no
 * template, or the running image is not confirmed yet.
 */
const char *fw_ota_url(const char *template_url, char *buf, size_t cap);

/**
 * The inactive slot as a download's sink: the first 512 bytes (the header) are
 * held in RAM and checked (board, slot, size, version, an image rolled back
 * before) before the first erase; then erases as the writes reach each sector.
 * A refusal is a WF_EINVAL from the sink's write (fw_ota_say_refusal says why).
 */
void fw_ota_sink(struct wf_ota_sink *sink);

/** Says why the sink refused the image (nothing when it did not). */
void fw_ota_say_refusal(void);

/**
 * After a download of `size` bytes into the sink: verify, mark for trial, reset
 * (does not return then). Returns a negative WF_E* code when refused or when the
 * flash failed (said on the console).
 */
int fw_ota_install(uint32_t size);

#endif
