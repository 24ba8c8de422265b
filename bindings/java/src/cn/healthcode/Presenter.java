package cn.healthcode;

import java.lang.ref.Reference;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.security.interfaces.ECKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/** The holder's side of a code bound to a phone (doc/format.md, "Holder binding and live
 *  presentations"): makes the live presentation "HCLIVE1:…" of a bound token, signed by the
 *  device key over the token and the current second, which the app shows instead of the token
 *  and remakes every few seconds. A checkpoint verifies it ({@link Verifier#verify(String,
 *  long, VerifyOptions)}): a screenshot is stale within the live window (60 s), and a copied
 *  token is useless without the device key.
 *
 *  <p>The device key is a {@link Key}, or a {@link PrivateKey} that signs through
 *  {@link Signature} — so a key that never leaves an Android Keystore (or any provider's
 *  hardware) works unchanged:
 *  <pre>{@code
 *  KeyStore ks = KeyStore.getInstance("AndroidKeyStore"); ks.load(null);
 *  Presenter p = new Presenter((PrivateKey) ks.getKey("healthcode-device", null));
 *  String live = p.present(token, Instant.now());     // show HealthCode.renderPng(live)
 *  }</pre>
 *  The token is issued for that device: its record's device_key is the device's public key
 *  as base64 of its SubjectPublicKeyInfo DER, which {@code PublicKey.getEncoded()} gives.
 *
 *  <p>Algorithms, by the key: ES256 for an "EC" key on P-256 ({@code SHA256withECDSA}, the DER
 *  signature converted to r || s); EdDSA for an "EdDSA"/"Ed25519" key ({@code Ed25519}: Java 15
 *  or later, or a provider that has it; on Java 11 the constructor throws "unsupported" saying
 *  so); SM2 for an "SM2" key or an "EC" key on the SM2 curve ({@code SM3withSM2}, where a
 *  provider has it: desktop JDKs have none, and the constructor throws "unsupported" saying
 *  so). Each signs the presentation's whole Sig_structure, never a digest. A {@link Signer}
 *  reaches any other keystore.
 *
 *  <p>Immutable and thread-safe (each presentation gets its own Signature). A Key given must
 *  stay open while the Presenter is used. */
public final class Presenter {
    static { HealthCode.ensureLoaded(); }

    /** Signs the bytes of a presentation with the device key: the Sig_structure (RFC 9052
     *  §4.4), the whole message, never a digest; returns the 64-byte signature as COSE writes
     *  it: r || s (32 bytes each, big-endian, left-padded with zeros) for ES256 and SM2 (SM3
     *  with the ID "1234567812345678"), R || S of Ed25519 for EdDSA. Whatever it throws is what
     *  {@link #present} throws. */
    @FunctionalInterface
    public interface Signer {
        /** The signature of message (see the interface). */
        byte[] sign(byte[] message) throws GeneralSecurityException;
    }

