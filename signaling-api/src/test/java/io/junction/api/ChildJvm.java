package io.junction.api;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;

/** What a test needs to start Junction as a child JVM. */
public final class ChildJvm {
    private ChildJvm() {}

    /**
     * A process builder for {@code io.junction.api.Main} with {@code args} in a child JVM of this one,
     * output and errors merged, without the caller's {@code JUNCTION_API_KEY}.
     */
    public static ProcessBuilder junction(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", classpath(), "io.junction.api.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("JUNCTION_API_KEY");
        return pb;
    }

    /** The test classpath, unwrapping surefire's and failsafe's manifest-only jar when present. */
    public static String classpath() throws IOException {
        String cp = System.getProperty("java.class.path");
        String[] parts = cp.split(File.pathSeparator);
        if (parts.length == 1 && parts[0].contains("surefirebooter")) {
            try (JarFile jar = new JarFile(parts[0])) {
                String manifestCp = jar.getManifest().getMainAttributes().getValue("Class-Path");
                List<String> files = new ArrayList<>();
                for (String url : manifestCp.split(" ")) {
                    files.add(new File(URI.create(url)).getPath());
                }
                return String.join(File.pathSeparator, files);
            }
        }
        return cp;
    }
}
