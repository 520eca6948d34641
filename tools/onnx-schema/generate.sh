#!/bin/sh
# Regenerates Sources/Libraries/HwnasONNX/onnx.pb.swift from ONNX's own schema. Run by
# hand when the schema changes (never in a build): the generated file is
# committed, so a build needs only the SwiftProtobuf runtime.
#
# Needs: python3 -m pip install onnx grpcio-tools (protoc), and protoc-gen-swift
# built from the swift-protobuf version Package.swift names:
#   git clone https://github.com/apple/swift-protobuf && cd swift-protobuf &&
#   git checkout 1.39.0 && swift build -c release --product protoc-gen-swift
# Usage: tools/onnx-schema/generate.sh /path/to/protoc-gen-swift
set -eu
plugin=${1:?usage: $0 PATH/TO/protoc-gen-swift}
root=$(cd "$(dirname "$0")/../.." && pwd)
schema=$(python3 -c "import onnx, os; print(os.path.join(os.path.dirname(onnx.__file__), 'onnx.proto'))")
work=$(mktemp -d)
cp "$schema" "$work/onnx.proto"
cp "$schema" "$root/Sources/Libraries/HwnasONNX/schema/onnx.proto"
python3 -m grpc_tools.protoc --plugin=protoc-gen-swift="$plugin" --swift_out=Visibility=Public:"$work" -I"$work" onnx.proto
cp "$work/onnx.pb.swift" "$root/Sources/Libraries/HwnasONNX/onnx.pb.swift"
rm -rf "$work"
echo "wrote Sources/Libraries/HwnasONNX/onnx.pb.swift from onnx $(python3 -c 'import onnx; print(onnx.__version__)')"
