#!/usr/bin/env sh
# Builds libjunction_srtp.so (Junction's SRTP cipher calls into the system's OpenSSL 3) into the
# classes folder, where OpenSsl.java finds it. Run by Maven in the compile phase:
#   build.sh SOURCE_DIR CLASSES_DIR JAVA_HOME
# Without gcc, or on a system without libcrypto.so.3, it only warns: the bridge then uses jitsi-srtp
# for SRTP, as it did before (media.srtp-crypto, docs/architecture.md "SRTP").
set -u
src="$1"; classes="$2"; jdk="$3"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) arch=linux-x86-64 ;;
  Linux-aarch64) arch=linux-aarch64 ;;
  *) echo "[junction] no native SRTP build for $(uname -s)-$(uname -m): jitsi-srtp does SRTP"; exit 0 ;;
esac
out="$classes/native/$arch"
mkdir -p "$out"
if ! command -v gcc >/dev/null 2>&1; then
  echo "[junction] WARNING: gcc not found, native SRTP not built: jitsi-srtp does SRTP (slower, allocates per packet)"
  exit 0
fi
if [ "$out/libjunction_srtp.so" -nt "$src/junction_srtp.c" ]; then
  exit 0
fi
if ! gcc -O2 -fPIC -shared -Wall -Werror -fvisibility=default -I"$jdk/include" -I"$jdk/include/linux" \
    -o "$out/libjunction_srtp.so" "$src/junction_srtp.c" -l:libcrypto.so.3 -Wl,-z,noexecstack; then
  rm -f "$out/libjunction_srtp.so"
  echo "[junction] WARNING: the native SRTP library did not build (needs jni.h and libcrypto.so.3): jitsi-srtp does SRTP"
fi
exit 0
