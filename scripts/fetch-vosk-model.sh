#!/usr/bin/env bash
# Fetch a Mandarin Vosk model for a Chinese hotline (needs internet; the test machines have
# none and use the Korean model package instead).
#
#   scripts/fetch-vosk-model.sh [small|large] [DIR]
#
#   small  vosk-model-small-cn-0.22   42 MB, ~1 GB RAM shared by a transcriber's threads;
#          published CER 23.5 % (SpeechIO-02), 17.2 % (THCHS). Good enough to find topics.
#   large  vosk-model-cn-0.22        1.3 GB, several GB RAM; CER 14.0 % / 7.4 %. Use it when
#          supervisors search for exact phrases.
#
# Unpacks into DIR (default var/models), checks the model's files are there, and prints the
# line to put under [speech] in config/hotline.toml.
set -euo pipefail
size="${1:-small}"
dest="${2:-var/models}"
case "$size" in
  small) name=vosk-model-small-cn-0.22 ;;
  large) name=vosk-model-cn-0.22 ;;
  *) echo "usage: $0 [small|large] [DIR]" >&2; exit 2 ;;
esac
url="https://alphacephei.com/vosk/models/${name}.zip"
mkdir -p "$dest"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "downloading $url"
curl -fL --retry 3 -o "$tmp/$name.zip" "$url"
unzip -q "$tmp/$name.zip" -d "$tmp"
for f in am/final.mdl conf/mfcc.conf; do
  [ -f "$tmp/$name/$f" ] || { echo "$name: $f missing; not a Vosk model" >&2; exit 1; }
done
rm -rf "${dest:?}/$name"
mv "$tmp/$name" "$dest/$name"
echo "installed $dest/$name; in config/hotline.toml:"
echo "[speech]"
echo "model = \"$dest/$name\""
