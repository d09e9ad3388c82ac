package io.junction.bridge.transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Junction's JNI library, {@code libjunction.so}: the SRTP cipher calls into the system's OpenSSL
 * ({@code bridge/src/main/c/junction_srtp.c}) and the media port's UDP sends
 * ({@code junction_udp.c}). Maven builds it with gcc into {@code native/<os-arch>/} of the jar; it
 * is copied to a temporary file and loaded once. Without it (no gcc at build time, another OS, no
 * libcrypto.so.3) the bridge uses jitsi-srtp and ice4j's socket, and says why.
 */
public final class NativeLibrary {
    private static final Logger LOG = LoggerFactory.getLogger(NativeLibrary.class);
    private static final String PROBLEM = load();

    private NativeLibrary() {
    }

    /** Null when the library is loaded, else why not. */
    public static String problem() {
        return PROBLEM;
    }

    private static String load() {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        String dir;
        if (!os.contains("linux")) {
            return "no native library for " + os;
        } else if (arch.equals("amd64") || arch.equals("x86_64")) {
            dir = "linux-x86-64";
        } else if (arch.equals("aarch64")) {
            dir = "linux-aarch64";
        } else {
            return "no native library for linux-" + arch;
        }
        String resource = "/native/" + dir + "/libjunction.so";
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                return resource + " is not in the build (gcc was missing when it was built)";
            }
            Path tmp = Files.createTempFile("libjunction", ".so");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            tmp.toFile().deleteOnExit();
            System.load(tmp.toAbsolutePath().toString());
            return null;
        } catch (IOException | LinkageError | RuntimeException e) {
            LOG.debug("native library did not load", e);
            return "native library did not load: " + e;
        }
    }
}
