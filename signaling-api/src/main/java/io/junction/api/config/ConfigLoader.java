package io.junction.api.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.junction.bridge.BridgeConfig;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads configuration strictly: environment overrides, then the given file (or {@code -Dconfig.file}),
 * then the built-in {@code reference.conf}. Unknown keys under {@code junction} and bad values are
 * {@link ConfigError}s naming the key and the expected form.
 */
public final class ConfigLoader {
    /** Environment variables a container typically sets, and the key each overrides. */
    public static final Map<String, String> ENV_OVERRIDES = Map.ofEntries(
            Map.entry("JUNCTION_HTTP_PORT", "junction.http.port"),
            Map.entry("JUNCTION_ADMIN_PORT", "junction.admin.port"),
            Map.entry("JUNCTION_ADMIN_HOST", "junction.admin.host"),
            Map.entry("JUNCTION_MEDIA_PORT", "junction.media.port"),
            Map.entry("JUNCTION_MEDIA_TCP_PORT", "junction.media.tcp-port"),
            Map.entry("JUNCTION_PUBLIC_IP", "junction.media.public-ip"),
            Map.entry("JUNCTION_API_KEY", "junction.admin.api-key"),
            Map.entry("JUNCTION_OPEN_ROOMS", "junction.demo.open-rooms"),
            Map.entry("JUNCTION_TURN_SECRET", "junction.turn.secret"),
            Map.entry("JUNCTION_REDIS_URL", "junction.cluster.redis"),
            Map.entry("JUNCTION_BRIDGE_ID", "junction.cluster.bridge-id"),
            Map.entry("JUNCTION_REGION", "junction.cluster.region"));

    private final Config config;

    private ConfigLoader(Config config) {
        this.config = config;
    }

    /**
     * @param file a config file, or null to use {@code -Dconfig.file} if set, else defaults only
     * @param env  the process environment (tests pass their own)
     */
    public static JunctionConfig load(Path file, Map<String, String> env) throws ConfigError {
        Config reference = ConfigFactory.defaultReference();
        Config user = ConfigFactory.empty();
        if (file == null && System.getProperty("config.file") != null) {
            file = Path.of(System.getProperty("config.file"));
        }
        if (file != null) {
            if (!Files.isReadable(file)) {
                throw new ConfigError("config file " + file + ": not found or not readable");
            }
            try {
                user = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
            } catch (ConfigException e) {
                throw new ConfigError("config file " + file + ": " + e.getMessage());
            }
            rejectForeignKeys(file, user, reference);
        }
        Map<String, Object> overrides = new HashMap<>();
        for (Map.Entry<String, String> e : ENV_OVERRIDES.entrySet()) {
            String value = env.get(e.getKey());
            if (value != null && !value.isEmpty()) {
                overrides.put(e.getValue(), value);
            }
        }
        Config merged;
        try {
            merged = ConfigFactory.parseMap(overrides, "environment")
                    .withFallback(user)
                    .withFallback(reference)
                    .resolve();
        } catch (ConfigException e) {
            throw new ConfigError(e.getMessage());
        }
        rejectUnknownKeys(merged, reference);
        return new ConfigLoader(merged).build();
    }

    /**
     * Junction reads only {@code junction { … }}: any other top-level key in the file is a mistake
     * (a section written without the {@code junction} wrapper, a typo), never silently ignored.
     */
    private static void rejectForeignKeys(Path file, Config user, Config reference) throws ConfigError {
        for (String key : new TreeSet<>(user.root().keySet())) {
            if (key.equals("junction")) {
                continue;
            }
            String hint = reference.hasPathOrNull("junction." + com.typesafe.config.ConfigUtil.quoteString(key))
                    ? " (did you mean junction." + key + "?)"
                    : " (Junction reads only keys under junction { … })";
            throw new ConfigError("config file " + file + ": " + key + ": unknown top-level key" + hint);
        }
    }

    private static void rejectUnknownKeys(Config merged, Config reference) throws ConfigError {
        Set<String> unknown = new TreeSet<>();
        if (!merged.hasPath("junction")) {
            return;
        }
        com.typesafe.config.ConfigValueType type = merged.getValue("junction").valueType();
        if (type != com.typesafe.config.ConfigValueType.OBJECT) {
            // `junction = "x"` in the file: the whole section replaced by a value; reading any key
            // below it would fail with the library's WrongType instead.
            throw new ConfigError("junction: must be an object (junction { … }), not "
                    + type.name().toLowerCase(java.util.Locale.ROOT));
        }
        for (Map.Entry<String, ConfigValue> e : merged.getConfig("junction").entrySet()) {
            String path = "junction." + e.getKey();
            if (!reference.hasPathOrNull(path)) {
                unknown.add(path);
            }
        }
        if (!unknown.isEmpty()) {
            throw new ConfigError(unknown.iterator().next() + ": unknown key (see reference.conf for the keys Junction reads)");
        }
    }

