// ort_time.js MODEL.onnx DATA.csv [BATCH] - for scripts/bench: ONNX Runtime's
// rows/s on a CSV's rows (all columns but the last), in memory, in batches
// of BATCH (default 10000: ORT likes them large), best of 3.  The CSV is
// parsed before the clock starts.  Prints "key value" lines.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, '../../tests/onnx/node_modules/onnxruntime-node'));

async function main() {
	const [model, data, b] = process.argv.slice(2);
	const batch = Number(b || 10000);
	const lines = fs.readFileSync(data, 'utf8').split('\n').filter((l) => l !== '');
	const d = lines[0].split(',').length - 1, n = lines.length - 1;
	const x = new Float32Array(n * d);
	for (let r = 0; r < n; r++) {
		const f = lines[r + 1].split(',');
		for (let j = 0; j < d; j++)
			x[r * d + j] = Number(f[j]);
	}
	const s = await ort.InferenceSession.create(model,
	    { intraOpNumThreads: 1, interOpNumThreads: 1 });
	let best = Infinity;
	for (let rep = 0; rep < 3; rep++) {
		const t0 = process.hrtime.bigint();
		for (let i = 0; i < n; i += batch) {
			const k = Math.min(batch, n - i);
			await s.run({ [s.inputNames[0]]: new ort.Tensor('float32',
			    x.subarray(i * d, (i + k) * d), [k, d]) });
		}
		const t = Number(process.hrtime.bigint() - t0) / 1e9;
		if (t < best)
			best = t;
	}
	console.log(`rows ${n}`);
	console.log(`best_s ${best.toFixed(4)}`);
	console.log(`rows_per_s ${(n / best).toFixed(0)}`);
}
main().catch((e) => { console.error(`ort_time.js: ${e.message}`); process.exit(1); });
