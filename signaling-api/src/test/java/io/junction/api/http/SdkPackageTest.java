package io.junction.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.junction.api.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK as an npm package: its TypeScript declarations match the JavaScript (every public method
 * and every event, both ways), `npm pack` packs the module, its types and README, and a program
 * using the package type-checks with tsc in strict mode while a misuse does not. Needs node and npm
 * (.ci/run installs them; tsc comes from the npm registry the first time).
 */
class SdkPackageTest {
    private static final Path SDK = Path.of("src/main/resources/static/sdk");

    @TempDir
    Path dir;

    @Test
    void declarationsMatchTheModule() throws Exception {
        String js = Files.readString(SDK.resolve("junction-client.js"));
        String dts = Files.readString(SDK.resolve("junction-client.d.ts"));
        String room = js.substring(js.indexOf("class Room {"), js.indexOf("export const Junction"));
        Set<String> methods = firstGroups("\\n  (?:async )?([a-zA-Z][A-Za-z0-9]*)\\(", room);
        methods.remove("constructor");
        String roomDecl = dts.substring(dts.indexOf("export interface Room {"), dts.indexOf("export interface JoinOptions"));
        Set<String> declared = firstGroups("\\n  ([a-zA-Z][A-Za-z0-9]*)(?:<[^>]*>)?\\(", roomDecl);
        assertEquals(methods, declared, "Room's public methods in the .js and the .d.ts");

        Set<String> emitted = firstGroups("_emit\\('([a-zA-Z]+)'", js);
        String eventsDecl = dts.substring(dts.indexOf("export interface RoomEvents {"), dts.indexOf("export type RoomEventHandlers"));
        Set<String> events = firstGroups("\\n  ([a-zA-Z]+):", eventsDecl);
        assertEquals(emitted, events, "the events the module emits and the ones the .d.ts declares");
        JsonNode pkg = TestServer.JSON.readTree(SDK.resolve("package.json").toFile());
        assertEquals("./junction-client.d.ts", pkg.get("types").asText());
        assertEquals("module", pkg.get("type").asText());
    }

    /** Every match's first group in {@code text}, sorted. */
    private static Set<String> firstGroups(String regex, String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void packsAndTypeChecks() throws Exception {
        Path pkgDir = dir.resolve("pkg");
        copy(SDK, pkgDir);
        String packed = run(pkgDir, "npm", "pack", "--dry-run", "--json");
        JsonNode files = TestServer.JSON.readTree(packed).get(0).get("files");
        Set<String> names = new TreeSet<>();
        files.forEach(f -> names.add(f.get("path").asText()));
        assertEquals(Set.of("README.md", "junction-client.d.ts", "junction-client.js", "package.json"), names);

        Path app = dir.resolve("app");
        copy(SDK, app.resolve("node_modules/@junction-sfu/client"));
        Files.writeString(app.resolve("package.json"), "{\"type\":\"module\"}");
        Files.writeString(app.resolve("good.ts"), """
                import { Junction, JoinError, type Room, type Participant } from '@junction-sfu/client';
                async function call(signalingUrl: string, localStream: MediaStream): Promise<Room> {
                  const room = await Junction.join({ signalingUrl, localStream, timeoutMs: 5000, constraints: { lastN: 4 },
                    on: { track: ({ endpointId, kind, stream }) => console.log(endpointId, kind, stream.id) },
                    rejoin: async () => signalingUrl });
                  room.on('participantUpdated', (p: Participant) => console.log(p.audioMuted, p.videoMuted))
                      .on('connectionQuality', (q) => console.log(q.quality === 'poor', q.rttMs))
                      .on('left', ({ reason }) => console.log(reason === 'shutdown'));
                  room.setAudioEnabled(false);
                  room.setVideoEnabled(true);
                  const old: MediaStreamTrack | null = await room.replaceTrack(localStream.getVideoTracks()[0]);
                  const track: MediaStreamTrack = await room.switchDevice('audio', 'default');
                  room.setConstraints({ maxHeight: 360, onStage: [room.endpointId] });
                  const remote: string[] = room.remoteTracks().map((t) => t.endpointId);
                  const stats: RTCStatsReport = await room.getStats();
                  stats.forEach((r) => console.log(r.type));
                  console.log(old, track, remote, room.participants.get('x')?.displayName);
                  return room;
                }
                try { await call('ws://x', new MediaStream()); } catch (e) { if (e instanceof JoinError) console.log(e.code); }
                """);
        run(app, tsc("good.ts"));
        Files.writeString(app.resolve("bad.ts"), """
                import { Junction } from '@junction-sfu/client';
                const room = await Junction.join({ signalingUrl: 'ws://x' });
                room.on('track', (e) => console.log(e.nosuchfield));
                room.setConstraints({ maxHeight: '360' });
                room.switchDevice('screen', 'x');
                """);
        String out = runExpectingFailure(app, tsc("bad.ts"));
        for (String want : new String[] {"nosuchfield", "'string' is not assignable to type 'number'", "\"screen\""}) {
            assertTrue(out.contains(want), "tsc refuses the misuse (" + want + "): " + out);
        }
    }

    private static String[] tsc(String file) {
        return new String[] {"npx", "--yes", "-p", "typescript@5", "tsc", "--noEmit", "--strict", "--target", "es2022",
                "--module", "nodenext", "--moduleResolution", "nodenext", "--lib", "es2022,dom", file};
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, to.resolve(f.getFileName().toString()));
            }
        }
    }

    private static String run(Path cwd, String... cmd) throws Exception {
        Result r = exec(cwd, cmd);
        assertEquals(0, r.code, String.join(" ", cmd) + ":\n" + r.out);
        return r.out;
    }

    private static String runExpectingFailure(Path cwd, String... cmd) throws Exception {
        Result r = exec(cwd, cmd);
        assertTrue(r.code != 0, String.join(" ", cmd) + " should fail:\n" + r.out);
        return r.out;
    }

    private record Result(int code, String out) {}

    private static Result exec(Path cwd, String... cmd) throws Exception {
        List<String> command = new ArrayList<>(List.of(cmd));
        Process p;
        try {
            p = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(cmd[0] + " not found: the SDK package test needs node and npm (apt-get install nodejs npm)", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
        return new Result(p.exitValue(), out);
    }
}
