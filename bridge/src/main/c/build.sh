#!/usr/bin/env sh
# Builds libjunction.so into the classes folder, where NativeLibrary.java finds it: Junction's SRTP
# cipher calls into the system's OpenSSL 3 (junction_srtp.c) and its UDP sends on the media port
# (junction_udp.c). Run by Maven in the compile phase:
#   build.sh SOURCE_DIR CLASSES_DIR JAVA_HOME
# Without gcc, or on a system without libcrypto.so.3, it only warns: the bridge then uses jitsi-srtp
# for SRTP and ice4j's socket for sending, as it did before (docs/architecture.md "SRTP", "Sending").
set -u
src="$1"; classes="$2"; jdk="$3"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) arch=linux-x86-64 ;;
  Linux-aarch64) arch=linux-aarch64 ;;
  *) echo "[junction] no native library for $(uname -s)-$(uname -m): jitsi-srtp does SRTP, ice4j sends"; exit 0 ;;
esac
out="$classes/native/$arch"
lib="$out/libjunction.so"
mkdir -p "$out"
if ! command -v gcc >/dev/null 2>&1; then
  echo "[junction] WARNING: gcc not found, native library not built: jitsi-srtp does SRTP (slower, allocates per packet), ice4j sends"
  exit 0
fi
if [ -f "$lib" ] && [ -z "$(find "$src" -name '*.c' -newer "$lib")" ]; then
  exit 0
fi
if ! gcc -O2 -fPIC -shared -Wall -Werror -fvisibility=default -I"$jdk/include" -I"$jdk/include/linux" \
    -o "$lib" "$src"/junction_*.c -l:libcrypto.so.3 -Wl,-z,noexecstack; then
  rm -f "$lib"
  echo "[junction] WARNING: the native library did not build (needs jni.h and libcrypto.so.3): jitsi-srtp does SRTP, ice4j sends"
fi
exit 0
