/*
 * healthcode/healthcode.h — libhealthcode, the umbrella header.
 *
 * libhealthcode turns a person record into a signed green / yellow / red
 * health code (doc/format.md: "HCODE1:" || base45(COSE_Sign1(CWT))), renders it
 * as a QR image, and verifies it offline at a checkpoint.
 *
 *   issuer side:  record.h → assess.h → issue.h → render.h
 *                 (register.h: the issuer's register of codes, corrections, revocations)
 *   checkpoint:   verify.h → checkpoint.h   (scan.h reads a QR code from a camera frame or a PNG)
 *   holder:       present.h                  (a bound token shown live by the holder's device)
 *
 * Each part has its own header; this one includes those the build has
 * (healthcode/features.h says which). A verify-only build has common.h,
 * key.h, verify.h, checkpoint.h, bundle.h and present.h.
 */
#ifndef HEALTHCODE_HEALTHCODE_H
#define HEALTHCODE_HEALTHCODE_H

#include <healthcode/features.h>
#include <healthcode/common.h>
#include <healthcode/key.h>
#include <healthcode/verify.h>
#include <healthcode/checkpoint.h>
#include <healthcode/bundle.h>
#include <healthcode/present.h>
#if HC_WITH_ISSUER
#include <healthcode/record.h>
#include <healthcode/assess.h>
#include <healthcode/issue.h>
#include <healthcode/batch.h>
#endif
#if HC_WITH_REGISTER
#include <healthcode/register.h>
#endif
#if HC_WITH_RENDER
#include <healthcode/render.h>
#endif
#if HC_WITH_SHEETS
#include <healthcode/sheet.h>
#endif
#if HC_WITH_SCAN_FRAME
#include <healthcode/scan.h>
#endif

#endif
