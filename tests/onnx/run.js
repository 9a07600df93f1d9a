// run.js - run an ONNX model with ONNX Runtime on the rows of a CSV file
// and print its output, one row per line, values separated by commas.
//
//   node tests/onnx/run.js MODEL.onnx DATA.csv COL[,COL...]
//
// The named columns, in that order, are the model's input (N, D); an empty
// field or NA is NaN, which the model's own fills replace.  Plain CSV only
// (no quoted fields): the test data is made for it.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
	const [model, data, cols] = process.argv.slice(2);
	if (!cols) {
		console.error('usage: node run.js MODEL.onnx DATA.csv COL[,COL...]');
		process.exit(2);
	}
	const lines = fs.readFileSync(data, 'utf8').split('\n').filter((l) => l !== '');
	const head = lines[0].split(',');
	const idx = cols.split(',').map((c) => {
		const i = head.indexOf(c);
		if (i < 0)
			throw new Error(`no column ${c} in ${data}`);
		return i;
	});
	const n = lines.length - 1, d = idx.length;
	const x = new Float32Array(n * d);
	for (let r = 0; r < n; r++) {
		const f = lines[r + 1].split(',');
		idx.forEach((c, j) => {
			const s = f[c];
			x[r * d + j] = s === '' || s === 'NA' ? NaN : Number(s);
		});
	}
	const session = await ort.InferenceSession.create(model);
	const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [n, d]) });
	const y = out[session.outputNames[0]];
	const k = y.dims[1];
	const rows = [];
	for (let r = 0; r < n; r++)
		rows.push(Array.from(y.data.slice(r * k, (r + 1) * k)).join(','));
	process.stdout.write(rows.join('\n') + '\n');
}

main().catch((e) => {
	console.error(`run.js: ${e.message}`);
	process.exit(1);
});
