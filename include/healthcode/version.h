/*
 * healthcode/version.h — the ABI version of libhealthcode.
 *
 * HC_SOVERSION is the shared library's soversion (libhealthcode.so.N): it
 * changes, and only changes, when a release breaks the ABI (an exported
 * function removed or changed, an hc_err value renumbered, a public struct
 * reshaped). meson reads it from here, so the header and the file name can
 * never disagree. This header includes nothing.
 */
#ifndef HEALTHCODE_VERSION_H
#define HEALTHCODE_VERSION_H

#define HC_SOVERSION 1

#endif