    private JunctionConfig build() throws ConfigError {
        var http = new JunctionConfig.Http(
                host("junction.http.host"),
                port("junction.http.port"),
                baseUrl("junction.http.public-base-url"),
                positiveDuration("junction.http.request-timeout"),
                intInRange("junction.http.max-connections-per-address", 1, 1_000_000));
        var admin = new JunctionConfig.Admin(
                host("junction.admin.host"),
                port("junction.admin.port"),
                string("junction.admin.api-key"),
                stringList("junction.admin.allowed-hosts"));
        if (admin.apiKey().isEmpty() && !isLoopback(admin.host())) {
            throw new ConfigError("junction.admin.api-key: required (a non-empty string) when junction.admin.host ("
                    + admin.host() + ") is not a loopback address");
        }
        int workers = intInRange("junction.media.packet-workers", 0, 64);
        var bridge = new BridgeConfig(
                port("junction.media.port"),
                port("junction.media.tcp-port"),
                host("junction.media.bind-address"),
                addresses("junction.media.addresses"),
                publicIp("junction.media.public-ip"),
                stunServers("junction.media.stun-servers"),
                staticMappings("junction.media.static-mappings"),
                positiveDuration("junction.media.consent-timeout"),
                positiveDuration("junction.media.ice-connect-timeout"),
                positiveDuration("junction.media.dtls-handshake-timeout"),
                srtpCrypto("junction.media.srtp-crypto"),
                intInRange("junction.conference.max-conferences", 1, 1_000_000),
                intInRange("junction.conference.max-endpoints", 1, 10_000),
                positiveDuration("junction.conference.empty-timeout"),
                workers == 0 ? Runtime.getRuntime().availableProcessors() : workers,
                bitrate("junction.media.max-publisher-bitrate"),
                forwarding());
        String secret = string("junction.signaling.token-secret");
        if (!secret.isEmpty() && secret.length() < 32) {
            throw new ConfigError("junction.signaling.token-secret: expected empty or at least 32 characters");
        }
        var signaling = new JunctionConfig.Signaling(positiveDuration("junction.signaling.token-ttl"), secret,
                nonNegativeDuration("junction.signaling.reconnect-grace"));
        var demo = new JunctionConfig.Demo(openRooms("junction.demo.open-rooms"),
                intInRange("junction.demo.max-open-rooms", 1, 1_000_000),
                intInRange("junction.demo.join-burst", 1, 1_000_000),
                positiveNumber("junction.demo.join-rate"));
        var check = new JunctionConfig.Check(bool("junction.check.enabled"),
                intInRange("junction.check.max-concurrent", 1, 10_000), positiveDuration("junction.check.max-duration"));
        var whep = new JunctionConfig.Whep(intInRange("junction.whep.max-viewers-per-room", 1, 1_000_000),
                intInRange("junction.whep.max-anonymous-per-address", 1, 1_000_000));
        return new JunctionConfig(http, admin, bridge, signaling, demo, check, whep, turn(), cluster(signaling),
                positiveDuration("junction.shutdown.grace-period"));
    }

    private JunctionConfig.Cluster cluster(JunctionConfig.Signaling signaling) throws ConfigError {
        String redis = string("junction.cluster.redis");
        if (!redis.isEmpty()) {
            URI u;
            try {
                u = new URI(redis);
            } catch (java.net.URISyntaxException e) {
                throw error("junction.cluster.redis", "a redis:// or rediss:// URL", config);
            }
            if (u.getScheme() == null || !(u.getScheme().equals("redis") || u.getScheme().equals("rediss"))
                    || u.getHost() == null) {
                throw error("junction.cluster.redis", "a redis:// or rediss:// URL with a host", config);
            }
            if (signaling.tokenSecret().isEmpty()) {
                // a bridge checks the join tokens another one made for it only with a shared secret
                throw new ConfigError("junction.signaling.token-secret: required (32 characters or more, the same on "
                        + "every bridge) when junction.cluster.redis is set");
            }
        }
        String id = string("junction.cluster.bridge-id");
        if (!id.isEmpty() && !id.matches("[A-Za-z0-9._-]{1,64}")) {
            throw error("junction.cluster.bridge-id", "1-64 letters, digits, '.', '_' or '-'", config);
        }
        String region = string("junction.cluster.region");
        if (!region.matches("[A-Za-z0-9._-]{0,64}")) {
            throw error("junction.cluster.region", "0-64 letters, digits, '.', '_' or '-'", config);
        }
        Duration heartbeat = positiveDuration("junction.cluster.heartbeat");
        Duration ttl = positiveDuration("junction.cluster.ttl");
        if (ttl.compareTo(heartbeat.multipliedBy(2)) < 0) {
            throw new ConfigError("junction.cluster.ttl: expected at least twice junction.cluster.heartbeat");
        }
        return new JunctionConfig.Cluster(redis, id, region, baseUrl("junction.cluster.admin-url"),
                baseUrl("junction.cluster.public-url"), heartbeat, ttl,
                intInRange("junction.cluster.max-endpoints", 1, 1_000_000), bool("junction.cluster.relay"));
    }

