package io.junction.bridge.conference;

/** Names that clients chose, made safe for a log line: quoted, with control and format characters escaped. */
final class LogSafe {
    private LogSafe() {}

    /** {@code "Ada"}; a newline comes out as backslash, u, 000A; null stays null. */
    static String quote(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            int type = Character.getType(c); // a lone surrogate is SURROGATE, a valid pair its character's type
            if (c == '"' || c == '\\') {
                b.append('\\').append((char) c);
            } else if (type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE) {
                b.append(String.format("\\u%04X", c));
            } else {
                b.appendCodePoint(c);
            }
            i += Character.charCount(c);
        }
        return b.append('"').toString();
    }
}
