package io.junction.bridge.forward;

import java.util.Arrays;

/**
 * An immutable SSRC → value table for the packet path: sorted int keys, binary search, no boxing, no
 * allocation on lookup. Updates (control plane, rare) build a new table that is then published
 * through a volatile field.
 */
public final class SsrcTable<T> {
    private static final SsrcTable<?> EMPTY = new SsrcTable<>(new int[0], new Object[0]);

    private final int[] keys;
    private final Object[] values;

    private SsrcTable(int[] keys, Object[] values) {
        this.keys = keys;
        this.values = values;
    }

    @SuppressWarnings("unchecked")
    public static <T> SsrcTable<T> empty() {
        return (SsrcTable<T>) EMPTY;
    }

    @SuppressWarnings("unchecked")
    public T get(int ssrc) {
        int i = Arrays.binarySearch(keys, ssrc);
        return i >= 0 ? (T) values[i] : null;
    }

    public SsrcTable<T> with(int ssrc, T value) {
        int i = Arrays.binarySearch(keys, ssrc);
        if (i >= 0) {
            Object[] v = values.clone();
            v[i] = value;
            return new SsrcTable<>(keys, v);
        }
        int at = -i - 1;
        int[] k = new int[keys.length + 1];
        Object[] v = new Object[values.length + 1];
        System.arraycopy(keys, 0, k, 0, at);
        System.arraycopy(values, 0, v, 0, at);
        k[at] = ssrc;
        v[at] = value;
        System.arraycopy(keys, at, k, at + 1, keys.length - at);
        System.arraycopy(values, at, v, at + 1, values.length - at);
        return new SsrcTable<>(k, v);
    }

    public SsrcTable<T> without(int ssrc) {
        int i = Arrays.binarySearch(keys, ssrc);
        if (i < 0) {
            return this;
        }
        int[] k = new int[keys.length - 1];
        Object[] v = new Object[values.length - 1];
        System.arraycopy(keys, 0, k, 0, i);
        System.arraycopy(values, 0, v, 0, i);
        System.arraycopy(keys, i + 1, k, i, keys.length - i - 1);
        System.arraycopy(values, i + 1, v, i, values.length - i - 1);
        return new SsrcTable<>(k, v);
    }

    public int size() {
        return keys.length;
    }
}