    private BridgeConfig.Forwarding forwarding() throws ConfigError {
        long start = bitrate("junction.forwarding.start-bitrate");
        long max = bitrate("junction.forwarding.max-bitrate");
        if (start <= 0 || max < start) {
            throw new ConfigError("junction.forwarding: expected 0 < start-bitrate <= max-bitrate, got "
                    + start + " and " + max);
        }
        List<String> codecs;
        try {
            codecs = BridgeConfig.checkVideoCodecs(config.getStringList("junction.media.video-codecs"));
        } catch (ConfigException e) {
            throw error("junction.media.video-codecs", "a list of video codec names", config);
        } catch (IllegalArgumentException e) {
            throw new ConfigError("junction.media.video-codecs: " + e.getMessage());
        }
        return new BridgeConfig.Forwarding(bool("junction.forwarding.simulcast"),
                bool("junction.forwarding.estimate-downlink"), start, max,
                intInRange("junction.forwarding.default-last-n", -1, 10_000),
                bool("junction.forwarding.pause-unused-layers"), codecs, bool("junction.media.audio-red"),
                bool("junction.media.opus-dtx"), bool("junction.media.opus-stereo"),
                bool("junction.media.dependency-descriptor"));
    }

    private static ConfigError error(String path, String expected, Config c) {
        String got;
        try {
            got = c.hasPathOrNull(path) ? c.getValue(path).render() : "nothing";
        } catch (ConfigException e) {
            got = "an unreadable value";
        }
        return new ConfigError(path + ": expected " + expected + ", got " + got);
    }

    private String string(String path) throws ConfigError {
        try {
            return config.getString(path);
        } catch (ConfigException e) {
            throw error(path, "a string", config);
        }
    }

    private JunctionConfig.OpenRooms openRooms(String path) throws ConfigError {
        String v;
        try {
            v = config.getString(path);
        } catch (ConfigException e) {
            throw error(path, "true, false or loopback", config);
        }
        return switch (v) {
            case "true" -> JunctionConfig.OpenRooms.ON;
            case "false" -> JunctionConfig.OpenRooms.OFF;
            case "loopback" -> JunctionConfig.OpenRooms.LOOPBACK;
            default -> throw error(path, "true, false or loopback", config);
        };
    }

    private double positiveNumber(String path) throws ConfigError {
        try {
            double v = config.getDouble(path);
            if (!(v > 0) || Double.isInfinite(v)) {
                throw error(path, "a positive number", config);
            }
            return v;
        } catch (ConfigException e) {
            throw error(path, "a positive number", config);
        }
    }

    private List<String> stringList(String path) throws ConfigError {
        return stringList(path, "a list of strings", s -> true);
    }

    /** A list of strings each of which {@code valid} accepts; else the error names {@code expected}. */
    private List<String> stringList(String path, String expected, java.util.function.Predicate<String> valid)
            throws ConfigError {
        List<String> list;
        try {
            list = List.copyOf(config.getStringList(path));
        } catch (ConfigException e) {
            throw error(path, expected, config);
        }
        for (String s : list) {
            if (!valid.test(s)) {
                throw error(path, expected, config);
            }
        }
        return list;
    }

    private boolean bool(String path) throws ConfigError {
        try {
            return config.getBoolean(path);
        } catch (ConfigException e) {
            throw error(path, "true or false", config);
        }
    }

    private int intInRange(String path, int min, int max) throws ConfigError {
        String expected = "an integer from " + min + " to " + max;
        try {
            int v = config.getInt(path);
            if (v < min || v > max) {
                throw error(path, expected, config);
            }
            return v;
        } catch (ConfigException e) {
            throw error(path, expected, config);
        }
    }

    /** A bitrate in bits per second: a number, or a string with a k or M suffix ("2500k", "2.5M"); 0 = none. */
    private long bitrate(String path) throws ConfigError {
        String expected = "a bitrate in bits per second such as 2500000, \"2500k\" or \"2.5M\" (0 = no cap)";
        try {
            String v = config.getString(path).trim();
            double factor = 1;
            if (v.endsWith("k") || v.endsWith("K")) {
                factor = 1e3;
                v = v.substring(0, v.length() - 1);
            } else if (v.endsWith("M") || v.endsWith("m")) {
                factor = 1e6;
                v = v.substring(0, v.length() - 1);
            }
            double bps = Double.parseDouble(v) * factor;
            if (!(bps >= 0) || bps > 100e9) { // also refuses NaN and infinity
                throw error(path, expected, config);
            }
            return Math.round(bps);
        } catch (ConfigException | NumberFormatException e) {
            throw error(path, expected, config);
        }
    }

