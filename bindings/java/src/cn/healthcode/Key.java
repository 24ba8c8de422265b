package cn.healthcode;

import java.lang.ref.Reference;
import java.util.Objects;

/** A signing (private) or verification (public) key: ES256 (P-256), EdDSA (Ed25519) or SM2
 *  (SM2 with SM3, where this OpenSSL has it: {@link #algSupported}). A private key may live
 *  inside a PKCS#11 token ({@code Key.load("pkcs11:…")}): it signs there and is never
 *  exported. Holds a native handle: close() it (try-with-resources); one never closed is
 *  freed by a Cleaner after the collector finds it unreachable. Immutable: a Key may be
 *  shared by threads, and an {@link Issuer}, {@link Verifier} or {@link BundleStore} made
 *  with it keeps its own reference, so it may be closed once they are made. No method ever
 *  returns or prints private key material. */
public final class Key implements AutoCloseable {
    static { HealthCode.ensureLoaded(); }
    private final NativeHandle handle;

    private Key(long h) { handle = new NativeHandle(this, h, Key::free0); }

    /** true if this library's OpenSSL can sign and verify with alg ("SM2" may be missing;
     *  "ES256" and "EdDSA" never are). An unknown name throws InvalidInputException. */
    public static boolean algSupported(String alg) throws HealthCodeException {
        return algSupported0(Objects.requireNonNull(alg, "alg"));
    }

    /** A new private key: "ES256", "EdDSA" or "SM2" (case-insensitive). */
    public static Key generate(String alg) throws HealthCodeException {
        return new Key(generate0(Objects.requireNonNull(alg, "alg")));
    }

    /** Reads a key file (PKCS#8 private or SPKI public PEM; a private key readable by group
     *  or others is refused with KeyException "key_permissions"), or a key on a token named by
     *  an RFC 7512 URI ("pkcs11:token=…;object=…?module-path=…&amp;pin-source=file:…"). A
     *  missing file throws HealthCodeIOException naming it. */
    public static Key load(String path) throws HealthCodeException {
        return new Key(load0(Objects.requireNonNull(path, "path")));
    }

    /** Reads a key file that may be encrypted (PKCS#8 "ENCRYPTED PRIVATE KEY", as {@code
     *  openssl pkcs8 -topk8 -v2 aes-256-cbc} writes it, or a legacy encrypted "EC PRIVATE
     *  KEY") with its passphrase, used as UTF-8 (1 to 1023 bytes; an unpaired surrogate is
     *  refused). The copies this call makes are wiped once the key is read; the caller
     *  wipes its own array ({@code Arrays.fill(passphrase, '\0')}). A key that is not
     *  encrypted loads as {@link #load(String)}; an encrypted one with an empty or wrong
     *  passphrase (or without one, through load(String)) throws KeyException "key_encrypted"
     *  naming the file. The file's mode is checked as for load(String). */
    public static Key load(String path, char[] passphrase) throws HealthCodeException {
        Objects.requireNonNull(path, "path");
        return new Key(loadPass0(path, Objects.requireNonNull(passphrase, "passphrase"), false));
    }

    /** A key from PEM text: PKCS#8 private or SPKI public. An encrypted key throws KeyException
     *  "key_encrypted": see {@link #fromPem(String, char[])}. */
    public static Key fromPem(String pem) throws HealthCodeException {
        return new Key(fromPem0(Objects.requireNonNull(pem, "pem")));
    }

    /** A key from PEM text that may be encrypted, with its passphrase, as
     *  {@link #load(String, char[])}. */
    public static Key fromPem(String pem, char[] passphrase) throws HealthCodeException {
        Objects.requireNonNull(pem, "pem");
        return new Key(loadPass0(pem, Objects.requireNonNull(passphrase, "passphrase"), true));
    }

    /** A new key pair made on the token the URI names (object= is its label; "ES256" or
     *  "EdDSA"): only the public half ever leaves it ({@link #savePublic} it for the trust
     *  list). A key of that label already on the token is refused. */
    public static Key generateOnToken(String uri, String alg) throws HealthCodeException {
        Objects.requireNonNull(uri, "uri");
        return new Key(generateOnToken0(uri, Objects.requireNonNull(alg, "alg")));
    }

    /** Writes the private key as PKCS#8 PEM, mode 0600, atomically; never over an existing
     *  file (HealthCodeIOException naming it, the file unchanged). A public key, or a key on a
     *  token, has no private half to write (KeyException). */
    public void savePrivate(String path) throws HealthCodeException { save(path, true, false); }

    /** The same; overwrite true replaces a file there. */
    public void savePrivate(String path, boolean overwrite) throws HealthCodeException { save(path, true, overwrite); }

    /** Writes the public key as SPKI PEM, mode 0644, atomically; never over an existing file. */
    public void savePublic(String path) throws HealthCodeException { save(path, false, false); }

    /** The same; overwrite true replaces a file there. */
    public void savePublic(String path, boolean overwrite) throws HealthCodeException { save(path, false, overwrite); }

    private void save(String path, boolean priv, boolean overwrite) throws HealthCodeException {
        Objects.requireNonNull(path, "path");
        try {
            save0(handle.get(), path, priv, overwrite);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The public key as SPKI PEM text. */
    public String publicPem() throws HealthCodeException {
        try {
            return publicPem0(handle.get());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The 8-byte key id that tokens carry (doc/format.md), as 16 hex digits. */
    public String kid() throws HealthCodeException {
        try {
            return kid0(handle.get());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** "ES256", "EdDSA" or "SM2". */
    public String alg() {
        try {
            return alg0(handle.get());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** true for a signing key (a key on a token too), false for a public key. */
    public boolean isPrivate() {
        try {
            return isPrivate0(handle.get());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The native handle, for a native call of this package (the caller keeps this Key reachable). */
    long handle() { return handle.get(); }

    /** "Key{ES256 private, kid 0123456789abcdef}" (never key material); "Key{closed}". */
    @Override public String toString() {
        try {
            return "Key{" + alg() + (isPrivate() ? " private" : " public") + ", kid " + kid() + "}";
        } catch (IllegalStateException e) {
            return "Key{closed}";
        } catch (HealthCodeException e) {
            return "Key{" + e.name + "}";
        }
    }

    /** Releases the native key (a key on a token: its session, once no Issuer uses it). */
    @Override public void close() { handle.close(); }

    private static native boolean algSupported0(String alg) throws HealthCodeException;
    private static native long generate0(String alg) throws HealthCodeException;
    private static native long load0(String path) throws HealthCodeException;
    private static native long fromPem0(String pem) throws HealthCodeException;
    /** pem false: src is a path. */
    private static native long loadPass0(String src, char[] passphrase, boolean pem) throws HealthCodeException;
    private static native long generateOnToken0(String uri, String alg) throws HealthCodeException;
    private static native void save0(long h, String path, boolean priv, boolean overwrite)
        throws HealthCodeException;
    private static native String publicPem0(long h) throws HealthCodeException;
    private static native String kid0(long h) throws HealthCodeException;
    private static native String alg0(long h);
    private static native boolean isPrivate0(long h);
    private static native void free0(long h);
}
