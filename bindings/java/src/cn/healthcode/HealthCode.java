package cn.healthcode;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/** libhealthcode for Java: key files, assessment, rendering and scanning. The classes with
 *  native handles ({@link Key}, {@link Issuer}, {@link Verifier}, {@link BundleStore},
 *  {@link Checkpoint}, {@link Repeats}, {@link Register}, {@link Sheets}) release them by
 *  close(), or by a Cleaner when one is collected unclosed. The native library is found without flags after {@code meson install}
 *  (see {@code NativeLibrary} for the order of the places tried), or at the path of the
 *  system property healthcode.jni.
 *
 *  <p>The parts: issuing ({@link Key}, {@link Issuer}, {@link Batch}, {@link Sheets}, and the
 *  issuer's {@link Register} of codes, corrections, revocations and its audit chain);
 *  verifying ({@link Verifier}, {@link BundleStore}, {@link Checkpoint} with {@link Venue}
 *  rules and a {@link Repeats} memory, {@link VerifyOptions}); and the holder's side: a code
 *  bound to a phone (a record's device_key) is shown as a live presentation made by a
 *  {@link Presenter}, which signs with a {@link Key} or with a {@link java.security.PrivateKey}
 *  (an Android Keystore key) through {@link java.security.Signature}; a checkpoint verifies
 *  it live ({@link Claims#live}) within the live window. An encrypted key file is read with
 *  {@link Key#load(String, char[])}.
 *
 *  <p>Times are epoch seconds (long) or {@link Instant}s, durations seconds or
 *  {@link java.time.Duration}s: the library counts whole seconds and never reads the clock.
 *  Every reference parameter is required (null: {@link NullPointerException} naming it)
 *  unless marked {@link Nullable}. Errors are {@link HealthCodeException}s of the error's
 *  family.
 *
 *  <p>Adding a C function: declare a {@code native} method in the class of its header's
 *  object (static, taking the handle as a long), implement it in the jni/ file of that
 *  class (jni/hcj.h lists them), and wrap it in a public method that checks its arguments
 *  with {@code Objects.requireNonNull(arg, "arg")}, calls it with {@code handle.get()} and
 *  ends with {@code Reference.reachabilityFence(this)}. */
public final class HealthCode {
    static { NativeLibrary.load(); }
    private HealthCode() {}

    /** Forces the native library to load (the static initialiser does the work). */
    static void ensureLoaded() {}

    /** The version of the C library loaded, "MAJOR.MINOR.PATCH". */
    public static String version() { return version0(); }

    /** Makes a key pair: the PKCS#8 private key written with mode 0600, the SPKI public key;
     *  an existing file at either path is never replaced (HealthCodeIOException naming it:
     *  a private key file is an issuer's signing key). Returns the kid in hex. alg is
     *  "ES256", "EdDSA" or "SM2" (see {@link Key#algSupported}). */
    public static String generateKey(String alg, String privatePath, String publicPath)
            throws HealthCodeException {
        return generateKey(alg, privatePath, publicPath, false);
    }

    /** The same; overwrite true replaces files that exist (each written atomically). */
    public static String generateKey(String alg, String privatePath, String publicPath, boolean overwrite)
            throws HealthCodeException {
        Objects.requireNonNull(alg, "alg");
        Objects.requireNonNull(privatePath, "privatePath");
        Objects.requireNonNull(publicPath, "publicPath");
        return generate0(alg, privatePath, publicPath, false, overwrite);
    }

    /** Makes a key pair inside a PKCS#11 token (RFC 7512 URI naming token= and object=,
     *  module-path= and pin-source=file:PATH, mode 0600); the private key never leaves the
     *  token, only the public key is written (never over an existing file). Returns the kid in
     *  hex. alg is "ES256" or "EdDSA". An Issuer or {@link Key#load} takes the same URI in
     *  place of a key file. */
    public static String generateKeyOnToken(String alg, String uri, String publicPath) throws HealthCodeException {
        return generateKeyOnToken(alg, uri, publicPath, false);
    }