    private int port(String path) throws ConfigError {
        return intInRange(path, 0, 65535);
    }

    private Duration positiveDuration(String path) throws ConfigError {
        String expected = "a positive duration such as 30s, 500ms or 10m";
        try {
            Duration d = config.getDuration(path);
            if (d.isNegative() || d.isZero()) {
                throw error(path, expected, config);
            }
            return d;
        } catch (ConfigException e) {
            throw error(path, expected, config);
        }
    }

    private Duration nonNegativeDuration(String path) throws ConfigError {
        String expected = "a duration such as 10s (0s: none)";
        try {
            Duration d = config.getDuration(path);
            if (d.isNegative() || d.compareTo(Duration.ofHours(1)) > 0) {
                throw error(path, expected + ", at most 1h", config);
            }
            return d;
        } catch (ConfigException e) {
            throw error(path, expected, config);
        }
    }

    private String host(String path) throws ConfigError {
        String h = string(path);
        if (h.isBlank() || !isAddressLiteralOrName(h)) {
            throw error(path, "an IP address or host name", config);
        }
        return h;
    }

    private JunctionConfig.Turn turn() throws ConfigError {
        List<String> servers = stringList("junction.turn.servers",
                "a list of turn: or turns: URLs (turn:host:port?transport=udp)",
                s -> s.matches("turns?:(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?(\\?transport=(udp|tcp))?"));
        String secret = string("junction.turn.secret");
        if (!servers.isEmpty() && secret.length() < 16) {
            throw new ConfigError("junction.turn.secret: required (at least 16 characters, coturn's static-auth-secret) "
                    + "when junction.turn.servers is set");
        }
        return new JunctionConfig.Turn(servers, secret, positiveDuration("junction.turn.ttl"));
    }

    private String publicIp(String path) throws ConfigError {
        return string(path).equals("auto") ? "auto" : optionalAddress(path);
    }

    private List<String> stunServers(String path) throws ConfigError {
        List<String> list = stringList(path, "a list of \"host:port\" STUN servers",
                s -> s.matches("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?") && s.length() <= 255);
        if (list.isEmpty() && string("junction.media.public-ip").equals("auto")) {
            throw new ConfigError(path + ": public-ip = \"auto\" needs at least one STUN server");
        }
        return list;
    }

    private String optionalAddress(String path) throws ConfigError {
        String a = string(path);
        if (!a.isEmpty() && !isIpLiteral(a)) {
            throw error(path, "empty or an IPv4/IPv6 address literal", config);
        }
        return a;
    }

    private List<String> addresses(String path) throws ConfigError {
        return stringList(path, "a list of IP address literals", ConfigLoader::isIpLiteral);
    }

    private List<BridgeConfig.StaticMapping> staticMappings(String path) throws ConfigError {
        String expected = "a list of { local = \"IP\", public = \"IP\" } objects";
        try {
            List<BridgeConfig.StaticMapping> out = new ArrayList<>();
            for (Config m : config.getConfigList(path)) {
                if (!m.hasPath("local") || !m.hasPath("public") || m.root().size() != 2
                        || m.getValue("local").valueType() != ConfigValueType.STRING
                        || !isIpLiteral(m.getString("local")) || !isIpLiteral(m.getString("public"))) {
                    throw error(path, expected, config);
                }
                out.add(new BridgeConfig.StaticMapping(m.getString("local"), m.getString("public")));
            }
            return out;
        } catch (ConfigException e) {
            throw error(path, expected, config);
        }
    }

    private BridgeConfig.SrtpCrypto srtpCrypto(String path) throws ConfigError {
        String v = string(path);
        try {
            return BridgeConfig.SrtpCrypto.valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw error(path, "one of auto, native, openssl, java", config);
        }
    }

    private String baseUrl(String path) throws ConfigError {
        String v = string(path);
        if (v.isEmpty()) {
            return v;
        }
        try {
            URI u = new URI(v);
            String scheme = u.getScheme();
            if (("http".equals(scheme) || "https".equals(scheme)) && u.getHost() != null) {
                return v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
            }
        } catch (Exception ignored) {
            // fall through to the error below
        }
        throw error(path, "empty or an http(s) URL such as https://sfu.example.com", config);
    }

    static boolean isIpLiteral(String s) {
        if (s.indexOf(':') >= 0) {
            return s.matches("[0-9a-fA-F:.]+");
        }
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAddressLiteralOrName(String s) {
        return isIpLiteral(s) || s.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})");
    }

    static boolean isLoopback(String host) {
        if (host.equals("localhost")) {
            return true;
        }
        if (!isIpLiteral(host)) {
            return false;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
