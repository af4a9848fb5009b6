// Bundled by scripts/build.mjs with the sea-compat plugin and run by the embedded Node: proves
// that Ink, React and yoga's WebAssembly work in the single executable's CommonJS form, before
// any command uses them (`tm top` will).
import React from 'react';
import {Box, Text, renderToString} from 'ink';

const out = renderToString(
	React.createElement(Box, {borderStyle: 'round', width: 24}, React.createElement(Text, null, 'ink ok')),
	{columns: 40},
);
process.stdout.write(`${out}\n`);