    /** The same; overwrite true replaces an existing public key file. */
    public static String generateKeyOnToken(String alg, String uri, String publicPath, boolean overwrite)
            throws HealthCodeException {
        Objects.requireNonNull(alg, "alg");
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(publicPath, "publicPath");
        return generate0(alg, uri, publicPath, true, overwrite);
    }

    /** Assesses a record (JSON) at now (epoch seconds) under a policy file, or the built-in
     *  default when policyPath is null. An invalid record throws InvalidInputException naming
     *  the field. */
    public static Assessment assess(String recordJson, @Nullable String policyPath, long now)
            throws HealthCodeException {
        Objects.requireNonNull(recordJson, "recordJson");
        return assess0(recordJson.getBytes(StandardCharsets.UTF_8), policyPath, now);
    }

    /** The same at an Instant. */
    public static Assessment assess(String recordJson, @Nullable String policyPath, Instant now)
            throws HealthCodeException {
        Objects.requireNonNull(recordJson, "recordJson");
        return assess(recordJson, policyPath, Time.seconds(now, "now"));
    }

    /** PNG bytes of the QR code of a token (colour read from the token), scale pixels a
     *  module (1-64), error correction M, a coloured band of 2 modules. */
    public static byte[] renderPng(String token, int scale) throws HealthCodeException {
        return render0(Objects.requireNonNull(token, "token"), scale, false);
    }

    /** The same at 8 pixels a module. */
    public static byte[] renderPng(String token) throws HealthCodeException {
        return renderPng(token, 8);
    }

    /** An SVG document of the QR code of a token, as {@link #renderPng(String, int)}. */
    public static String renderSvg(String token, int scale) throws HealthCodeException {
        return new String(render0(Objects.requireNonNull(token, "token"), scale, true), StandardCharsets.UTF_8);
    }

    /** The QR version (1-40) a text needs at error correction level M. */
    public static int qrVersion(String text) throws HealthCodeException {
        return qrVersion0(Objects.requireNonNull(text, "text"));
    }

    /** Decodes a token or a live presentation WITHOUT verifying it: for display only (a
     *  presentation's {@link Claims#t} is read, and {@link Claims#live} stays false). */
    public static Claims inspect(String token) throws HealthCodeException {
        return inspect0(Objects.requireNonNull(token, "token"));
    }

    /** The text of the first QR code in a camera frame: 8-bit luminance, height rows of stride
     *  bytes (stride at least width; the last row needs only width bytes), as a grey sensor or
     *  the Y plane of NV12 / NV21 / I420 gives it. Throws InvalidInputException
     *  "no_code_found" when there is none, "invalid_argument" when y is smaller than the sizes
     *  say, and HealthCodeException "unsupported" in a build without the scan part. */
    public static String scanFrame(byte[] y, int width, int height, int stride) throws HealthCodeException {
        return scanFrame0(Objects.requireNonNull(y, "y"), 0, width, height, stride);
    }

    /** The same with rows of width bytes. */
    public static String scanFrame(byte[] y, int width, int height) throws HealthCodeException {
        return scanFrame(y, width, height, width);
    }

    /** The same from a buffer's position on: a direct buffer (Android's
     *  {@code Image.getPlanes()[0].getBuffer()}) is read in place, any other is copied. */
    public static String scanFrame(ByteBuffer y, int width, int height, int stride) throws HealthCodeException {
        Objects.requireNonNull(y, "y");
        if (y.isDirect())
            return scanFrame0(y, y.position(), width, height, stride);
        if (y.hasArray())
            return scanFrame0(Arrays.copyOfRange(y.array(), y.arrayOffset() + y.position(),
                                                 y.arrayOffset() + y.limit()), 0, width, height, stride);
        byte[] copy = new byte[y.remaining()];
        y.duplicate().get(copy);
        return scanFrame0(copy, 0, width, height, stride);
    }

