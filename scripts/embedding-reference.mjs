// embedding-reference.mjs writes retrieval/onnx/testdata/reference_vectors.json:
// the vectors that transformers.js (feature-extraction, CLS pooling,
// normalised, on onnxruntime-node) gives with the same int8 model files, so
// the Go embedder is tested against a reference implementation. Only needed
// to refresh that file; CI does not run it.
//
// Run it from the repository root, after scripts/setup-model.sh:
//
//   mkdir -p /tmp/tfjs && (cd /tmp/tfjs && npm init -y >/dev/null &&
//     npm install --ignore-scripts @huggingface/transformers@4.3.1)
//   TFJS_DIR=/tmp/tfjs node scripts/embedding-reference.mjs > retrieval/onnx/testdata/reference_vectors.json
//
// --ignore-scripts is safe: onnxruntime-node ships its CPU library in the
// tarball; its install script would only fetch CUDA. Remote downloads are
// disabled; the model comes from $BATON_MODEL_DIR.
//
// Each text is embedded on its own: the int8 model quantizes a run's
// activations with one scale for the whole batch, so batching would mix texts.
// Input is lower-cased and stripped of accents first, as the Go tokenizer does.

import { copyFileSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const tfjsDir = process.env.TFJS_DIR;
if (!tfjsDir) {
  console.error('set TFJS_DIR to a directory holding node_modules/@huggingface/transformers');
  process.exit(1);
}
const modelDir = process.env.BATON_MODEL_DIR ||
  join(homedir(), '.cache/baton/models/bge-small-zh-v1.5');
const pkgDir = join(tfjsDir, 'node_modules/@huggingface/transformers');
const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
const { pipeline, env } = await import(
  pathToFileURL(join(pkgDir, 'dist/transformers.node.mjs')).href);

// transformers.js wants the model laid out as on the hub, with config.json and
// tokenizer_config.json (these two are the ones shipped with the model).
const root = mkdtempSync(join(tmpdir(), 'embref-'));
mkdirSync(join(root, 'bge/onnx'), { recursive: true });
copyFileSync(join(modelDir, 'tokenizer.json'), join(root, 'bge/tokenizer.json'));
copyFileSync(join(modelDir, 'model_quantized.onnx'), join(root, 'bge/onnx/model_quantized.onnx'));
writeFileSync(join(root, 'bge/tokenizer_config.json'), JSON.stringify({
  clean_up_tokenization_spaces: true, cls_token: '[CLS]', do_basic_tokenize: true,
  do_lower_case: false, mask_token: '[MASK]', model_max_length: 512, never_split: null,
  pad_token: '[PAD]', sep_token: '[SEP]', strip_accents: null,
  tokenize_chinese_chars: true, tokenizer_class: 'BertTokenizer', unk_token: '[UNK]',
}));
writeFileSync(join(root, 'bge/config.json'), JSON.stringify({
  _name_or_path: 'BAAI/bge-small-zh-v1.5', architectures: ['BertModel'],
  attention_probs_dropout_prob: 0.1, classifier_dropout: null, hidden_act: 'gelu',
  hidden_dropout_prob: 0.1, hidden_size: 512, id2label: { 0: 'LABEL_0' },
  initializer_range: 0.02, intermediate_size: 2048, label2id: { LABEL_0: 0 },
  layer_norm_eps: 1e-12, max_position_embeddings: 512, model_type: 'bert',
  num_attention_heads: 8, num_hidden_layers: 4, pad_token_id: 0,
  position_embedding_type: 'absolute', type_vocab_size: 2, use_cache: true, vocab_size: 21128,
}));
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = root + '/';
const extract = await pipeline('feature-extraction', 'bge', { dtype: 'q8', device: 'cpu' });

const texts = [
  'How do I get my money back?',
  'Café opening hours: 9am–6pm, Monday to Friday.',
  '退款多久到账？',
  'iPhone 15 Pro怎么申请退货退款？',
  '您好，您的退款申请已经提交成功，预计三到五个工作日内原路退回到您的支付账户。',
  '',
];
const cases = [];
for (const text of texts) {
  const folded = text.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '');
  const out = await extract([folded], { pooling: 'cls', normalize: true });
  cases.push({ text, vector: Array.from(out.data, (x) => Number(x.toPrecision(7))) });
}
rmSync(root, { recursive: true });
// One case a line keeps the file small and its diffs readable.
console.log(`{"source": ${JSON.stringify(
  `transformers.js ${version} feature-extraction, pooling cls, normalize, dtype q8`)},`);
console.log(' "cases": [');
console.log(cases.map((c) => '  ' + JSON.stringify(c)).join(',\n'));
console.log(']}');
