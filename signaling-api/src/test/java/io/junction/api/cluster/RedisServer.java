package io.junction.api.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real Debian {@code redis-server} for the cluster tests, on a free loopback port, without
 * persistence; stopped and started again on the same port to test an outage.
 */
public final class RedisServer implements AutoCloseable {
    public final int port;
    private final Path dir;
    private Process process;
    /** Addresses it listens on besides 127.0.0.1 (a test's veth address, for a bridge in another namespace). */
    private final List<String> alsoOn;

    public RedisServer() throws IOException, InterruptedException {
        this(List.of());
    }

    public RedisServer(List<String> alsoOn) throws IOException, InterruptedException {
        this.alsoOn = alsoOn;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        dir = Files.createTempDirectory("junction-redis");
        start();
    }

    public String url() {
        return url("127.0.0.1");
    }

    /** Its URL at {@code host} (127.0.0.1 or one of the addresses it was made to listen on too). */
    public String url(String host) {
        return "redis://" + host + ":" + port;
    }

    public void start() throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(binary(), "--port", String.valueOf(port), "--bind", "127.0.0.1"));
        cmd.addAll(alsoOn); // --bind takes several addresses
        cmd.addAll(List.of("--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "no"));
        process = new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        long deadline = System.currentTimeMillis() + 10_000;
        while (!ping()) {
            if (System.currentTimeMillis() > deadline || !process.isAlive()) {
                throw new IOException("redis-server did not start: " + Files.readString(dir.resolve("redis.log")));
            }
            Thread.sleep(50);
        }
    }

    /** Kills it (SIGKILL: what an outage looks like to the bridges). */
    public void stop() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    private boolean ping() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] b = new byte[7];
            int n = s.getInputStream().read(b);
            return n > 0 && new String(b, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    private static String binary() {
        for (String p : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        throw new IllegalStateException("redis-server is not installed (apt-get install redis-server; .ci/run does)");
    }

    @Override
    public void close() throws Exception {
        stop();
    }
}