    /** The text of the first QR code in a PNG image (InvalidInputException "invalid_image" for
     *  bytes that are not one, "no_code_found" when it has none). */
    public static String scanPng(byte[] png) throws HealthCodeException {
        return scanPng0(Objects.requireNonNull(png, "png"));
    }

    /** One trigger found in a record, holding or not: its code, the colour it calls for, the
     *  dates it applies between (YYYY-MM-DD, "" when open), the record field it comes from,
     *  and sentences in Chinese and English. */
    public static final class Reason {
        /** The trigger: "high_risk_travel", "close_contact", "fever", … */
        public final String code;
        /** The colour the trigger calls for: "green", "yellow" or "red". */
        public final String colour;
        /** The first day it applies (YYYY-MM-DD), "" when open. */
        public final String from;
        /** The day it stops applying (YYYY-MM-DD), "" when open. */
        public final String until;
        /** The record field it comes from ("travel[0].to"). */
        public final String field;
        /** The sentence in Chinese. */
        public final String zh;
        /** The sentence in English. */
        public final String en;
        /** true if it holds at the instant of assessment. */
        public final boolean holds;

        Reason(String code, String colour, boolean holds, String from, String until, String field,
               String zh, String en) {
            this.code = code; this.colour = colour; this.holds = holds; this.from = from;
            this.until = until; this.field = field; this.zh = zh; this.en = en;
        }

        /** "Reason{high_risk_travel red, holds=false, 2020-01-21..2020-02-04, field=travel[0].to}". */
        @Override public String toString() {
            return "Reason{" + code + " " + colour + ", holds=" + holds + ", " + (from.isEmpty() ? "…" : from) + ".."
                + (until.isEmpty() ? "…" : until) + ", field=" + field + "}";
        }
    }

    /** The colour, when it may change, and why. */
    public static final class Assessment {
        /** "green", "yellow" or "red". */
        public final String colour;
        /** When the colour may change, epoch seconds; 0: not expected to. */
        public final long until;
        /** Every trigger found, holding or not. */
        public final Reason[] reasons;

        Assessment(String colour, long until, Reason[] reasons) {
            this.colour = colour; this.until = until; this.reasons = reasons;
        }

        /** {@link #until} as an Instant; null when the colour is not expected to change. */
        public Instant untilInstant() { return until == 0 ? null : Instant.ofEpochSecond(until); }

        /** "Assessment{green, until 2020-02-06T16:00:00Z, 3 reasons}". */
        @Override public String toString() {
            return "Assessment{" + colour + ", " + (until == 0 ? "no change expected" : "until " + Time.iso(until))
                + ", " + reasons.length + (reasons.length == 1 ? " reason}" : " reasons}");
        }
    }

    /** What a token (or a live presentation of one) says; {@link #verified} is false for
     *  {@link #inspect}. kid, cti and sub are lower-case hex (sub "" when the token has none);
     *  name and document are masked ("" when absent); region is 0 when absent. A token bound to
     *  the holder's phone ({@link #bound}, doc/format.md "Holder binding") and shown as a live
     *  presentation ("HCLIVE1:", made by a {@link Presenter}) that passed its checks is
     *  {@link #live}, made at {@link #t}. */
    public static final class Claims {
        /** The issuer ("CN-330000"). */
        public final String iss;
        /** "green", "yellow" or "red". */
        public final String colour;
        /** The signing key's id, 16 hex digits. */
        public final String kid;
        /** The token's id, 16 hex digits (what a revocation list names). */
        public final String cti;
        /** The subject pseudonym, 32 hex digits, "" when the token has none. */
        public final String sub;
        /** The masked name ("张*"), "" when absent. */
        public final String name;
        /** The masked document number ("33**************30"), "" when absent. */
        public final String document;
        /** The signature algorithm: "ES256", "EdDSA" or "SM2". */
        public final String alg;
        /** Issued at, epoch seconds. */
        public final long iat;
        /** Expires at, epoch seconds. */
        public final long exp;
        /** The region code of residence (GB/T 2260), 0 when absent. */
        public final int region;
        /** true for an international (entry) code. */
        public final boolean international;
        /** true if the signature and every step of verification passed. */
        public final boolean verified;
        /** true if the token is bound to a device key (its cnf claim): only that device can
         *  show it live. A paper code is not bound. */
        public final boolean bound;
        /** The algorithm of the device key a bound token names ("ES256", "EdDSA" or "SM2"):
         *  a presentation must be signed with it; "" when not bound. */
        public final String deviceAlg;
        /** true if the text was a live presentation ("HCLIVE1:") whose shape was read
         *  ({@link #t} is then its time); for {@link #inspect}, nothing of it is checked. */
        public final boolean presented;
        /** true if the text was a live presentation that passed every check: the device's
         *  signature, and {@link #t} within the live window of the verification's now. */
        public final boolean live;
        /** The instant the presentation was made, epoch seconds; 0 when the text was not a
         *  presentation ({@link #presented} false). */
        public final long t;

