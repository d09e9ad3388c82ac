package io.junction.bridge.sdp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A parsed SDP (RFC 8866): session-level attributes and media sections, in order. Parsing is strict
 * about structure (line grammar, m-line fields, limits) and lenient about attributes it does not
 * interpret. Any input either parses or raises {@link SdpException}; nothing else escapes.
 */
public final class SessionDescription {
    public static final int MAX_BYTES = 64 * 1024;
    public static final int MAX_LINE = 4096;
    public static final int MAX_MEDIA = 64;

    /** One {@code a=name[:value]} line. */
    public record Attribute(String name, String value, int line) {}

    /** One {@code m=} section with its attributes. */
    public static final class Media {
        private final String kind;
        private final int port;
        private final String proto;
        private final List<String> formats;
        private final List<Attribute> attributes = new ArrayList<>();
        private final int line;

        Media(String kind, int port, String proto, List<String> formats, int line) {
            this.kind = kind;
            this.port = port;
            this.proto = proto;
            this.formats = List.copyOf(formats);
            this.line = line;
        }

        public String kind() {
            return kind;
        }

        public int port() {
            return port;
        }

        public String proto() {
            return proto;
        }

        public List<String> formats() {
            return formats;
        }

        public List<Attribute> attributes() {
            return Collections.unmodifiableList(attributes);
        }

        public int line() {
            return line;
        }

        /** The first value of attribute {@code name}, or null. */
        public String attribute(String name) {
            for (Attribute a : attributes) {
                if (a.name().equals(name)) {
                    return a.value();
                }
            }
            return null;
        }

        /** Every value of {@code name}; a value-less occurrence ("a=name") is the empty string, never null. */
        public List<String> attributes(String name) {
            List<String> out = new ArrayList<>();
            for (Attribute a : attributes) {
                if (a.name().equals(name)) {
                    out.add(a.value() == null ? "" : a.value());
                }
            }
            return out;
        }

        public boolean has(String name) {
            return attributes.stream().anyMatch(a -> a.name().equals(name));
        }

        /** sendrecv / sendonly / recvonly / inactive (default sendrecv, RFC 8866 §6.7). */
        public String direction() {
            for (Attribute a : attributes) {
                switch (a.name()) {
                    case "sendrecv", "sendonly", "recvonly", "inactive" -> {
                        return a.name();
                    }
                    default -> { }
                }
            }
            return "sendrecv";
        }
    }

    private final List<Attribute> sessionAttributes = new ArrayList<>();
    private final List<Media> media = new ArrayList<>();

    private SessionDescription() {}

    public List<Attribute> sessionAttributes() {
        return Collections.unmodifiableList(sessionAttributes);
    }

    public List<Media> media() {
        return Collections.unmodifiableList(media);
    }

    public String sessionAttribute(String name) {
        for (Attribute a : sessionAttributes) {
            if (a.name().equals(name)) {
                return a.value();
            }
        }
        return null;
    }

    /** A media-level attribute, falling back to the session level (ICE, fingerprint, setup). */
    public String attribute(Media m, String name) {
        String v = m.attribute(name);
        return v != null ? v : sessionAttribute(name);
    }

    public static SessionDescription parse(String sdp) throws SdpException {
        if (sdp == null || sdp.isEmpty()) {
            throw new SdpException("empty SDP");
        }
        if (sdp.length() > MAX_BYTES) {
            throw new SdpException("SDP larger than " + MAX_BYTES + " bytes");
        }
        SessionDescription d = new SessionDescription();
        String[] lines = sdp.split("\r?\n", -1);
        Media current = null;
        boolean sawVersion = false;
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i];
            if (line.isEmpty()) {
                if (i == lines.length - 1) {
                    break; // trailing newline
                }
                throw new SdpException("line " + lineNo + ": empty line");
            }
            if (line.length() > MAX_LINE) {
                throw new SdpException("line " + lineNo + ": longer than " + MAX_LINE + " characters");
            }
            if (line.length() < 2 || line.charAt(1) != '=' || line.charAt(0) < 'a' || line.charAt(0) > 'z') {
                throw new SdpException("line " + lineNo + ": not of the form <type>=<value>");
            }
            char type = line.charAt(0);
            String value = line.substring(2);
            if (i == 0) {
                if (type != 'v' || !value.equals("0")) {
                    throw new SdpException("line 1: SDP must start with v=0");
                }
                sawVersion = true;
                continue;
            }
            switch (type) {
                case 'm' -> {
                    if (d.media.size() >= MAX_MEDIA) {
                        throw new SdpException("line " + lineNo + ": more than " + MAX_MEDIA + " media sections");
                    }
                    current = parseMediaLine(value, lineNo);
                    d.media.add(current);
                }
                case 'a' -> {
                    int colon = value.indexOf(':');
                    String name = colon < 0 ? value : value.substring(0, colon);
                    String v = colon < 0 ? null : value.substring(colon + 1);
                    if (name.isEmpty()) {
                        throw new SdpException("line " + lineNo + ": attribute without a name");
                    }
                    Attribute a = new Attribute(name, v, lineNo);
                    if (current == null) {
                        d.sessionAttributes.add(a);
                    } else {
                        current.attributes.add(a);
                    }
                }
                case 'v' -> throw new SdpException("line " + lineNo + ": v= may only appear first");
                default -> {
                    // o=, s=, t=, c=, b=, i=, … are syntactically checked above and not interpreted.
                }
            }
        }
        if (!sawVersion) {
            throw new SdpException("line 1: SDP must start with v=0");
        }
        return d;
    }

    private static Media parseMediaLine(String value, int lineNo) throws SdpException {
        String[] f = value.split(" ");
        if (f.length < 4) {
            throw new SdpException("line " + lineNo + ": m= needs <media> <port> <proto> <fmt>…");
        }
        int port;
        try {
            String p = f[1];
            int slash = p.indexOf('/');
            port = Integer.parseInt(slash < 0 ? p : p.substring(0, slash));
        } catch (NumberFormatException e) {
            throw new SdpException("line " + lineNo + ": m= port is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new SdpException("line " + lineNo + ": m= port out of range");
        }
        List<String> formats = new ArrayList<>();
        for (int i = 3; i < f.length; i++) {
            if (f[i].isEmpty()) {
                throw new SdpException("line " + lineNo + ": empty format in m=");
            }
            formats.add(f[i]);
        }
        return new Media(f[0], port, f[2], formats, lineNo);
    }
}
