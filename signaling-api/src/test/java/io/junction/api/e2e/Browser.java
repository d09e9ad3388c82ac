package io.junction.api.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A headless Debian Chromium driven by the Debian chromedriver (Selenium downloads nothing), with fake
 * camera and microphone. Must run inside the test's loopback-only namespace.
 */
public final class Browser implements AutoCloseable {
    /** The public port of a bridge a test runs on the veth child's address (ClusterIT's bridge B). */
    static final int VETH_PAGE_PORT = 18480;
    public static final String CHROMIUM = "/usr/bin/chromium";
    public static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    private final org.openqa.selenium.remote.RemoteWebDriver driver;
    private final Path profile;
    private final String name;

    public Browser(String name) throws IOException {
        this(name, null);
    }

    /**
     * A browser driven through a chromedriver already running elsewhere (e.g. in a test's own child
     * network namespace, see {@link VethNamespace}) at {@code remoteDriverUrl}; null starts a local one.
     */
    public Browser(String name, java.net.URL remoteDriverUrl) throws IOException {
        LoopbackNamespace.assertLoopbackOnly();
        this.name = name;
        this.profile = Files.createTempDirectory("junction-chromium-");
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
        // Selenium warns on every start that it has no CDP bindings for this Chromium; we use none.
        java.util.logging.Logger.getLogger("org.openqa.selenium").setLevel(java.util.logging.Level.SEVERE);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments(List.of(
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
                // the veth addresses: a browser in a child namespace reaches the bridge there, ClusterIT's
                // second bridge runs in one (198.18.0.0/15, only ever inside the test's namespaces)
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE " + VethNamespace.PARENT_ADDRESS
                        + " , EXCLUDE " + VethNamespace.CHILD_ADDRESS,
                // a page there may use the camera (getUserMedia needs a secure origin; loopback is one)
                "--unsafely-treat-insecure-origin-as-secure=http://" + VethNamespace.CHILD_ADDRESS + ":" + VETH_PAGE_PORT,
                "--autoplay-policy=no-user-gesture-required", "--disable-dev-shm-usage",
                "--window-size=1280,800", "--user-data-dir=" + profile));
        if (remoteDriverUrl != null) {
            this.driver = new org.openqa.selenium.remote.RemoteWebDriver(remoteDriverUrl, options);
            driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
            return;
        }
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .withSilent(true)
                .build();
        this.driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    }

    /**
     * Runs {@code script} in every page this (local) browser opens from now on, before the page's own
     * scripts (Chrome DevTools Protocol, Page.addScriptToEvaluateOnNewDocument).
     */
    public void beforeEveryPage(String script) {
        ((ChromeDriver) driver).executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", script));
    }

    public org.openqa.selenium.remote.RemoteWebDriver driver() {
        return driver;
    }

    public String name() {
        return name;
    }

    public void open(String url) {
        driver.get(url);
    }

    public Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** Runs an async script: the last argument passed to it is the callback. */
    public Object jsAsync(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeAsyncScript(script, args);
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> jsMap(String script, Object... args) {
        return (Map<String, Object>) js(script, args);
    }

    /**
     * Sends {@code signal} ("STOP", "CONT", "KILL") to this browser's Chromium and every process it
     * started (renderers, the network service): the whole browser freezes, resumes or dies, as a
     * laptop that sleeps or a crashed browser would. chromedriver (Chromium's parent) is spared.
     * Returns the number of processes signalled.
     */
    public int signal(String signal) throws IOException, InterruptedException {
        java.util.Set<Long> tree = new java.util.LinkedHashSet<>();
        ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains("--user-data-dir=" + profile)).orElse(false))
                .filter(p -> p.parent().map(pp -> !pp.info().commandLine().orElse("").contains("--user-data-dir=" + profile))
                        .orElse(true))
                .forEach(p -> {
                    tree.add(p.pid());
                    p.descendants().forEach(d -> tree.add(d.pid()));
                });
        if (tree.isEmpty()) {
            throw new IllegalStateException("no Chromium process for " + profile);
        }
        java.util.List<String> cmd = new java.util.ArrayList<>(List.of("kill", "-" + signal));
        tree.forEach(pid -> cmd.add(Long.toString(pid)));
        Process k = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        k.waitFor();
        return tree.size();
    }

    public void screenshot(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } catch (RuntimeException ignored) {
            // the browser may already be gone
        }
        try (var files = Files.walk(profile)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
