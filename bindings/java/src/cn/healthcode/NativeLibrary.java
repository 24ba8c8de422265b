package cn.healthcode;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/** Loads libhealthcode_jni.so (which loads libhealthcode.so.1 through its run path), from:
 *  <ol>
 *  <li>the system property healthcode.jni, a path (nothing else is tried then);</li>
 *  <li>the library installed with this jar by {@code meson install}: install.properties,
 *      written by meson, gives the jar's and the JNI library's directories relative to the
 *      prefix, resolved against where the jar now lies (so a staged or moved install keeps
 *      its own library);</li>
 *  <li>{@code System.loadLibrary("healthcode_jni")}: java.library.path, for a jar copied
 *      into an application with the library installed by the system (prefix /usr puts it in
 *      /usr/lib/TRIPLET/jni, which is on that path);</li>
 *  <li>the same JNI directory under the configured prefix.</li>
 *  </ol>
 *  When none loads, the UnsatisfiedLinkError names each place tried and both properties. */
final class NativeLibrary {
    static final String NAME = "healthcode_jni";
    private static boolean loaded;

    private NativeLibrary() {}

    static synchronized void load() {
        if (loaded) return;
        String path = System.getProperty("healthcode.jni");
        if (path != null) {
            System.load(path);
            loaded = true;
            return;
        }
        List<String> tried = new ArrayList<>();
        Properties install = installProperties();
        String file = System.mapLibraryName(NAME);
        if (install != null) {
            File here = jarDirectory();
            String jarDir = install.getProperty("jar_dir", ""), jniDir = install.getProperty("jni_dir", "");
            if (here != null && !jarDir.isEmpty() && !new File(jniDir).isAbsolute()
                    && here.getPath().endsWith(File.separator + jarDir)) {
                String base = here.getPath().substring(0, here.getPath().length() - jarDir.length() - 1);
                if (tryLoad(new File(new File(base, jniDir), file), "installed with the jar", tried)) return;
            }
        }
        try {
            System.loadLibrary(NAME);
            loaded = true;
            return;
        } catch (UnsatisfiedLinkError e) {
            tried.add("System.loadLibrary: " + e.getMessage());
        }
        if (install != null) {
            File dir = new File(install.getProperty("jni_dir", ""));
            if (!dir.isAbsolute()) dir = new File(install.getProperty("prefix", "/"), dir.getPath());
            if (tryLoad(new File(dir, file), "meson install prefix", tried)) return;
        }
        throw new UnsatisfiedLinkError("cn.healthcode: cannot load " + file + "; tried " + String.join("; ", tried)
            + ". Install libhealthcode's Java binding (meson install), or pass "
            + "-Dhealthcode.jni=/path/to/" + file + " or -Djava.library.path=DIR");
    }

    private static boolean tryLoad(File f, String how, List<String> tried) {
        if (!f.isFile()) {
            tried.add(f + " (" + how + "): no such file");
            return false;
        }
        try {
            System.load(f.getAbsolutePath());
            loaded = true;
            return true;
        } catch (UnsatisfiedLinkError e) {
            tried.add(f + " (" + how + "): " + e.getMessage());
            return false;
        }
    }

    /** install.properties of the jar; null in a jar not built by meson (or without it). */
    private static Properties installProperties() {
        try (InputStream in = NativeLibrary.class.getResourceAsStream("install.properties")) {
            if (in == null) return null;
            Properties p = new Properties();
            p.load(in);
            return p;
        } catch (IOException e) {
            return null;
        }
    }

    /** The directory of the jar this class came from, or null (classes from a directory). */
    private static File jarDirectory() {
        try {
            java.security.CodeSource cs = NativeLibrary.class.getProtectionDomain().getCodeSource();
            if (cs == null || cs.getLocation() == null) return null;
            File f = new File(cs.getLocation().toURI());
            return f.isFile() ? f.getAbsoluteFile().getParentFile() : null;
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            return null;
        }
    }
}
