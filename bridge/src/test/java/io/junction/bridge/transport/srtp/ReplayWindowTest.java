package io.junction.bridge.transport.srtp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReplayWindowTest {
    @Test
    void acceptsEachIndexOnceWithinTheWindow() {
        ReplayWindow w = new ReplayWindow();
        assertFalse(w.rejects(100));
        w.accept(100);
        assertTrue(w.rejects(100), "a duplicate");
        assertFalse(w.rejects(99), "earlier, not seen: in the window");
        assertFalse(w.rejects(5000));
        w.accept(5000);
        assertTrue(w.rejects(99), "now too old");
        assertTrue(w.rejects(5000 - ReplayWindow.SIZE));
        assertFalse(w.rejects(5001 - ReplayWindow.SIZE));
        w.accept(5001 - ReplayWindow.SIZE);
        assertTrue(w.rejects(5001 - ReplayWindow.SIZE));
    }

    /** Against a model that remembers every index: the same answer for random jumps, repeats and late packets. */
    @Test
    void agreesWithAModelOverRandomArrivals() {
        Random r = new Random(11);
        for (int run = 0; run < 50; run++) {
            ReplayWindow w = new ReplayWindow();
            BitSet seen = new BitSet();
            long highest = -1;
            int next = r.nextInt(100);
            for (int i = 0; i < 20_000; i++) {
                int index = switch (r.nextInt(10)) {
                    case 0 -> Math.max(0, next - r.nextInt(2 * ReplayWindow.SIZE)); // late or repeated
                    case 1 -> next += r.nextInt(3 * ReplayWindow.SIZE); // a jump
                    default -> next++;
                };
                boolean expected = highest >= 0 && index <= highest
                        && (highest - index >= ReplayWindow.SIZE || seen.get(index));
                if (expected != w.rejects(index)) {
                    throw new AssertionError("index " + index + " highest " + highest + ": expected " + expected);
                }
                if (!expected) {
                    w.accept(index);
                    seen.set(index);
                    highest = Math.max(highest, index);
                }
            }
        }
    }
}
