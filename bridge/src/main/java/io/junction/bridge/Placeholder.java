package io.junction.bridge; public final class Placeholder {}
