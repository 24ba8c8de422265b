package cn.healthcode;

/** libhealthcode for Java: keys, assessment, rendering. Handles of the other classes
 *  ({@link Issuer}, {@link Verifier}, {@link Checkpoint}) are released by close(), or by a
 *  Cleaner when one is collected unclosed. The native library is found without flags after
 *  {@code meson install} (see {@code NativeLibrary} for the order of the places tried), or at
 *  the path of the system property healthcode.jni.
 *
 *  <p>Adding a C function: declare a {@code native} method in the class of its header's
 *  object (static, taking the handle as a long), implement it in jni/healthcode_jni.c, and
 *  wrap it in a public method that calls it with {@code handle.get()} and ends with
 *  {@code Reference.reachabilityFence(this)}. */
public final class HealthCode {
    static { NativeLibrary.load(); }
    private HealthCode() {}

    /** Forces the native library to load (the static initialiser does the work). */
    static void ensureLoaded() {}

    public static native String version();

    /** Makes a key pair: PKCS#8 private key written with mode 0600, SPKI public key.
     *  Returns the kid in hex. alg is "ES256", "EdDSA" or "SM2". */
    public static native String generateKey(String alg, String privatePath, String publicPath)
        throws HealthCodeException;

    /** Makes a key pair inside a PKCS#11 token (RFC 7512 URI naming token= and object=,
     *  module-path= and pin-source=file:PATH, mode 0600); the private key never leaves the
     *  token, only the public key is written. Returns the kid in hex. alg is "ES256" or
     *  "EdDSA". An Issuer takes the same URI in place of a key file. */
    public static native String generateKeyOnToken(String alg, String uri, String publicPath)
        throws HealthCodeException;

    /** Assesses a record (JSON) under a policy file, or the built-in default when policyPath
     *  is null. An invalid record throws InvalidInputException naming the field. */
    public static Assessment assess(String recordJson, String policyPath, long now)
            throws HealthCodeException {
        return assess(recordJson.getBytes(java.nio.charset.StandardCharsets.UTF_8), policyPath, now);
    }
    private static native Assessment assess(byte[] recordJson, String policyPath, long now)
        throws HealthCodeException;

    /** PNG bytes of the QR code of a token (colour read from the token), scale pixels a
     *  module (1-64), error correction M, a coloured band of 2 modules. */
    public static native byte[] renderPng(String token, int scale) throws HealthCodeException;

    /** The same at 8 pixels a module. */
    public static byte[] renderPng(String token) throws HealthCodeException {
        return renderPng(token, 8);
    }

    /** Decodes WITHOUT verifying: for display only. */
    public static native Claims inspect(String token) throws HealthCodeException;

    /** One trigger found in a record. */
    public static final class Reason {
        public final String code, colour, from, until, field, zh, en;
        public final boolean holds;
        Reason(String code, String colour, boolean holds, String from, String until, String field,
               String zh, String en) {
            this.code = code; this.colour = colour; this.holds = holds; this.from = from;
            this.until = until; this.field = field; this.zh = zh; this.en = en;
        }
    }

    /** The colour, when it may change (epoch seconds, 0: not expected to) and why. */
    public static final class Assessment {
        public final String colour;
        public final long until;
        public final Reason[] reasons;
        Assessment(String colour, long until, Reason[] reasons) {
            this.colour = colour; this.until = until; this.reasons = reasons;
        }
    }

    /** What a token says; {@link #verified} is false for {@link #inspect}. kid, cti and sub
     *  are lower-case hex (sub "" when the token has none); name and document are masked
     *  ("" when absent); region is 0 when absent. */
    public static final class Claims {
        public final String iss, colour, kid, cti, sub, name, document, alg;
        public final long iat, exp;
        public final int region;
        public final boolean international, verified;
        Claims(String iss, String colour, String kid, String cti, String sub, String name,
               String document, String alg, long iat, long exp, int region, int knd,
               boolean verified) {
            this.iss = iss; this.colour = colour; this.kid = kid; this.cti = cti; this.sub = sub;
            this.name = name; this.document = document; this.alg = alg; this.iat = iat;
            this.exp = exp; this.region = region; this.international = knd == 1;
            this.verified = verified;
        }
    }
}
