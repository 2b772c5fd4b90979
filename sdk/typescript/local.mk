EXTRA_DIST += \
	sdk/typescript/.gitignore \
	sdk/typescript/README.md \
	sdk/typescript/package.json \
	sdk/typescript/package-lock.json \
	sdk/typescript/tsconfig.json \
	sdk/typescript/scripts/build-native.mjs \
	sdk/typescript/src/msb_node.c \
	sdk/typescript/lib/errors.ts \
	sdk/typescript/lib/index.ts \
	sdk/typescript/lib/native.ts \
	sdk/typescript/test/tsconfig.json \
	sdk/typescript/test/sdk.test.mjs \
	sdk/typescript/test/using.test.ts \
	sdk/typescript/test/serve_stdio.mjs \
	sdk/typescript/test/attach_child.mjs \
	sdk/typescript/examples/exec.mjs \
	sdk/typescript/bench/exec.mjs \
	sdk/typescript/local.mk