        Claims(String iss, String colour, String kid, String cti, String sub, String name,
               String document, String alg, long iat, long exp, int region, int knd,
               boolean verified, boolean bound, String deviceAlg, boolean presented, boolean live, long t) {
            this.iss = iss; this.colour = colour; this.kid = kid; this.cti = cti; this.sub = sub;
            this.name = name; this.document = document; this.alg = alg; this.iat = iat;
            this.exp = exp; this.region = region; this.international = knd == 1;
            this.verified = verified; this.bound = bound; this.deviceAlg = deviceAlg;
            this.presented = presented; this.live = live; this.t = t;
        }

        /** {@link #iat} as an Instant. */
        public Instant issuedAt() { return Instant.ofEpochSecond(iat); }

        /** {@link #exp} as an Instant. */
        public Instant expiresAt() { return Instant.ofEpochSecond(exp); }

        /** {@link #t} as an Instant; null when the text was not a presentation. */
        public Instant presentedAt() { return presented ? Instant.ofEpochSecond(t) : null; }

        /** "Claims{verified green from CN-330000, ES256 kid …, cti …, 2020-02-05T02:00:00Z to
         *  2020-02-06T02:00:00Z, name 张*, document 33**************30, region 330402, bound
         *  ES256, live at 2020-02-05T02:00:10Z}": what the token shows on its face (name and
         *  document are masked in the token itself); "presented at" for a presentation read
         *  but not verified live. */
        @Override public String toString() {
            StringBuilder b = new StringBuilder("Claims{").append(verified ? "verified " : "UNVERIFIED ")
                .append(colour).append(" from ").append(iss).append(", ").append(alg).append(" kid ").append(kid)
                .append(", cti ").append(cti).append(", ").append(Time.iso(iat)).append(" to ").append(Time.iso(exp));
            if (!name.isEmpty()) b.append(", name ").append(name);
            if (!document.isEmpty()) b.append(", document ").append(document);
            if (region != 0) b.append(", region ").append(region);
            if (international) b.append(", international");
            if (!sub.isEmpty()) b.append(", sub ").append(sub);
            if (bound) b.append(", bound ").append(deviceAlg);
            if (presented) b.append(live ? ", live at " : ", presented at ").append(Time.iso(t));
            return b.append('}').toString();
        }
    }

    private static native String version0();
    /** where: the private key's path, or with onToken the pkcs11: URI to make the pair at. */
    private static native String generate0(String alg, String where, String publicPath, boolean onToken,
                                           boolean overwrite) throws HealthCodeException;
    private static native Assessment assess0(byte[] recordJson, String policyPath, long now)
        throws HealthCodeException;
    private static native byte[] render0(String token, int scale, boolean svg) throws HealthCodeException;
    private static native int qrVersion0(String text) throws HealthCodeException;
    private static native Claims inspect0(String token) throws HealthCodeException;
    /** y: a byte[] or a direct ByteBuffer. */
    private static native String scanFrame0(Object y, int offset, int width, int height, int stride)
        throws HealthCodeException;
    private static native String scanPng0(byte[] png) throws HealthCodeException;
}