    // which algorithm, for the choices made here (the native call takes alg()'s name)
    private static final int ES256 = -7, EDDSA = -8, SM2 = -65537;
    /** The order of P-256's base point, and of SM2's (GB/T 32918.5). */
    private static final BigInteger P256_N =
        new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);
    private static final BigInteger SM2_N =
        new BigInteger("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16);

    private final Key key;         // one of key, privateKey and signer
    private final PrivateKey privateKey;
    private final Provider provider;
    private final Signer signer;
    private final int alg;
    private final String via;      // for toString

    /** A presenter signing with a device {@link Key} (a private key: ES256, EdDSA or SM2). */
    public Presenter(Key device) throws HealthCodeException {
        this.key = Objects.requireNonNull(device, "device");
        this.privateKey = null;
        this.provider = null;
        this.signer = null;
        this.via = "Key";
        this.alg = algNumber(device.alg());
        if (!device.isPrivate())
            throw HealthCodeException.of(HealthCodeException.E_KEY, "invalid_key",
                                         "this is a public key; a presentation is signed with the device's private key",
                                         "", 0);
    }

    /** A presenter signing with a java.security private key through {@link Signature}, its
     *  provider chosen by the key (an Android Keystore key signs inside the keystore). The
     *  algorithm comes from the key (see the class comment): another kind of key (RSA, P-384)
     *  throws KeyException "invalid_key"; an algorithm this JVM cannot sign with throws
     *  HealthCodeException "unsupported" saying why. */
    public Presenter(PrivateKey device) throws HealthCodeException {
        this(Objects.requireNonNull(device, "device"), (Provider) null);
    }

    /** The same, signing with that provider's Signature. */
    public Presenter(PrivateKey device, @Nullable Provider provider) throws HealthCodeException {
        this.privateKey = Objects.requireNonNull(device, "device");
        this.provider = provider;
        this.key = null;
        this.signer = null;
        this.via = "java.security";
        this.alg = algOf(device);
        try {
            signature();
        } catch (NoSuchAlgorithmException e) {
            throw unsupported(jcaName(alg), provider);
        }
    }

    /** A Signature of the key's algorithm, from the provider given, or (none) from the first
     *  provider that takes the key when it is initialised (an Android Keystore key: its own). */
    private Signature signature() throws NoSuchAlgorithmException {
        String jca = jcaName(alg);
        return provider == null ? Signature.getInstance(jca) : Signature.getInstance(jca, provider);
    }

    /** The java.security path: the whole message signed, a DER ECDSA signature made r || s. */
    private byte[] signWithKey(byte[] message) throws HealthCodeException, GeneralSecurityException {
        Signature s = signature();
        s.initSign(privateKey);
        s.update(message);
        byte[] sig = s.sign();
        return alg == EDDSA ? sig : rawOfDer(sig);
    }

    /** A presenter signing through signer, whose key is of algorithm alg ("ES256", "EdDSA" or
     *  "SM2"; another name throws InvalidInputException "invalid_argument"). */
    public Presenter(Signer signer, String alg) throws HealthCodeException {
        this.signer = Objects.requireNonNull(signer, "signer");
        this.key = null;
        this.privateKey = null;
        this.provider = null;
        this.via = "Signer";
        this.alg = algNumber(Objects.requireNonNull(alg, "alg"));
    }

    /** The device key's algorithm: "ES256", "EdDSA" or "SM2". */
    public String alg() { return alg == ES256 ? "ES256" : alg == EDDSA ? "EdDSA" : "SM2"; }

    /** The live presentation ("HCLIVE1:…") of token at t (epoch seconds, 0 or more; the
     *  caller's clock: the checkpoint's must be within the live window of it). The token must
     *  be bound to this device key: one bound to nothing throws PresentationRejectedException
     *  "unbound_token", one bound to a key of another algorithm "device_algorithm_mismatch",
     *  one bound to another key of the same algorithm KeyException "invalid_key" (with a
     *  {@link Key}) or "bad_device_signature" (the signature is checked against the token's
     *  key before the presentation is made, so a signature in the wrong form, or by another
     *  key, never leaves as a presentation every checkpoint would refuse). What the Signature
     *  or the Signer throws (a keystore that wants the user to authenticate, a cancelled
     *  prompt) is thrown as it is. The token's issuer signature is not checked: the holder has
     *  no trust store. */
    public String present(String token, long t) throws HealthCodeException, GeneralSecurityException {
        Objects.requireNonNull(token, "token");
        if (key != null) {
            try {
                return presentKey0(token, key.handle(), t);
            } finally {
                Reference.reachabilityFence(key);
            }
        }
        return presentSigner0(token, alg(), this, t);
    }

    /** The same at an Instant (whole seconds). */
    public String present(String token, Instant t) throws HealthCodeException, GeneralSecurityException {
        Objects.requireNonNull(token, "token");
        return present(token, Time.seconds(t, "t"));
    }

    /** "Presenter{ES256, java.security}", "Presenter{EdDSA, Key}", "Presenter{SM2, Signer}". */
    @Override public String toString() {
        return "Presenter{" + alg() + ", " + via + "}";
    }

    /** Called by the native layer, on the thread of present(), with the bytes to sign. */
    private byte[] signForNative(byte[] message) throws HealthCodeException, GeneralSecurityException {
        byte[] sig = privateKey != null ? signWithKey(message) : signer.sign(message);
        if (sig == null || sig.length != 64)
            throw HealthCodeException.of(E_DEVICE_SIGNATURE, "bad_device_signature", "the signer returned "
                + (sig == null ? "null" : sig.length + " bytes") + ", not the 64 bytes of " + (alg == EDDSA
                ? "an Ed25519 signature" : "r || s"), "", 0);
        return sig;
    }

    private static final int E_DEVICE_SIGNATURE = 52;

    /** r || s (32 bytes each) of a DER ECDSA-Sig-Value, SEQUENCE { INTEGER r, INTEGER s }, as
     *  SHA256withECDSA and SM3withSM2 return it; anything else is a bad device signature. */
    static byte[] rawOfDer(byte[] der) throws HealthCodeException {
        byte[] out = new byte[64];
        int[] at = {0};
        if (der.length < 8 || der[0] != 0x30 || length(der, at, 1) != der.length - at[0]
                || !integer(der, at, out, 0) || !integer(der, at, out, 32) || at[0] != der.length)
            throw HealthCodeException.of(E_DEVICE_SIGNATURE, "bad_device_signature", "the Signature returned "
                + der.length + " bytes that are not a DER ECDSA signature (SEQUENCE of two INTEGERs)", "", 0);
        return out;
    }

    /** The DER length at der[i] (short form, or 0x81 n); at[0] is set past it. -1 if bad. */
    private static int length(byte[] der, int[] at, int i) {
        if (i >= der.length) return -1;
        int b = der[i] & 0xff;
        if (b < 0x80) { at[0] = i + 1; return b; }
        if (b != 0x81 || i + 1 >= der.length || (der[i + 1] & 0xff) < 0x80) return -1;
        at[0] = i + 2;
        return der[i + 1] & 0xff;
    }

    /** Reads an INTEGER at at[0] into out[off..off+32), left-padded; false if it is not a
     *  positive INTEGER of at most 32 significant bytes. */
    private static boolean integer(byte[] der, int[] at, byte[] out, int off) {
        int i = at[0];
        if (i >= der.length || der[i] != 0x02) return false;
        int n = length(der, at, i + 1);
        int start = at[0];
        if (n < 1 || start + n > der.length || (der[start] & 0x80) != 0) return false;
        int from = start, end = start + n;
        while (from < end - 1 && der[from] == 0) from++;
        if (end - from > 32) return false;
        System.arraycopy(der, from, out, off + 32 - (end - from), end - from);
        at[0] = end;
        return true;
    }

    /** The hc_alg value of "ES256", "EdDSA" or "SM2". */
    private static int algNumber(String name) throws HealthCodeException {
        switch (name.toUpperCase(java.util.Locale.ROOT)) {
            case "ES256": return ES256;
            case "EDDSA": return EDDSA;
            case "SM2": return SM2;
            default:
                throw HealthCodeException.of(HealthCodeException.E_ARG, "invalid_argument", "the algorithm \""
                    + name + "\" is not ES256, EdDSA or SM2", "alg", 0);
        }
    }

    /** The algorithm of a java.security key: by its name, and for "EC" by its curve's order. */
    private static int algOf(PrivateKey k) throws HealthCodeException {
        String name = String.valueOf(k.getAlgorithm());
        switch (name.toUpperCase(java.util.Locale.ROOT)) {
            case "EDDSA": case "ED25519": return EDDSA;
            case "SM2": return SM2;
            case "EC": case "ECDSA":
                if (!(k instanceof ECKey) || ((ECKey) k).getParams() == null) return ES256;   // the curve is hidden
                BigInteger n = ((ECKey) k).getParams().getOrder();
                if (n.equals(P256_N)) return ES256;
                if (n.equals(SM2_N)) return SM2;
                throw HealthCodeException.of(HealthCodeException.E_KEY, "invalid_key", "an EC key on a curve of "
                    + n.bitLength() + "-bit order other than P-256 and SM2: device keys are P-256, Ed25519 or SM2",
                    "", 0);
            default:
                throw HealthCodeException.of(HealthCodeException.E_KEY, "invalid_key", "a key of algorithm " + name
                    + ": device keys are P-256 (EC), Ed25519 or SM2", "", 0);
        }
    }

    private static String jcaName(int alg) {
        return alg == ES256 ? "SHA256withECDSA" : alg == EDDSA ? "Ed25519" : "SM3withSM2";
    }

    /** Why this JVM cannot sign with jca ("unsupported"). */
    private static HealthCodeException unsupported(String jca, Provider provider) {
        String providers = provider != null ? provider.getName()
            : String.join(", ", Arrays.stream(Security.getProviders()).map(Provider::getName).toArray(String[]::new));
        String why = jca.equals("Ed25519")
            ? "Ed25519 signatures need Java 15 or later, or a security provider that has them"
            : jca.equals("SM3withSM2")
            ? "SM2 device keys need a security provider with the SM3withSM2 signature (SM2 with SM3 and the ID "
              + "1234567812345678), and desktop JDKs have none: add one (Security.addProvider), or sign through "
              + "a Presenter.Signer"
            : "no security provider has " + jca;
        return HealthCodeException.of(E_UNSUPPORTED, "unsupported", why + " (this JVM: Java "
            + System.getProperty("java.version") + ", providers " + providers + ")", "", 0);
    }

    private static final int E_UNSUPPORTED = 5;

    private static native String presentKey0(String token, long key, long t) throws HealthCodeException;
    /** Calls presenter.signForNative from the library's signer callback. */
    private static native String presentSigner0(String token, String alg, Presenter presenter, long t)
        throws HealthCodeException, GeneralSecurityException;
}
