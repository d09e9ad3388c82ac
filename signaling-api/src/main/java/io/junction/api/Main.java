package io.junction.api; public final class Main { public static void main(String[] a) {} }
